/**
 * The JSON records the server extension relays from the team server
 * (grid-collab/api/...). Only the fields the sidebar reads are typed.
 */

export interface GithubContext {
  user?: string;
  login?: string | null;
  credential_bound?: boolean;
}

export interface Session {
  id: number;
  name: string;
  owner: string;
  team: string;
  status: string;
  instance_type: string;
  created_at: string;
  url?: string | null;
  duration_seconds?: number;
  cost?: number;
  datastores?: string[];
  github?: GithubContext;
  /** What visitors may do there, as its owner chose (absent from older team servers). */
  visitors?: 'view' | 'full';
}

export interface Run {
  id: number;
  name: string;
  owner: string;
  team: string;
  status: string;
  command: string;
  instance_type: string;
  created_at: string;
  duration_seconds?: number;
  counts?: Record<string, number>;
  cost?: number;
  cloned_from?: string | null;
  experiments?: Experiment[];
}

export interface Experiment {
  id: number;
  name: string;
  run: string;
  owner: string;
  index: number;
  status: string;
  params?: Record<string, unknown>;
  exit_code?: number | null;
  duration_seconds?: number;
}

export interface Datastore {
  id: number;
  name: string;
  owner: string;
  team: string;
  version: number;
  status: string;
  size: number;
  file_count: number;
  created_at: string;
}

export interface Member {
  username: string;
  role: string;
  email?: string | null;
  github_login?: string | null;
}

export interface Team {
  name: string;
  balance: number;
  role?: string | null;
  members: Member[];
}

export interface Me {
  username: string;
  site_admin?: boolean;
  teams: { name: string; role: string }[];
}

export interface Listing<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface Artifact {
  path: string;
  size: number;
  sha256: string;
  created_at: string;
  experiment?: string | null;
  owner?: string | null;
}

export interface LogLine {
  seq: number;
  ts: string;
  stream: string;
  line: string;
}

export interface LogPage {
  experiment: string;
  owner: string;
  status: string;
  lines: LogLine[];
  next_offset: number;
  finished: boolean;
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

export interface OpenResult {
  url: string;
  visitor?: string;
  expires_in?: number;
  warning?: string;
}
