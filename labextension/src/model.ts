/**
 * The JSON records the sidebar reads. The team server's records (which the server
 * extension relays unchanged from grid-collab/api/...) are the generated types of its
 * OpenAPI document (api-types.ts: `npm run gen:types`), never written here by hand; only
 * the extension's own answers (context, attach and fetch jobs) are described below.
 */

import { components } from './api-types';

type Schemas = components['schemas'];

export type GithubContext = Schemas['GithubContext'];
export type Session = Schemas['Session'];
export type Experiment = Schemas['Experiment'];
export type RunDetail = Schemas['RunDetail'];
/** A run as listed; fetched one by one (GET runs/<owner>/<name>) it carries its experiments. */
export type Run = Schemas['Run'] & Partial<Pick<RunDetail, 'experiments'>>;
export type Datastore = Schemas['Datastore'];
export type Member = Schemas['Member'];
export type Team = Schemas['Team'];
/** Who I am (GET me): my teams with my role in each. */
export type Me = Schemas['User'];
export type Artifact = Schemas['Artifact'];
export type LogLine = Schemas['LogLine'];
export type LogPage = Schemas['LogPage'];
/** An experiment's params, status, metric summaries and (downsampled) series. */
export type ExperimentMetrics = Schemas['ExperimentMetrics'];
export type MetricSummary = Schemas['MetricSummary'];
export type MetricSeries = Schemas['MetricSeries'];
/** GET metrics: several runs' and experiments' metrics, in the order they were named. */
export type MetricsPage = Schemas['MetricsPage'];
/** A single-use visitor link to a teammate's session (POST sessions/<owner>/<name>/open). */
export type OpenResult = Schemas['SessionOpen'];

/** What every listing page has in common (SessionPage, RunPage, ...; ArtifactList has no
 * cursor): the API's generic view of them. */
export interface Listing<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface Context {
  user: { username: string; visitor: boolean };
  visitor: boolean;
  /** What visitors may do in this session: browse only, or run code as its owner. */
  visitors?: 'view' | 'full';
  session: {
    owner: string;
    name: string;
    url: string | null;
    registered: boolean;
    status: string;
    instance_type: string;
    datastores: string[];
  };
  github: GithubContext & { shared_with_visitors?: boolean };
  git_uses: string;
  banner: string | null;
  team_server: string;
  datastore_root: string;
}

/** An attach: done at once, or (a large download first) a job to follow until done. */
export interface AttachResult {
  id: string;
  state: 'running' | 'done' | 'failed';
  reference: string;
  path: string | null;
  size: number;
  file_count: number;
  bytes_total: number;
  bytes_done: number;
  hint: string | null;
  error: string | null;
}

export interface FetchJob {
  id: string;
  state: 'running' | 'done' | 'failed';
  files_total: number;
  files_done: number;
  bytes_total: number;
  bytes_done: number;
  dest: string;
  files: string[];
  error: string | null;
}
