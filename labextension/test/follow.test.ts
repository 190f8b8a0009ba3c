import { GridApiError } from '../src/api';
import { followLogs, followMetrics, Job, untilDone } from '../src/follow';
import { ExperimentMetrics, LogPage, MetricsPage } from '../src/model';

const page = (lines: string[], next: number, finished: boolean): LogPage => ({
  experiment: 'sweep-exp0',
  experiment_id: 1,
  owner: 'alice',
  status: finished ? 'succeeded' : 'running',
  lines: lines.map((line, i) => ({ seq: next - lines.length + i, ts: '', stream: 'stdout', line })),
  next_offset: next,
  finished
});
const noSleep = async (): Promise<void> => undefined;

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) {
    out.push(p);
  }
  return out;
}

describe('followLogs', () => {
  it('reads from the start, goes on from each next_offset, stops once finished', async () => {
    const asked: [number, number][] = [];
    const answers = [page(['a', 'b'], 2, false), page(['c'], 3, true)];
    const read = async (offset: number, wait: number) => {
      asked.push([offset, wait]);
      return answers.shift()!;
    };
    const pages = await all(followLogs(read, { wait: 7, sleep: noSleep }));
    expect(pages.map(p => p.lines.map(l => l.line).join(''))).toEqual(['ab', 'c']);
    expect(pages[pages.length - 1].status).toBe('succeeded');
    expect(asked).toEqual([
      [0, 7],
      [2, 7]
    ]);
  });

  it('retries a server that does not answer, from where it was, and says so', async () => {
    const retries: number[] = [];
    const answers: (LogPage | Error)[] = [
      page(['a'], 1, false),
      new GridApiError(0, 'the Jupyter server did not answer'),
      new GridApiError(502, 'bad gateway'),
      page(['b'], 2, true)
    ];
    const offsets: number[] = [];
    const read = async (offset: number) => {
      offsets.push(offset);
      const next = answers.shift()!;
      if (next instanceof Error) {
        throw next;
      }
      return next;
    };
    const onRetry = (_: unknown, failures: number) => retries.push(failures);
    const pages = await all(followLogs(read, { onRetry, sleep: noSleep }));
    expect(pages.map(p => p.next_offset)).toEqual([1, 2]);
    expect(offsets).toEqual([0, 1, 1, 1]);
    expect(retries).toEqual([1, 2]);
  });

  it('gives up on 403 and 404, and when the reader went away', async () => {
    const gone = async () => {
      throw new GridApiError(404, 'no experiment alice:sweep-exp0');
    };
    await expect(all(followLogs(gone, { sleep: noSleep }))).rejects.toThrow('no experiment');
    const never = jest.fn();
    expect(await all(followLogs(never, { stopped: () => true }))).toEqual([]);
    expect(never).not.toHaveBeenCalled();
  });
});

describe('untilDone', () => {
  interface Download extends Job {
    bytes_done: number;
  }
  const job = (state: Job['state'], bytes_done: number, error: string | null = null) =>
    ({ id: 'j1', state, error, bytes_done }) as Download;

  it('reports each running state and returns the finished job', async () => {
    const later = [job('running', 5), job('done', 10)];
    const seen: number[] = [];
    const done = await untilDone(
      job('running', 0),
      async () => later.shift()!,
      j => seen.push(j.bytes_done),
      'the download failed',
      noSleep
    );
    expect(done.bytes_done).toBe(10);
    expect(seen).toEqual([0, 5]);
  });

  it("throws the job's error after the caller's words", async () => {
    await expect(
      untilDone(
        job('running', 0),
        async () => job('failed', 0, 'disk full'),
        () => undefined,
        'attaching alice:cars failed',
        noSleep
      )
    ).rejects.toThrow('attaching alice:cars failed: disk full');
  });
});

describe('followMetrics', () => {
  const metrics = (...statuses: ExperimentMetrics['status'][]): MetricsPage => ({
    experiments: statuses.map((status, i) => ({
      experiment: `sweep-exp${i}`,
      run: 'sweep',
      owner: 'alice',
      status,
      params: {},
      summaries: [],
      series: []
    }))
  });

  it('reads again every interval while one runs, and stops once all have finished', async () => {
    const answers = [
      metrics('running', 'pending'),
      metrics('succeeded', 'running'),
      metrics('succeeded', 'failed')
    ];
    const pauses: number[] = [];
    const sleep = async (ms: number) => {
      pauses.push(ms);
    };
    const pages = await all(followMetrics(async () => answers.shift()!, { interval: 1500, sleep }));
    expect(pages.map(p => p.experiments.map(e => e.status))).toEqual([
      ['running', 'pending'],
      ['succeeded', 'running'],
      ['succeeded', 'failed']
    ]);
    expect(pauses).toEqual([1500, 1500]);
  });

  it('reads once what has already finished (or has no experiments)', async () => {
    const read = jest.fn(async () => metrics());
    expect(await all(followMetrics(read, { sleep: noSleep }))).toHaveLength(1);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('stops when the view is closed, even between a request and its answer', async () => {
    let closed = false;
    const read = jest.fn(async () => {
      closed = true; // closed while the request was out: its answer is not shown
      return metrics('running');
    });
    expect(await all(followMetrics(read, { stopped: () => closed, sleep: noSleep }))).toEqual([]);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('retries an unreachable server with backoff, gives up on a refusal', async () => {
    const answers: (MetricsPage | Error)[] = [
      new GridApiError(0, 'the Jupyter server did not answer'),
      new GridApiError(502, 'bad gateway'),
      metrics('succeeded')
    ];
    const pauses: number[] = [];
    const retries: number[] = [];
    const read = async () => {
      const next = answers.shift()!;
      if (next instanceof Error) {
        throw next;
      }
      return next;
    };
    const pages = await all(
      followMetrics(read, {
        interval: 1000,
        onRetry: (_, n) => retries.push(n),
        sleep: async ms => {
          pauses.push(ms);
        }
      })
    );
    expect(pages).toHaveLength(1);
    expect(retries).toEqual([1, 2]);
    expect(pauses).toEqual([2000, 4000]);
    const refused = async () => {
      throw new GridApiError(404, 'no run alice:gone');
    };
    await expect(all(followMetrics(refused, { sleep: noSleep }))).rejects.toThrow(
      'no run alice:gone'
    );
  });
});
