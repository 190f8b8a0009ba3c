/**
 * The comparison of experiments, anyone's in the team: one row per experiment with the
 * params that differ between them and where each metric ended (last, min, max). No DOM.
 *
 * The twin of jupyter_grid_collab/compare.py (``grid metrics`` prints it): the same
 * columns, the same sort (rows without a value last, numbers before text), the same CSV
 * and the same four-digit numbers, so a table reads the same in the sidebar and in a
 * terminal. Both pass test/compare_cases.json.
 */

import { ExperimentMetrics } from './model';

/** What a sort key may name of a metric: its last value, or its lowest or highest. */
export const STATS = ['last', 'min', 'max'] as const;
export type Stat = (typeof STATS)[number];

export const FINISHED = ['succeeded', 'failed', 'cancelled'];

export interface CompareRow {
  /** owner:experiment */
  ref: string;
  owner: string;
  run: string;
  experiment: string;
  status: string;
  params: Record<string, unknown>;
  /** metric -> stat -> value (null: not a number, or no finite value) */
  metrics: Record<string, Record<Stat, number | null>>;
}

export interface Comparison {
  rows: CompareRow[];
  /** the params whose values differ between rows (every param when there is one row) */
  params: string[];
  metrics: string[];
}

/** The comparison of ExperimentMetrics answers, in their order. */
export function compare(experiments: ExperimentMetrics[]): Comparison {
  const rows: CompareRow[] = experiments.map(e => ({
    ref: `${e.owner}:${e.experiment}`,
    owner: e.owner,
    run: e.run,
    experiment: e.experiment,
    status: e.status,
    params: { ...e.params },
    metrics: summaries(e)
  }));
  let params: string[] = [];
  for (const row of rows) {
    params.push(...Object.keys(row.params).filter(p => !params.includes(p)));
  }
  if (rows.length > 1) {
    params = params.filter(p => new Set(rows.map(r => sameKey(r.params[p]))).size > 1);
  }
  const names = new Set<string>();
  for (const row of rows) {
    Object.keys(row.metrics).forEach(m => names.add(m));
  }
  const metrics = Array.from(names).sort(byCodePoint);
  return { rows, params, metrics };
}

function summaries(e: ExperimentMetrics): CompareRow['metrics'] {
  // no prototype: a metric may be called __proto__ or toString
  const out: CompareRow['metrics'] = Object.create(null);
  for (const s of e.summaries) {
    out[s.name] = { last: s.last, min: s.min, max: s.max };
  }
  return out;
}

/** The column names, as the CSV's header: experiment, status, params, then each metric's
 * last, min and max. */
export function header(table: Comparison): string[] {
  const cols = ['experiment', 'status', ...table.params];
  for (const m of table.metrics) {
    cols.push(m, `${m} min`, `${m} max`);
  }
  return cols;
}

/** The row's values under ``header()``: numbers and text as they are (undefined: absent). */
export function cells(table: Comparison, row: CompareRow): unknown[] {
  const out: unknown[] = [row.ref, row.status, ...table.params.map(p => row.params[p])];
  for (const m of table.metrics) {
    const stats = row.metrics[m];
    out.push(stats?.last, stats?.min, stats?.max);
  }
  return out;
}

/**
 * Rows ordered by ``metric`` (its last value), ``metric:min`` or ``metric:max``, or a
 * param's name; rows without a value go last either way. Throws, with the Python side's
 * words, for a key that names nothing.
 */
export function sortedBy(table: Comparison, key: string, descending = false): Comparison {
  const colon = key.indexOf(':');
  const metric = colon < 0 ? key : key.slice(0, colon);
  const stat = (colon < 0 ? '' : key.slice(colon + 1)) || 'last';
  if (!(STATS as readonly string[]).includes(stat)) {
    throw new Error(`sort by ${stringRepr(key)}: after the colon, one of ${STATS.join(', ')}`);
  }
  let value: (row: CompareRow) => unknown;
  if (table.metrics.includes(metric)) {
    value = row => row.metrics[metric]?.[stat as Stat];
  } else if (table.params.includes(metric) || table.rows.some(r => hasOwn(r.params, metric))) {
    value = row => row.params[metric];
  } else {
    const known = [...table.metrics, ...table.params].join(', ') || 'none';
    throw new Error(`sort by ${stringRepr(metric)}: no such metric or param (there are: ${known})`);
  }
  return { ...table, rows: sortRows(table.rows, value, descending) };
}

/** Rows ordered by the column at ``index`` of ``header()`` (a click on a header). */
export function sortedByColumn(table: Comparison, index: number, descending = false): Comparison {
  return {
    ...table,
    rows: sortRows(table.rows, row => cells(table, row)[index], descending)
  };
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function sortRows(
  rows: CompareRow[],
  value: (row: CompareRow) => unknown,
  descending: boolean
): CompareRow[] {
  const present = rows.filter(r => sortable(value(r)));
  const absent = rows.filter(r => !sortable(value(r)));
  // Array.prototype.sort is stable, and so is Python's with reverse=True: equal keys keep
  // their order in both directions
  const sign = descending ? -1 : 1;
  present.sort((a, b) => sign * compareKeys(value(a), value(b)));
  return [...present, ...absent];
}

function sortable(value: unknown): boolean {
  return value !== null && value !== undefined && !Number.isNaN(value);
}

// numbers before text, so a param that is sometimes a string still sorts
function compareKeys(a: unknown, b: unknown): number {
  const an = typeof a === 'number';
  const bn = typeof b === 'number';
  if (an && bn) {
    return (a as number) - (b as number);
  }
  if (an !== bn) {
    return an ? -1 : 1;
  }
  return byCodePoint(pyStr(a), pyStr(b));
}

/** Python's order of strings: by code point (JS's < compares UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d) {
      return d;
    }
  }
  return x.length - y.length;
}

// what Python's set() sees as one value: 1 and 1.0 are equal there as here; [1, 2] and
// (1, 2) too; an absent param is None
function sameKey(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

/** The table as CSV, as Python's csv module writes it (``\n`` line ends, minimal quoting;
 * a metric's values as Python floats: ``1.0``, ``1e-05``). */
export function toCsv(table: Comparison): string {
  const lines = [header(table).map(h => csvField(asText(h)))];
  const metricFrom = 2 + table.params.length;
  for (const row of table.rows) {
    lines.push(
      cells(table, row).map((v, i) => {
        if (v === null || v === undefined) {
          return '';
        }
        // the client reads metric values into floats; a param keeps the type it was given
        if (typeof v === 'string') {
          return csvField(asText(v));
        }
        return csvField(i >= metricFrom && typeof v === 'number' ? pyFloat(v) : pyStr(v));
      })
    );
  }
  return lines.map(l => l.join(',') + '\n').join('');
}

// what a spreadsheet reads as a formula at the start of a text cell: a teammate's param
// "=HYPERLINK(...)" must open as that text, not run (CSV injection; compare.FORMULA_STARTS)
const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r'];

function asText(text: string): string {
  return FORMULA_STARTS.some(c => text.startsWith(c)) ? `'${text}` : text;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A cell for the table: a metric's value to four significant digits, ``-`` for none;
 * text as it is. (compare.number: Python's ``f"{value:.4g}"``.) */
export function number(value: unknown, isFloat = true): string {
  if (value === null || value === undefined) {
    return '-';
  }
  if (typeof value === 'number' && (isFloat || !isInt(value))) {
    return formatG(value, 4);
  }
  return pyStr(value);
}

// a JSON number without a fraction is an int for Python's json (JS cannot tell 1.0 from 1:
// a param written 1.0 is shown as 1 here, 1.0 in the Python CSV)
function isInt(value: number): boolean {
  return Number.isInteger(value) && Math.abs(value) < 1e16;
}

/** ``str(value)`` in Python for a JSON value. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

function pyRepr(value: unknown): string {
  if (value === null || value === undefined) {
    return 'None';
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'number') {
    return isInt(value) ? String(value) : pyFloat(value);
  }
  if (typeof value === 'string') {
    return stringRepr(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(pyRepr).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const items = Object.entries(value as Record<string, unknown>);
    return `{${items.map(([k, v]) => `${stringRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

function stringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = Array.from(text)
    .map(c => {
      if (c === '\\' || c === quote) {
        return '\\' + c;
      }
      const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
      if (named[c]) {
        return named[c];
      }
      const code = c.codePointAt(0)!;
      return code < 0x20 || (code >= 0x7f && code < 0xa0)
        ? '\\x' + code.toString(16).padStart(2, '0')
        : c;
    })
    .join('');
  return quote + escaped + quote;
}

/** ``repr(float)`` in Python: the shortest digits that read back, ``1.0``, ``1e-05``,
 * ``1e+16``. */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) {
    return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  }
  if (x === 0) {
    return Object.is(x, -0) ? '-0.0' : '0.0';
  }
  const { digits, exp } = shortest(Math.abs(x));
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 16) {
    return sign + scientific(digits, exp);
  }
  return sign + positional(digits, exp, true);
}

/** Python's ``format(x, f".{precision}g")``: correctly rounded, ties to even. */
export function formatG(x: number, precision: number): string {
  if (!Number.isFinite(x)) {
    return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  }
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) {
    return sign + '0';
  }
  const { digits, exp } = rounded(Math.abs(x), precision);
  const trimmed = digits.replace(/0+$/, '') || '0';
  if (exp < -4 || exp >= precision) {
    return sign + scientific(trimmed, exp);
  }
  return sign + positional(trimmed, exp, false);
}

/** The shortest decimal digits of ``x`` (> 0) that read back as ``x``, and its exponent. */
function shortest(x: number): { digits: string; exp: number } {
  const [mantissa, exp] = x.toExponential().split('e');
  return { digits: mantissa.replace('.', ''), exp: Number(exp) };
}

/** ``x`` (> 0) to ``precision`` significant digits. toExponential rounds the exact value
 * correctly but breaks a tie upwards; Python breaks it to the even digit. A tie is exact:
 * ``x`` is then a decimal of precision + 1 digits ending in 5, its shortest form. */
function rounded(x: number, precision: number): { digits: string; exp: number } {
  const [mantissa, exp] = x.toExponential(precision - 1).split('e');
  const near = shortest(x);
  if (
    near.digits.length === precision + 1 &&
    near.digits.endsWith('5') &&
    exactly(Number(near.digits), near.exp - precision) &&
    Number(near.digits[precision - 1]) % 2 === 0
  ) {
    return { digits: near.digits.slice(0, precision), exp: near.exp };
  }
  return { digits: mantissa.replace('.', ''), exp: Number(exp) };
}

/** Whether ``d * 10**k`` (d odd) is a double exactly: 2**k 5**k d in binary needs 5**-k to
 * divide d when k < 0, and d 5**k within 53 bits when k >= 0. */
function exactly(d: number, k: number): boolean {
  return k < 0 ? d % 5 ** -k === 0 : d * 5 ** k <= 2 ** 53;
}

function scientific(digits: string, exp: number): string {
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = String(Math.abs(exp)).padStart(2, '0');
  return `${mantissa}e${exp < 0 ? '-' : '+'}${e}`;
}

function positional(digits: string, exp: number, dotZero: boolean): string {
  let whole: string;
  let fraction: string;
  if (exp >= 0) {
    whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    fraction = digits.slice(exp + 1);
  } else {
    whole = '0';
    fraction = '0'.repeat(-exp - 1) + digits;
  }
  if (!fraction) {
    return dotZero ? `${whole}.0` : whole;
  }
  return `${whole}.${fraction}`;
}

/** Whether every experiment has finished (nothing more will come to follow). */
export function allFinished(experiments: { status: string }[]): boolean {
  return experiments.every(e => FINISHED.includes(e.status));
}
