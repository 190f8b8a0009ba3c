import {
  ApiResponse,
  GridApi,
  GridApiError,
  Method,
  checkKind,
  downloadPath,
  errorMessage,
  looksLikeExperiment,
  query,
  runOrExperiment
} from '../src/api';

/** A transport that records what the client asks and answers from a script. */
function recorder(answers: { status: number; body: string }[]) {
  const calls: { path: string; method: Method; body?: string }[] = [];
  const api = new GridApi(async (path, init): Promise<ApiResponse> => {
    calls.push({ path, ...init });
    const answer = answers.shift() ?? { status: 200, body: '{}' };
    return {
      status: answer.status,
      ok: answer.status < 400,
      text: async () => answer.body
    };
  });
  return { api, calls };
}

describe('request paths', () => {
  it('lists with the scope and leaves out empty parameters', async () => {
    const { api, calls } = recorder([{ status: 200, body: '{"items": [], "next_cursor": null}' }]);
    await api.runs({ scope: 'team', status: '', limit: 100 });
    expect(calls).toEqual([{ path: 'runs?scope=team&limit=100', method: 'GET', body: undefined }]);
  });

  it('asks for several runs and experiments in one metrics call', async () => {
    const { api, calls } = recorder([{ status: 200, body: '{"experiments": []}' }]);
    await api.metrics({ runs: ['alice:sweep', 'bob:sweep'], experiments: ['carol:x-exp0'] });
    expect(calls[0].path).toBe(
      'metrics?runs=alice%3Asweep%2Cbob%3Asweep&experiments=carol%3Ax-exp0&max_points=500'
    );
    await api.metrics({ runs: [], experiments: ['carol:x-exp0'] }, 50, ['loss', 'acc']);
    expect(calls[1].path).toBe('metrics?experiments=carol%3Ax-exp0&names=loss%2Cacc&max_points=50');
  });

  it('escapes owner and name segments so an odd name cannot change the route', async () => {
    const { api, calls } = recorder([{ status: 204, body: '' }]);
    await api.remove('sessions', 'alice', 'a/b?c');
    expect(calls[0].path).toBe('sessions/alice/a%2Fb%3Fc');
    expect(calls[0].method).toBe('DELETE');
  });

  it('deletes one datastore version when the row names one', async () => {
    const { api, calls } = recorder([{ status: 204, body: '' }]);
    await api.remove('datastores', 'bob', 'cars', 2);
    expect(calls[0].path).toBe('datastores/bob/cars?version=2');
  });

  it('posts attach and fetch with JSON bodies', async () => {
    const { api, calls } = recorder([
      { status: 200, body: '{"reference": "bob:cars@1", "path": "/d/cars"}' },
      { status: 202, body: '{"id": "x", "state": "running"}' }
    ]);
    const attached = await api.attach('bob:cars');
    await api.fetchArtifacts('bob:run-exp0', 'results');
    expect(attached.path).toBe('/d/cars');
    expect(calls[0]).toEqual({
      path: 'datastores/attach',
      method: 'POST',
      body: '{"ref":"bob:cars"}'
    });
    expect(calls[1]).toEqual({
      path: 'artifacts/fetch',
      method: 'POST',
      body: '{"ref":"bob:run-exp0","dest":"results"}'
    });
  });

  it('says which kind a fetch names when the row knows it', async () => {
    const { api, calls } = recorder([{ status: 202, body: '{}' }]);
    await api.fetchArtifacts('bob:cifar-explore', 'results', 'run');
    expect(JSON.parse(calls[0].body ?? '')).toEqual({
      ref: 'bob:cifar-explore',
      dest: 'results',
      kind: 'run'
    });
  });

  it('follows a background attach by its job id', async () => {
    const { api, calls } = recorder([
      { status: 200, body: '{"id": "ab12", "state": "done", "path": "/d/big"}' }
    ]);
    const job = await api.attachJob('ab12');
    expect(job.path).toBe('/d/big');
    expect(calls[0]).toEqual({ path: 'datastores/attach/ab12', method: 'GET', body: undefined });
  });

  it('long-polls logs from an offset', async () => {
    const { api, calls } = recorder([{ status: 200, body: '{"lines": [], "next_offset": 5}' }]);
    await api.logs('alice', 'r-exp0', 5, 10);
    expect(calls[0].path).toBe('experiments/alice/r-exp0/logs?offset=5&wait=10');
  });

  it('offset 0 is sent, not dropped as empty', () => {
    expect(query({ offset: 0, wait: undefined })).toBe('?offset=0');
  });

  it('builds artifact download links with both parts escaped', () => {
    expect(downloadPath('bob:run-exp1', 'model dir/w+1.pt')).toBe(
      'artifacts/download?ref=bob%3Arun-exp1&path=model%20dir%2Fw%2B1.pt'
    );
  });

  it('tells experiments from runs by the -exp<N> suffix, anchored at the end', () => {
    expect(runOrExperiment('sweep-exp3')).toBe('experiments');
    expect(runOrExperiment('a-exp1x-exp12')).toBe('experiments');
    expect(runOrExperiment('sweep')).toBe('runs');
    expect(runOrExperiment('exp-explore')).toBe('runs');
    // the old `"-exp" in name` took these runs for experiments
    for (const run of ['cifar-explore', 'x-exp-lore', 'a-exp1x', 'my-experiment']) {
      expect(runOrExperiment(run)).toBe('runs');
      expect(looksLikeExperiment(run)).toBe(false);
    }
  });

  it('refuses a typed reference of the other kind, saying what it names', () => {
    expect(() => checkKind('experiment', 'alice', 'cifar-explore')).toThrow(
      'alice:cifar-explore names a run, not an experiment: experiments are named <run>-exp<N>, e.g. alice:cifar-explore-exp0'
    );
    expect(() => checkKind('run', 'alice', 'x-exp0')).toThrow(
      "alice:x-exp0 names an experiment, not a run: names ending in -exp<N> are experiments' (its run is alice:x)"
    );
    expect(() => checkKind('run', 'alice', 'cifar-explore')).not.toThrow();
    expect(() => checkKind('experiment', 'alice', 'cifar-explore-exp0')).not.toThrow();
  });
});

describe('errors', () => {
  it("carries the team server's message unchanged", async () => {
    const message = 'bob cannot delete alice\'s session "s": only its creator or a team admin can';
    const { api } = recorder([{ status: 403, body: JSON.stringify({ message }) }]);
    await expect(api.remove('sessions', 'alice', 's')).rejects.toEqual(
      new GridApiError(403, message)
    );
  });

  it('says something useful when the body is not JSON', () => {
    expect(errorMessage(502, '<html>Bad gateway</html>')).toBe('the Jupyter server answered 502');
    expect(errorMessage(403, '')).toMatch(/login may have expired/);
  });

  it('turns a transport failure into a GridApiError', async () => {
    const api = new GridApi(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.context()).rejects.toMatchObject({
      status: 0,
      message: expect.stringMatching(/did not answer/)
    });
  });
});
