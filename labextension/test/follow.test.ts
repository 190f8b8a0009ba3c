import { GridApiError } from '../src/api';
import { followLogs, Job, untilDone } from '../src/follow';
import { LogPage } from '../src/model';

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
