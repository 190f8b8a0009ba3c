/**
 * The Compare view in the main area: runs' and experiments' metrics, anyone's in the
 * team, as a table (the params that differ and each metric's last, min and max, sorted by
 * a click on a header) and a line chart per metric with a series per experiment. While an
 * experiment runs it reads them again every 1.5 s (follow.ts's loop) and stops once all
 * have finished or the tab is closed. The table exports as CSV, each chart as PNG.
 *
 * Teammates' names, params and metric names are shown as text only, their control
 * characters made visible as in the logs.
 */

import { Widget } from '@lumino/widgets';

import { GridApi, MetricRefs, messageOf } from './api';
import { ChartData, chartsOf, fileName } from './chart-data';
import { MetricChart, Theme, readTheme } from './charts';
import '../style/compare.css';
import {
  Comparison,
  CompareRow,
  FINISHED,
  cells,
  compare,
  header,
  number,
  sortedByColumn,
  toCsv
} from './compare';
import { followMetrics } from './follow';
import { visible } from './format';
import { ExperimentMetrics } from './model';
import { el } from './dom';

/** A signal without its types (IThemeManager.themeChanged): something changed. */
export interface Changed {
  connect(slot: () => void): boolean;
  disconnect(slot: () => void): boolean;
}

export interface CompareOptions {
  /** the JupyterLab theme changed: the charts' canvases are drawn again in its colours */
  themeChanged?: Changed;
  /** milliseconds between two reads while an experiment runs */
  interval?: number;
  /** points per series the server keeps (the first, the last and each bucket's extremes) */
  maxPoints?: number;
}

/** What the view is named after: ``alice:sweep, bob:sweep-exp0``. */
export function refsLabel(refs: MetricRefs): string {
  return [...refs.runs, ...refs.experiments].join(', ');
}

function save(name: string, href: string): void {
  const a = el('a');
  a.href = href;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export class CompareView extends Widget {
  constructor(
    private readonly api: GridApi,
    readonly refs: MetricRefs,
    private readonly options: CompareOptions = {}
  ) {
    super();
    this.addClass('jp-GridCollab-compare');
    this.node.tabIndex = 0;
    const head = el('div', 'jp-GridCollab-compareHead');
    this.state = el('div', 'jp-GridCollab-compareState');
    this.state.setAttribute('role', 'status');
    this.csvButton = el('button', 'jp-GridCollab-csv', 'CSV');
    this.csvButton.title = 'Save the table as a CSV file';
    this.csvButton.disabled = true;
    this.csvButton.onclick = () => this.saveCsv();
    head.append(this.state, this.csvButton);
    this.tableBox = el('div', 'jp-GridCollab-compareTableBox');
    this.chartsBox = el('div', 'jp-GridCollab-charts');
    this.node.append(head, this.tableBox, this.chartsBox);
    this.theme = readTheme();
    this.node.dataset.theme = this.theme.light ? 'light' : 'dark';
    options.themeChanged?.connect(this.onThemeChanged);
    this.resizer = new ResizeObserver(() => this.fitCharts());
    this.resizer.observe(this.chartsBox);
    this.setState('loading…');
  }

  /** Read the metrics, and again while an experiment runs, until finished or closed. */
  async follow(): Promise<void> {
    const { interval = 1500, maxPoints = 500 } = this.options;
    const pages = followMetrics(() => this.api.metrics(this.refs, maxPoints), {
      interval,
      stopped: () => this.isDisposed,
      onRetry: err => this.setState(`${messageOf(err)} — retrying`, false, true)
    });
    try {
      for await (const page of pages) {
        this.showPage(page.experiments);
      }
    } catch (err) {
      if (!this.isDisposed) {
        // a 404 is the team server's word for a run that is not there or not mine to read;
        // its message names it
        this.setState(messageOf(err), true, true);
      }
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.options.themeChanged?.disconnect(this.onThemeChanged);
    this.resizer.disconnect();
    for (const chart of this.charts.values()) {
      chart.destroy();
    }
    this.charts.clear();
    super.dispose();
  }

  // ------------------------------------------------------------------ a page of answers
  private showPage(experiments: ExperimentMetrics[]): void {
    // the draw time, from the answer in hand to the last chart drawn (uPlot draws in a
    // microtask after setData), is left on the node for the browser test to read
    this.drawStart = performance.now();
    this.experiments = experiments;
    this.table = compare(experiments);
    this.renderTable();
    const charts = chartsOf(experiments, this.table.metrics);
    this.pendingDraws = charts.filter(c => c.labels.length).length;
    this.renderCharts(charts);
    if (!this.pendingDraws) {
      this.drawn();
    }
    const running = experiments.filter(e => !FINISHED.includes(e.status)).length;
    const count = `${experiments.length} experiment${experiments.length === 1 ? '' : 's'}`;
    const time = new Date().toLocaleTimeString();
    this.setState(
      running
        ? `${count} — following (${running} running) · updated ${time}`
        : `${count} — finished`,
      !running
    );
    this.csvButton.disabled = false;
  }

  private onDraw = (): void => {
    if (this.drawStart === undefined) {
      return; // a resize or a zoom, not a page
    }
    this.pendingDraws -= 1;
    if (this.pendingDraws <= 0) {
      this.drawn();
    }
  };

  private drawn(): void {
    if (this.drawStart === undefined) {
      return;
    }
    const ms = (performance.now() - this.drawStart).toFixed(1);
    this.node.dataset.drawMs = ms;
    this.node.dataset.firstDrawMs ??= ms;
    this.node.dataset.pages = String(Number(this.node.dataset.pages ?? 0) + 1);
    this.drawStart = undefined;
  }

  // ------------------------------------------------------------------ the table
  private renderTable(): void {
    const table = this.sorted();
    const names = header(table);
    const metricFrom = 2 + table.params.length;
    const node = el('table', 'jp-GridCollab-compareTable');
    const head = el('tr');
    names.forEach((name, i) => {
      const th = el('th');
      th.dataset.column = name;
      const button = el('button', 'jp-GridCollab-sort', visible(name));
      button.title = `Sort by ${visible(name)}`;
      if (name === this.sortColumn) {
        th.setAttribute('aria-sort', this.descending ? 'descending' : 'ascending');
        button.append(el('span', 'jp-GridCollab-sortMark', this.descending ? ' ▼' : ' ▲'));
      }
      button.onclick = () => this.sortBy(name);
      th.appendChild(button);
      if (i >= 2) {
        th.classList.add('jp-mod-number');
      }
      head.appendChild(th);
    });
    node.appendChild(el('thead')).appendChild(head);
    const body = el('tbody');
    for (const row of table.rows) {
      body.appendChild(this.tableRow(table, row, metricFrom));
    }
    node.appendChild(body);
    if (!table.rows.length) {
      this.tableBox.replaceChildren(el('div', 'jp-GridCollab-empty', 'No experiments to compare'));
      return;
    }
    this.tableBox.replaceChildren(node);
  }

  private tableRow(table: Comparison, row: CompareRow, metricFrom: number): HTMLElement {
    const tr = el('tr');
    tr.dataset.ref = row.ref;
    cells(table, row).forEach((value, i) => {
      const td = el('td');
      if (i === 1) {
        td.appendChild(el('span', `jp-GridCollab-status jp-mod-${row.status}`, row.status));
      } else {
        td.textContent = visible(i === 0 ? row.ref : number(value, i >= metricFrom));
        if (i >= 2) {
          td.classList.add('jp-mod-number');
        }
      }
      tr.appendChild(td);
    });
    return tr;
  }

  private sorted(): Comparison {
    const index = this.sortColumn === undefined ? -1 : header(this.table).indexOf(this.sortColumn);
    return index < 0 ? this.table : sortedByColumn(this.table, index, this.descending);
  }

  /** A click on a header: sort by it, lowest first; a second click, highest first. */
  private sortBy(column: string): void {
    this.descending = this.sortColumn === column ? !this.descending : false;
    this.sortColumn = column;
    this.renderTable();
  }

  private saveCsv(): void {
    const blob = new Blob([toCsv(this.sorted())], { type: 'text/csv' });
    const url = URL.createObjectURL(blob);
    save(fileName(`metrics-${refsLabel(this.refs)}`, 'csv'), url);
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  // ------------------------------------------------------------------ the charts
  private renderCharts(charts: ChartData[]): void {
    const wanted = new Set(charts.map(c => c.metric));
    for (const [metric, chart] of this.charts) {
      if (!wanted.has(metric)) {
        chart.destroy();
        this.charts.delete(metric);
      }
    }
    const width = this.chartWidth();
    let previous: HTMLElement | undefined;
    for (const data of charts) {
      if (!data.labels.length) {
        continue; // a metric asked for that no experiment has points of
      }
      let chart = this.charts.get(data.metric);
      if (chart && !chart.update(data)) {
        chart.destroy();
        chart = undefined;
      }
      if (!chart) {
        chart = new MetricChart(data, this.theme, width, this.onDraw, c => this.savePng(c));
        this.charts.set(data.metric, chart);
      }
      // in the table's order of metrics
      if (previous) {
        previous.after(chart.node);
      } else {
        this.chartsBox.prepend(chart.node);
      }
      previous = chart.node;
    }
    this.chartsBox.querySelector('.jp-GridCollab-noCharts')?.remove();
    if (!this.charts.size) {
      this.chartsBox.appendChild(
        el('div', 'jp-GridCollab-empty jp-GridCollab-noCharts', 'No metrics yet')
      );
    }
  }

  private chartWidth(): number {
    const card = this.chartsBox.querySelector('.jp-GridCollab-chart') as HTMLElement | null;
    const box = card?.clientWidth || Math.min(this.chartsBox.clientWidth, 720);
    // a hidden tab has no width yet: the resize observer fits the charts once shown
    return Math.max(240, (box || 600) - 16);
  }

  private fitCharts(): void {
    const width = this.chartWidth();
    for (const chart of this.charts.values()) {
      chart.resize(width);
    }
  }

  private savePng(chart: MetricChart): void {
    save(fileName(chart.metric, 'png'), chart.png());
  }

  private onThemeChanged = (): void => {
    // the theme's stylesheet is in place when the signal comes; canvases keep the old
    // colours until drawn again, so the charts are built anew from the last answer
    this.theme = readTheme();
    this.node.dataset.theme = this.theme.light ? 'light' : 'dark';
    for (const chart of this.charts.values()) {
      chart.destroy();
    }
    this.charts.clear();
    if (this.experiments) {
      this.showPage(this.experiments);
    }
  };

  private setState(text: string, done = false, error = false): void {
    this.state.textContent = `${refsLabel(this.refs)} — ${text}`;
    this.state.classList.toggle('jp-mod-done', done);
    this.state.classList.toggle('jp-mod-error', error);
  }

  private readonly state: HTMLDivElement;
  private readonly csvButton: HTMLButtonElement;
  private readonly tableBox: HTMLDivElement;
  private readonly chartsBox: HTMLDivElement;
  private readonly resizer: ResizeObserver;
  private readonly charts = new Map<string, MetricChart>();
  private theme: Theme;
  private experiments: ExperimentMetrics[] | undefined;
  private table: Comparison = { rows: [], params: [], metrics: [] };
  private sortColumn: string | undefined;
  private descending = false;
  private drawStart: number | undefined;
  private pendingDraws = 0;
}
