import { align, chartData, chartsOf, fileName, seriesColor } from '../src/chart-data';
import { ExperimentMetrics } from '../src/model';

const experiment = (
  owner: string,
  name: string,
  series: Record<string, [number[], (number | null)[]]>
): ExperimentMetrics => ({
  experiment: name,
  run: name.replace(/-exp\d+$/, ''),
  owner,
  status: 'running',
  params: {},
  summaries: [],
  series: Object.entries(series).map(([metric, [step, value]]) => ({
    name: metric,
    count: step.length,
    step,
    value,
    ts: step.map(() => 0)
  }))
});

describe('chartData: uPlot aligned data, one series per experiment', () => {
  it('shares one x column when every series has the same steps', () => {
    const chart = chartData(
      [
        experiment('alice', 'sweep-exp0', {
          loss: [
            [0, 1, 2],
            [0.9, 0.5, 0.4]
          ]
        }),
        experiment('bob', 'sweep-exp0', {
          loss: [
            [0, 1, 2],
            [1.2, null, 0.7]
          ]
        })
      ],
      'loss'
    );
    expect(chart.labels).toEqual(['alice:sweep-exp0', 'bob:sweep-exp0']);
    expect(chart.data).toEqual([
      [0, 1, 2],
      [0.9, 0.5, 0.4],
      [1.2, null, 0.7]
    ]);
    expect(chart.points).toBe(5); // the null is not a point
  });

  it('joins different steps: undefined where a series has no point, null kept as a gap', () => {
    const data = align([
      { step: [0, 2, 4], value: [1, null, 3] },
      { step: [1, 2, 5], value: [10, 20, 30] }
    ]);
    expect(data[0]).toEqual([0, 1, 2, 4, 5]);
    // toEqual takes undefined for a hole: check each cell with toBe
    const expected = [
      [1, undefined, null, 3, undefined],
      [undefined, 10, 20, undefined, 30]
    ];
    expected.forEach((column, s) =>
      column.forEach((cell, i) => expect([s, i, data[s + 1][i]]).toEqual([s, i, cell]))
    );
    expect(data[1][2]).toBeNull();
    expect(data[1][1]).toBeUndefined();
  });

  it('sorts steps that came out of order, the later point winning a repeated step', () => {
    const data = align([{ step: [3, 1, 2, 2], value: [30, 10, 20, 21] }]);
    expect(data).toEqual([
      [1, 2, 3],
      [10, 21, 30]
    ]);
  });

  it('leaves out experiments without the metric but keeps each one colour', () => {
    const exps = [
      experiment('alice', 'a-exp0', { acc: [[0], [0.5]] }),
      experiment('bob', 'b-exp0', {
        loss: [
          [0, 1],
          [2, 1]
        ]
      }),
      experiment('carol', 'c-exp0', { loss: [[5], [1]], acc: [[], []] })
    ];
    const [acc, loss] = chartsOf(exps, ['acc', 'loss']);
    expect(acc.labels).toEqual(['alice:a-exp0']);
    expect(acc.experiments).toEqual([0]);
    expect(loss.labels).toEqual(['bob:b-exp0', 'carol:c-exp0']);
    expect(loss.experiments).toEqual([1, 2]);
    expect(chartData(exps, 'nothing')).toEqual({
      metric: 'nothing',
      labels: [],
      experiments: [],
      data: [[]],
      points: 0
    });
  });

  it('shapes 20 series of 500 points on different steps (a generous bound: jest is no benchmark)', () => {
    const exps = Array.from({ length: 20 }, (_, e) =>
      experiment('alice', `big-exp${e}`, {
        loss: [
          Array.from({ length: 500 }, (_, i) => i * 2 + (e % 2)),
          Array.from({ length: 500 }, (_, i) => Math.sin(i + e))
        ]
      })
    );
    const start = Date.now();
    const chart = chartData(exps, 'loss');
    expect(Date.now() - start).toBeLessThan(500);
    expect(chart.data.length).toBe(21);
    expect(chart.data[0].length).toBe(1000); // odd and even steps joined
    expect(chart.points).toBe(10_000);
  });
});

describe('seriesColor and fileName', () => {
  it('gives 20 experiments 20 colours, darker on a light theme', () => {
    const colours = Array.from({ length: 20 }, (_, i) => seriesColor(i, true));
    expect(new Set(colours).size).toBe(20);
    expect(seriesColor(0, true)).toMatch(/40%\)$/);
    expect(seriesColor(0, false)).toMatch(/65%\)$/);
  });

  it('makes a file name of a metric name', () => {
    expect(fileName('val/loss', 'png')).toBe('val_loss.png');
    expect(fileName('../x', 'png')).toBe('x.png');
    expect(fileName('', 'csv')).toBe('metric.csv');
    expect(fileName('metrics-alice:sweep, bob:sweep', 'csv')).toBe(
      'metrics-alice_sweep_bob_sweep.csv'
    );
  });
});
