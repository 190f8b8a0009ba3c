/**
 * What the Compare view's charts draw, DOM-free: one chart per metric, one series per
 * experiment, as uPlot's aligned data (one x column, the steps, and a y column per
 * series).
 *
 * Experiments' points rarely share their steps (the server keeps each bucket's lowest and
 * highest point, which fall on different steps for each experiment), so the columns are
 * aligned on the union of the steps as uPlot.join does: ``undefined`` where a series has no
 * point at a step (uPlot draws the line on over it) and ``null`` where the point is not a
 * number (uPlot leaves a gap there, as it should: the run diverged).
 */

import { ExperimentMetrics } from './model';

export type YColumn = (number | null | undefined)[];

export interface ChartData {
  metric: string;
  /** each series' name, owner:experiment, in the order of the y columns */
  labels: string[];
  /** each series' experiment: its index among the answer's (so its colour) */
  experiments: number[];
  /** [steps, y of the first series, ...] */
  data: [number[], ...YColumn[]];
  /** the points with a value, all series together */
  points: number;
}

/** The chart of ``metric``: a series for each experiment that has points of it. */
export function chartData(experiments: ExperimentMetrics[], metric: string): ChartData {
  const labels: string[] = [];
  const indices: number[] = [];
  const columns: { step: number[]; value: (number | null)[] }[] = [];
  experiments.forEach((e, i) => {
    const series = e.series.find(s => s.name === metric);
    if (series && series.step.length) {
      labels.push(`${e.owner}:${e.experiment}`);
      indices.push(i);
      columns.push(series);
    }
  });
  let points = 0;
  for (const c of columns) {
    for (const v of c.value) {
      if (v !== null) {
        points += 1;
      }
    }
  }
  return { metric, labels, experiments: indices, data: align(columns), points };
}

/** A chart per metric, in the order given (the table's). */
export function chartsOf(experiments: ExperimentMetrics[], metrics: string[]): ChartData[] {
  return metrics.map(m => chartData(experiments, m));
}

/** Columns of (step, value) series on one ascending x column. */
export function align(columns: { step: number[]; value: (number | null)[] }[]): ChartData['data'] {
  if (!columns.length) {
    return [[]];
  }
  const first = columns[0].step;
  // the common case, every series at the same ascending steps: no join to do
  if (ascending(first) && columns.every(c => sameSteps(c.step, first))) {
    return [first.slice(), ...columns.map(c => c.value.slice())];
  }
  const union = new Set<number>();
  for (const c of columns) {
    c.step.forEach(s => union.add(s));
  }
  const steps = Array.from(union).sort((a, b) => a - b);
  const at = new Map(steps.map((s, i) => [s, i]));
  const ys = columns.map(c => {
    const y: YColumn = new Array(steps.length).fill(undefined);
    c.step.forEach((s, i) => {
      y[at.get(s)!] = c.value[i];
    });
    return y;
  });
  return [steps, ...ys];
}

function ascending(steps: number[]): boolean {
  for (let i = 1; i < steps.length; i++) {
    if (steps[i] <= steps[i - 1]) {
      return false;
    }
  }
  return true;
}

function sameSteps(a: number[], b: number[]): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

/**
 * The colour of an experiment's series: hues a golden angle apart, so neighbours differ
 * however many there are, darker on a light theme and lighter on a dark one so the line
 * stands out from the background.
 */
export function seriesColor(index: number, light: boolean): string {
  const hue = Math.round((210 + index * 137.508) % 360);
  return `hsl(${hue}, ${light ? 70 : 75}%, ${light ? 40 : 65}%)`;
}

/** A file name made of a metric's name: what is not a letter, digit, '.', '_' or '-' goes. */
export function fileName(stem: string, ext: string): string {
  const safe = stem.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'metric';
  return `${safe.slice(0, 80)}.${ext}`;
}
