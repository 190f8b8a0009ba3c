import { ApiResponse, GridApi, Method } from '../src/api';
import {
  DEFAULT_BASE,
  FolderQuestion,
  baseFolder,
  commonFolder,
  fetchToChosenFolder,
  landingFolder
} from '../src/fetch-folder';

/** A transport that records what the sidebar sends and answers from a script. */
function recorder(answers: object[]) {
  const calls: { path: string; method: Method; body?: string }[] = [];
  const api = new GridApi(async (path, init): Promise<ApiResponse> => {
    calls.push({ path, ...init });
    const answer = answers.shift() ?? {};
    return { status: 200, ok: true, text: async () => JSON.stringify(answer) };
  });
  return { api, calls };
}

const SWEEP_FILES = [
  'results/alice/mnist-sweep/mnist-sweep-exp0/metrics.json',
  'results/alice/mnist-sweep/mnist-sweep-exp0/model.json',
  'results/alice/mnist-sweep/mnist-sweep-exp1/metrics.json',
  'results/alice/mnist-sweep/mnist-sweep-exp1/model.json'
];

function job(state: 'running' | 'done', files: string[]) {
  return {
    id: 'job1',
    state,
    files_total: 4,
    files_done: files.length,
    bytes_total: 1200,
    bytes_done: state === 'done' ? 1200 : 300,
    dest: 'results',
    files,
    error: null
  };
}

const noPause = async (): Promise<void> => undefined;

/** The dialog, answered by a script: records what it was shown, types ``answer``. */
function dialog(answer: string | null) {
  const shown: { question?: FolderQuestion; landingOfDefault?: string } = {};
  const ask = async (question: FolderQuestion): Promise<string | null> => {
    shown.question = question;
    shown.landingOfDefault = question.landing(question.initial);
    return answer;
  };
  return { ask, shown };
}

const SWEEP = { owner: 'alice', name: 'mnist-sweep', kind: 'run' } as const;

describe('Download to folder asks where first', () => {
  it('offers grid_artifacts and shows the owner and run folders the files land in', async () => {
    const { api } = recorder([job('done', [])]);
    const { ask, shown } = dialog(DEFAULT_BASE);
    await fetchToChosenFolder({ api, ask, say: () => undefined, pause: noPause }, SWEEP);
    expect(shown.question?.ref).toBe('alice:mnist-sweep');
    expect(shown.question?.initial).toBe('grid_artifacts');
    expect(shown.landingOfDefault).toBe('grid_artifacts/alice/mnist-sweep/');
    // the line under the field follows what is typed
    expect(shown.question?.landing('team results/')).toBe('team results/alice/mnist-sweep/');
  });

  it('sends the chosen base folder, follows the job and names where the files landed', async () => {
    const { api, calls } = recorder([job('running', []), job('done', SWEEP_FILES)]);
    const { ask } = dialog(' results/ ');
    const said: string[] = [];
    const done = await fetchToChosenFolder(
      { api, ask, say: text => said.push(text), pause: noPause },
      SWEEP
    );
    expect(calls.map(c => [c.method, c.path])).toEqual([
      ['POST', 'artifacts/fetch'],
      ['GET', 'artifacts/fetch/job1']
    ]);
    expect(JSON.parse(calls[0].body ?? '')).toEqual({
      ref: 'alice:mnist-sweep',
      dest: 'results',
      kind: 'run'
    });
    expect(done?.files).toEqual(SWEEP_FILES);
    expect(said[0]).toBe('Downloading alice:mnist-sweep into results/alice/mnist-sweep/…');
    expect(said[1]).toContain('0/4 files');
    expect(said[said.length - 1]).toBe(
      'Downloaded 4 files of alice:mnist-sweep (1.2 kB) into results/alice/mnist-sweep/'
    );
  });

  it('sends nothing when the dialog is cancelled', async () => {
    const { api, calls } = recorder([]);
    const { ask } = dialog(null);
    const said: string[] = [];
    const done = await fetchToChosenFolder(
      { api, ask, say: text => said.push(text), pause: noPause },
      SWEEP
    );
    expect(done).toBeNull();
    expect(calls).toEqual([]);
    expect(said).toEqual([]);
  });

  it('downloads one experiment into its own folder under its run', async () => {
    const file = 'grid_artifacts/bob/mnist-sweep/mnist-sweep-exp2/model.json';
    const { api, calls } = recorder([{ ...job('done', [file]), files_done: 1 }]);
    const { ask, shown } = dialog(DEFAULT_BASE);
    const said: string[] = [];
    await fetchToChosenFolder(
      { api, ask, say: text => said.push(text), pause: noPause },
      { owner: 'bob', name: 'mnist-sweep-exp2', kind: 'experiment' }
    );
    expect(shown.landingOfDefault).toBe('grid_artifacts/bob/mnist-sweep/mnist-sweep-exp2/');
    expect(JSON.parse(calls[0].body ?? '').kind).toBe('experiment');
    expect(said[said.length - 1]).toContain(`into ${file}`);
  });

  it('says so when there was nothing to download', async () => {
    const { api } = recorder([{ ...job('done', []), files_total: 0 }]);
    const said: string[] = [];
    await fetchToChosenFolder(
      { api, ask: dialog('out').ask, say: text => said.push(text), pause: noPause },
      SWEEP
    );
    expect(said[said.length - 1]).toBe(
      'alice:mnist-sweep has no artifacts: nothing was downloaded'
    );
  });
});

describe('the base folder typed', () => {
  it('is relative to the server root; an empty one is the root itself', () => {
    expect(baseFolder('grid_artifacts')).toBe('grid_artifacts');
    expect(baseFolder('/results/')).toBe('results');
    expect(baseFolder('./a/b')).toBe('a/b');
    // never '' on the wire: the extension would take that for its own default folder
    expect(baseFolder('')).toBe('.');
    expect(baseFolder('  / ')).toBe('.');
    expect(landingFolder('.', SWEEP)).toBe('alice/mnist-sweep/');
  });
});

describe('commonFolder', () => {
  it('is the deepest folder holding every file', () => {
    expect(commonFolder(SWEEP_FILES)).toBe('results/alice/mnist-sweep/');
    expect(commonFolder(['a/x/f', 'a/y/g'])).toBe('a/');
    expect(commonFolder(['f', 'a/g'])).toBe('.');
  });
});
