import {
  Comparison,
  allFinished,
  cells,
  compare,
  formatG,
  header,
  number,
  pyFloat,
  sortedBy,
  sortedByColumn,
  toCsv
} from '../src/compare';
import { ExperimentMetrics } from '../src/model';
import cases from './compare_cases.json';

// The cases were written by jupyter_grid_collab/compare.py (tests/test_sidebar_compare_cases.py
// holds it to them): the sidebar's table must read as `grid metrics` prints it.
interface TableCase {
  name: string;
  experiments: ExperimentMetrics[];
  params: string[];
  metrics: string[];
  header: string[];
  shown: string[][];
  csv: string;
  sorts: { key: string; descending: boolean; order: string[] }[];
  errors: { key: string; message: string }[];
}
const tables = cases.tables as unknown as TableCase[];

function shown(table: Comparison): string[][] {
  const metricFrom = 2 + table.params.length;
  return table.rows.map(r => cells(table, r).map((v, i) => number(v, i >= metricFrom)));
}

describe('numbers as compare.py writes them', () => {
  it.each(cases.number as [number, string][])('%p to four digits is %p', (value, expected) => {
    expect(number(value)).toBe(expected);
  });

  it.each(cases.repr as [number, string][])('%p in the CSV is %p', (value, expected) => {
    expect(pyFloat(value)).toBe(expected);
  });

  it('breaks exact ties to the even digit, as Python does (toPrecision goes up)', () => {
    expect(formatG(0.125, 2)).toBe('0.12');
    expect(formatG(0.375, 2)).toBe('0.38');
    expect(formatG(2.5, 1)).toBe('2');
    expect(formatG(3.5, 1)).toBe('4');
    expect(formatG(-1.0625, 4)).toBe('-1.062');
    // 0.15 is not a tie (the double is 0.1499999...): down, in both languages
    expect(formatG(0.15, 1)).toBe('0.1');
  });

  it('shows none as -, text and flags as Python prints them', () => {
    expect(number(null)).toBe('-');
    expect(number(undefined)).toBe('-');
    expect(number('adam')).toBe('adam');
    expect(number(true)).toBe('True');
    expect(number([1, 'a'], false)).toBe("[1, 'a']");
    expect(number(3, false)).toBe('3');
    expect(number(3)).toBe('3');
  });
});

describe.each(tables.map(t => [t.name, t] as [string, TableCase]))('table: %s', (_name, t) => {
  const table = compare(t.experiments);

  it('has the params that differ and the metrics, in compare.py order', () => {
    expect(table.params).toEqual(t.params);
    expect(table.metrics).toEqual(t.metrics);
    expect(header(table)).toEqual(t.header);
    expect(shown(table)).toEqual(t.shown);
  });

  it('writes the same CSV', () => {
    expect(toCsv(table)).toBe(t.csv);
  });

  it('sorts as compare.py does, rows without a value last either way', () => {
    for (const sort of t.sorts) {
      const order = sortedBy(table, sort.key, sort.descending).rows.map(r => r.ref);
      expect([sort.key, sort.descending, order]).toEqual([sort.key, sort.descending, sort.order]);
    }
  });

  it('refuses a key that names nothing, in the same words', () => {
    for (const error of t.errors) {
      expect(() => sortedBy(table, error.key)).toThrow(error.message);
    }
  });
});

describe('sorting by a column (a click on its header)', () => {
  const table = compare(tables[0].experiments);
  const col = (name: string) => header(table).indexOf(name);

  it('orders by the metric stat under the header, missing values last both ways', () => {
    const up = sortedByColumn(table, col('loss')).rows.map(r => r.ref);
    expect(up).toEqual(sortedBy(table, 'loss').rows.map(r => r.ref));
    const down = sortedByColumn(table, col('loss min'), true).rows.map(r => r.ref);
    expect(down).toEqual(sortedBy(table, 'loss:min', true).rows.map(r => r.ref));
    expect(down[down.length - 1]).not.toBe('alice:sweep-exp1'); // it has a min
    const acc = sortedByColumn(table, col('acc'), true).rows.map(r => r.ref);
    expect(acc.slice(2).sort()).toEqual(['alice:sweep-exp1', 'bob:sweep-exp1']);
  });

  it('orders the experiment and status columns too, as text', () => {
    expect(sortedByColumn(table, 0, true).rows.map(r => r.ref)).toEqual([
      'bob:sweep-exp1',
      'bob:sweep-exp0',
      'alice:sweep-exp1',
      'alice:sweep-exp0'
    ]);
    expect(sortedByColumn(table, 1).rows.map(r => r.status)).toEqual([
      'failed',
      'running',
      'succeeded',
      'succeeded'
    ]);
  });

  it('keeps equal rows in their order in both directions (a stable sort)', () => {
    const epochs = compare(
      tables[0].experiments.map(e => ({ ...e, params: { ...e.params, lr: 1 } }))
    );
    const refs = epochs.rows.map(r => r.ref);
    expect(sortedBy(epochs, 'lr').rows.map(r => r.ref)).toEqual(refs);
    expect(sortedBy(epochs, 'lr', true).rows.map(r => r.ref)).toEqual(refs);
  });
});

describe('what teammates name things', () => {
  it('keeps a metric or param called __proto__ or toString as a plain name', () => {
    const e = tables[1].experiments[0];
    const odd = compare([
      {
        ...e,
        params: JSON.parse('{"__proto__": 1, "lr": 2}'),
        summaries: [{ ...e.summaries[0], name: '__proto__' }]
      }
    ]);
    expect(odd.params).toEqual(['__proto__', 'lr']);
    expect(odd.metrics).toEqual(['__proto__']);
    expect(header(odd)).toEqual([
      'experiment',
      'status',
      '__proto__',
      'lr',
      '__proto__',
      '__proto__ min',
      '__proto__ max'
    ]);
    expect(() => sortedBy(odd, 'toString')).toThrow('no such metric or param');
  });
});

describe('allFinished', () => {
  it('is true once nothing is pending or running (and for nothing at all)', () => {
    expect(allFinished([{ status: 'succeeded' }, { status: 'failed' }])).toBe(true);
    expect(allFinished([{ status: 'succeeded' }, { status: 'pending' }])).toBe(false);
    expect(allFinished([{ status: 'running' }])).toBe(false);
    expect(allFinished([])).toBe(true);
  });
});
