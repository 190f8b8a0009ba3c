/**
 * The client of the server extension's API (grid-collab/api/...). It knows paths,
 * methods and the error shape; the transport is given to it (ServerConnection in
 * JupyterLab), so this module has no DOM or JupyterLab import and jest tests it.
 */

import {
  AttachResult,
  Artifact,
  Context,
  Datastore,
  FetchJob,
  Listing,
  LogPage,
  Me,
  MetricsPage,
  OpenResult,
  Run,
  Session,
  Team
} from './model';

export type Method = 'GET' | 'POST' | 'DELETE';

/** The part of a fetch Response the client reads. */
export interface ApiResponse {
  status: number;
  ok: boolean;
  text(): Promise<string>;
}

/** Sends ``method`` to ``path`` (relative to grid-collab/api/) with an optional JSON body. */
export type Requester = (
  path: string,
  init: { method: Method; body?: string }
) => Promise<ApiResponse>;

export type ListKind = 'sessions' | 'runs' | 'datastores';
export type RecordKind = ListKind | 'experiments';
export type Scope = 'mine' | 'team';

/** A refusal or failure, with the message the team server or extension gave. */
export class GridApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
    this.name = 'GridApiError';
  }
}

/** What to tell the user about a failure: its message (a GridApiError's is the server's). */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Path segments, each escaped (names are plain, but an odd one must not change the route). */
export function apiPath(...segments: string[]): string {
  return segments.map(s => encodeURIComponent(s)).join('/');
}

/** ``?a=1&b=2`` from the defined, non-empty parameters ('' when there are none). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** What a person should read when a call fails: the server's own message when it sent one. */
export function errorMessage(status: number, body: string): string {
  try {
    const data = JSON.parse(body);
    if (data && typeof data.message === 'string' && data.message) {
      return data.message;
    }
  } catch {
    // not JSON (a proxy's HTML error page, an empty body): fall through
  }
  if (status === 0) {
    return 'the Jupyter server did not answer';
  }
  if (status === 403) {
    return 'refused (403): your login may have expired; reload the page';
  }
  return `the Jupyter server answered ${status}`;
}

/** The download path of one artifact of an experiment, e.g. ``alice:run-exp0`` + ``model.pt``. */
export function downloadPath(experimentRef: string, path: string): string {
  return `artifacts/download${query({ ref: experimentRef, path })}`;
}

/** Grid's rule, as references.py states it: an experiment's name ends with -exp<N>
 * (anchored: ``cifar-explore`` and ``x-exp-lore`` are runs); the team server refuses run
 * names that end that way, so the rule never takes a run for an experiment. */
export function looksLikeExperiment(name: string): boolean {
  return /-exp[0-9]+$/.test(name);
}

/** Which kind of record a typed run-or-experiment reference names, by Grid's rule; a row
 * knows its kind and never asks this. */
export function runOrExperiment(name: string): 'runs' | 'experiments' {
  return looksLikeExperiment(name) ? 'experiments' : 'runs';
}

/** Refuse a typed reference that names the other kind, saying what it names instead
 * (the same words as references.py). */
export function checkKind(kind: 'run' | 'experiment', owner: string, name: string): void {
  const experiment = looksLikeExperiment(name);
  if (kind === 'experiment' && !experiment) {
    throw new Error(
      `${owner}:${name} names a run, not an experiment: experiments are named ` +
        `<run>-exp<N>, e.g. ${owner}:${name}-exp0`
    );
  }
  if (kind === 'run' && experiment) {
    throw new Error(
      `${owner}:${name} names an experiment, not a run: names ending in -exp<N> are ` +
        `experiments' (its run is ${owner}:${name.replace(/-exp[0-9]+$/, '')})`
    );
  }
}

/** What to compare: runs (each stands for its experiments) and experiments, as
 * ``owner:name`` references. */
export interface MetricRefs {
  runs: string[];
  experiments: string[];
}

export interface ListOptions {
  scope?: Scope;
  user?: string;
  status?: string;
  limit?: number;
  cursor?: string;
}

export class GridApi {
  constructor(private readonly request: Requester) {}

  /** One call; JSON in and out; a GridApiError with the server's message on failure. */
  async call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    let response: ApiResponse;
    try {
      response = await this.request(path, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body)
      });
    } catch (err) {
      throw new GridApiError(0, `the Jupyter server did not answer: ${String(err)}`);
    }
    const text = await response.text();
    if (!response.ok) {
      throw new GridApiError(response.status, errorMessage(response.status, text));
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  context(): Promise<Context> {
    return this.call('GET', 'context');
  }

  me(): Promise<Me> {
    return this.call('GET', 'me');
  }

  team(name: string): Promise<Team> {
    return this.call('GET', apiPath('teams', name));
  }

  sessions(options: ListOptions = {}): Promise<Listing<Session>> {
    return this.call('GET', 'sessions' + query({ ...options }));
  }

  runs(options: ListOptions = {}): Promise<Listing<Run>> {
    return this.call('GET', 'runs' + query({ ...options }));
  }

  datastores(options: ListOptions = {}): Promise<Listing<Datastore>> {
    return this.call('GET', 'datastores' + query({ ...options }));
  }

  session(owner: string, name: string): Promise<Session> {
    return this.call('GET', apiPath('sessions', owner, name));
  }

  /** A run with its experiments. */
  run(owner: string, name: string): Promise<Run> {
    return this.call('GET', apiPath('runs', owner, name));
  }

  artifacts(kind: 'runs' | 'experiments', owner: string, name: string): Promise<Listing<Artifact>> {
    return this.call('GET', apiPath(kind, owner, name, 'artifacts'));
  }

  /** stop | pause | resume (sessions), stop (runs, experiments). */
  act(kind: RecordKind, owner: string, name: string, action: string): Promise<unknown> {
    return this.call('POST', apiPath(kind, owner, name, action));
  }

  /** A new run of mine from a run or experiment (mine or a teammate's). */
  clone(kind: 'runs' | 'experiments', owner: string, name: string): Promise<Run> {
    return this.call('POST', apiPath(kind, owner, name, 'clone'), {});
  }

  /** Delete a record; for datastores, ``version`` deletes that version only. */
  remove(kind: RecordKind, owner: string, name: string, version?: number): Promise<void> {
    return this.call('DELETE', apiPath(kind, owner, name) + query({ version }));
  }

  /** A single-use visitor link to a teammate's session. */
  open(owner: string, name: string): Promise<OpenResult> {
    return this.call('POST', apiPath('sessions', owner, name, 'open'));
  }

  /** Mount a datastore version read-only in this session. */
  attach(ref: string): Promise<AttachResult> {
    return this.call('POST', 'datastores/attach', { ref });
  }

  attachJob(id: string): Promise<AttachResult> {
    return this.call('GET', apiPath('datastores', 'attach', id));
  }

  /** Start downloading a run's or experiment's artifacts into a folder of this server;
   * ``kind`` (the row's) says which ``ref`` names, else the extension reads Grid's rule. */
  fetchArtifacts(ref: string, dest: string, kind?: 'run' | 'experiment'): Promise<FetchJob> {
    return this.call('POST', 'artifacts/fetch', kind ? { ref, dest, kind } : { ref, dest });
  }

  fetchJob(id: string): Promise<FetchJob> {
    return this.call('GET', apiPath('artifacts', 'fetch', id));
  }

  /** Log lines from ``offset``; with ``wait`` the server holds the call until lines come. */
  logs(owner: string, name: string, offset: number, wait?: number): Promise<LogPage> {
    return this.call('GET', apiPath('experiments', owner, name, 'logs') + query({ offset, wait }));
  }

  /** Several runs' and experiments' metrics in one call (anyone's in my teams), in the
   * order named; each series cut to ``maxPoints`` on the server (0: summaries only). */
  metrics(refs: MetricRefs, maxPoints = 500, names?: string[]): Promise<MetricsPage> {
    return this.call(
      'GET',
      'metrics' +
        query({
          runs: refs.runs.join(','),
          experiments: refs.experiments.join(','),
          names: names?.join(','),
          max_points: maxPoints
        })
    );
  }
}
