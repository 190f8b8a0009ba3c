/**
 * One metric's line chart in the Compare view: a uPlot chart (canvas) with a series per
 * experiment, in the colours of the JupyterLab theme it is drawn under, and its export as
 * a PNG that carries the title and the legend (which uPlot draws as HTML, not on the
 * canvas). Teammates' names reach the page only as text: the title through textContent,
 * uPlot's legend labels through textContent too, the PNG through fillText.
 */

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import { ChartData, seriesColor } from './chart-data';
import { formatG } from './compare';
import { visible } from './format';

const HEIGHT = 240;

/** The colours and fonts of the current JupyterLab theme, read from its CSS variables. */
export interface Theme {
  light: boolean;
  background: string;
  text: string;
  muted: string;
  grid: string;
  fontFamily: string;
}

export function readTheme(): Theme {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    // JupyterLab marks the body with the theme's kind; a theme that does not says light
    light: document.body.dataset.jpThemeLight !== 'false',
    background: v('--jp-layout-color1', '#ffffff'),
    text: v('--jp-ui-font-color1', '#000000'),
    muted: v('--jp-ui-font-color2', '#666666'),
    grid: v('--jp-border-color2', '#e0e0e0'),
    fontFamily: v('--jp-ui-font-family', 'sans-serif')
  };
}

/** How a value reads in the legend and on the y axis: four significant digits. */
const short = (v: number | null | undefined): string =>
  v === null || v === undefined ? '-' : formatG(v, 4);

export class MetricChart {
  /** The chart's card: its title, its PNG button and the plot. */
  readonly node: HTMLDivElement;

  constructor(
    chart: ChartData,
    private readonly theme: Theme,
    width: number,
    onDraw: () => void,
    onPng: (chart: MetricChart) => void
  ) {
    this.node = document.createElement('div');
    this.node.className = 'jp-GridCollab-chart';
    const head = document.createElement('div');
    head.className = 'jp-GridCollab-chartHead';
    const title = document.createElement('span');
    title.className = 'jp-GridCollab-chartTitle';
    title.textContent = visible(chart.metric);
    const png = document.createElement('button');
    png.className = 'jp-GridCollab-png';
    png.textContent = 'PNG';
    png.title = `Save the ${visible(chart.metric)} chart as a PNG image`;
    png.onclick = () => onPng(this);
    head.append(title, png);
    const plot = document.createElement('div');
    plot.className = 'jp-GridCollab-plot';
    this.node.append(head, plot);
    this.labels = chart.labels;
    this.metric = chart.metric;
    this.colors = chart.experiments.map(i => seriesColor(i, theme.light));
    const axis = {
      stroke: theme.muted,
      font: `11px ${theme.fontFamily}`,
      labelFont: `11px ${theme.fontFamily}`,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid, width: 1 }
    };
    this.plot = new uPlot(
      {
        width,
        height: HEIGHT,
        // steps, not times
        scales: { x: { time: false } },
        axes: [
          { ...axis, label: 'step', labelSize: 18 },
          { ...axis, size: 60, values: (_u, splits) => splits.map(short) }
        ],
        series: [
          { label: 'step', value: (_u, v) => (v === null || v === undefined ? '-' : String(v)) },
          ...chart.labels.map((label, i) => ({
            label: visible(label),
            stroke: this.colors[i],
            // hollow points in the background's colour (uPlot's default is white)
            points: { fill: theme.background },
            width: 1.5,
            spanGaps: false,
            value: (_u: uPlot, v: number | null) => short(v)
          }))
        ],
        legend: { live: true },
        cursor: { drag: { x: true, y: false } },
        hooks: { draw: [() => onDraw()] }
      },
      chart.data,
      plot
    );
    this.mark(chart);
  }

  readonly metric: string;

  /** Draw new points; false when the series are not the same ones (build a new chart). */
  update(chart: ChartData): boolean {
    if (chart.labels.join('\n') !== this.labels.join('\n')) {
      return false;
    }
    this.plot.setData(chart.data);
    this.mark(chart);
    return true;
  }

  // what a test (or a curious user's devtools) reads off the card
  private mark(chart: ChartData): void {
    this.node.dataset.metric = chart.metric;
    this.node.dataset.series = String(chart.labels.length);
    this.node.dataset.points = String(chart.points);
    this.node.dataset.steps = String(chart.data[0].length);
  }

  resize(width: number): void {
    if (Math.abs(width - this.plot.width) >= 1) {
      this.plot.setSize({ width, height: HEIGHT });
    }
  }

  /** The chart as a PNG image (data: URL): the title, the plot and its legend. */
  png(): string {
    const source = this.plot.ctx.canvas;
    const ratio = source.width / this.plot.width || 1;
    const pad = 8 * ratio;
    const line = 18 * ratio;
    const out = document.createElement('canvas');
    const ctx = out.getContext('2d')!;
    const font = (px: number, bold = false) =>
      `${bold ? 'bold ' : ''}${px * ratio}px ${this.theme.fontFamily}`;
    // the legend's entries laid out in rows as wide as the plot
    ctx.font = font(11);
    const rows: { label: string; color: string; x: number }[][] = [[]];
    let x = pad;
    this.labels.forEach((raw, i) => {
      const label = visible(raw);
      const w = 14 * ratio + ctx.measureText(label).width + 16 * ratio;
      if (x + w > source.width - pad && rows[rows.length - 1].length) {
        rows.push([]);
        x = pad;
      }
      rows[rows.length - 1].push({ label, color: this.colors[i], x });
      x += w;
    });
    const top = line + pad;
    out.width = source.width;
    out.height = top + source.height + rows.length * line + pad;
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.textBaseline = 'middle';
    ctx.fillStyle = this.theme.text;
    ctx.font = font(13, true);
    ctx.fillText(visible(this.metric), pad, pad + line / 2);
    ctx.drawImage(source, 0, top);
    ctx.font = font(11);
    rows.forEach((row, r) => {
      const y = top + source.height + r * line + line / 2;
      for (const entry of row) {
        ctx.fillStyle = entry.color;
        ctx.fillRect(entry.x, y - 1.5 * ratio, 10 * ratio, 3 * ratio);
        ctx.fillStyle = this.theme.text;
        ctx.fillText(entry.label, entry.x + 14 * ratio, y);
      }
    });
    return out.toDataURL('image/png');
  }

  destroy(): void {
    this.plot.destroy();
    this.node.remove();
  }

  private readonly plot: uPlot;
  private readonly labels: string[];
  private readonly colors: string[];
}
