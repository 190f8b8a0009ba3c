/**
 * Which rows the sidebar shows and which actions each offers. The permission table
 * (DESIGN.md) is the contract: anyone in the team may open, attach, download, read
 * logs, compare metrics and clone; only the creator is offered stop / pause / resume /
 * delete. Team admins may do those too, but the team server decides that on the
 * request: the sidebar only mirrors the table, it never replaces it.
 */

import { Datastore, Experiment, Run, Session } from './model';

export type Action =
  | 'open'
  | 'attach'
  | 'download'
  | 'fetch'
  | 'logs'
  | 'compare'
  | 'clone'
  | 'stop'
  | 'pause'
  | 'resume'
  | 'delete';

export const ACTION_LABELS: Record<Action, string> = {
  open: 'Open',
  attach: 'Attach',
  download: 'Download',
  fetch: 'Download to folder',
  logs: 'Logs',
  compare: 'Compare',
  clone: 'Clone',
  stop: 'Stop',
  pause: 'Pause',
  resume: 'Resume',
  delete: 'Delete'
};

export type Target =
  | { kind: 'session'; record: Session }
  | { kind: 'run'; record: Run }
  | { kind: 'experiment'; record: Experiment }
  | { kind: 'datastore'; record: Datastore };

const ACTIVE = ['pending', 'running'];

export function sessionActions(session: Session, me: string): Action[] {
  const actions: Action[] = session.status === 'running' && session.url ? ['open'] : [];
  if (session.owner !== me) {
    return actions;
  }
  if (session.status === 'running') {
    actions.push('pause', 'stop');
  } else if (['paused', 'stopped', 'lost'].includes(session.status)) {
    actions.push('resume');
  }
  actions.push('delete');
  return actions;
}

export function runActions(run: Run, me: string): Action[] {
  const actions: Action[] = ['fetch', 'clone', 'compare'];
  if (run.owner === me) {
    if (ACTIVE.includes(run.status)) {
      actions.push('stop');
    }
    actions.push('delete');
  }
  return actions;
}

export function experimentActions(exp: Experiment, me: string): Action[] {
  const actions: Action[] = ['logs', 'download', 'fetch', 'clone', 'compare'];
  if (exp.owner === me && ACTIVE.includes(exp.status)) {
    actions.push('stop');
  }
  return actions;
}

export function datastoreActions(ds: Datastore, me: string): Action[] {
  return ds.owner === me ? ['attach', 'delete'] : ['attach'];
}

export type Visiting = 'view' | 'full' | undefined;

/**
 * What a visitor may do from the sidebar of the session they visit: what the team server
 * lets a session's server do for a visitor (read, download, attach read-only), and in a
 * view-only session nothing that writes into it (a mount, files). The servers refuse the
 * rest anyway; the sidebar only does not offer it.
 */
const VISITOR_ACTIONS: Record<'view' | 'full', Action[]> = {
  full: ['logs', 'download', 'fetch', 'attach', 'compare'],
  view: ['logs', 'download', 'compare']
};

/**
 * The actions a row offers to ``me``; ``visiting``: the mode of the session ``me`` is
 * visiting (undefined in one's own).
 */
export function actionsFor(target: Target, me: string, visiting?: Visiting): Action[] {
  const actions = (() => {
    switch (target.kind) {
      case 'session':
        return sessionActions(target.record, me);
      case 'run':
        return runActions(target.record, me);
      case 'experiment':
        return experimentActions(target.record, me);
      case 'datastore':
        return datastoreActions(target.record, me);
    }
  })();
  return visiting ? actions.filter(a => VISITOR_ACTIONS[visiting].includes(a)) : actions;
}

/** Rows whose metrics can be compared: runs (each stands for its experiments) and
 * experiments. */
export function comparable(target: Target): boolean {
  return target.kind === 'run' || target.kind === 'experiment';
}

/** What a Compare of ``targets`` asks the team server for: each reference once, runs and
 * experiments apart, in the order given. */
export function metricRefs(targets: Target[]): { runs: string[]; experiments: string[] } {
  const refs = { runs: [] as string[], experiments: [] as string[] };
  for (const target of targets) {
    const list =
      target.kind === 'run' ? refs.runs : target.kind === 'experiment' ? refs.experiments : null;
    const ref = reference(target);
    if (list && !list.includes(ref)) {
      list.push(ref);
    }
  }
  return refs;
}

/** A reference as every face writes it: ``alice:mnist@2`` (version for datastores only). */
export function reference(target: Target): string {
  const { owner, name } = target.record;
  const version =
    target.kind === 'datastore' && target.record.version ? `@${target.record.version}` : '';
  return `${owner}:${name}${version}`;
}

export interface Filter {
  search?: string;
  status?: string;
}

/**
 * Rows matching the search (in the name or the owner, any case) and the status
 * ('' or 'all' keeps every status).
 */
export function filterRows<T extends { name: string; owner: string; status: string }>(
  items: T[],
  filter: Filter
): T[] {
  const needle = (filter.search || '').trim().toLowerCase();
  const status = filter.status && filter.status !== 'all' ? filter.status : '';
  return items.filter(
    item =>
      (!status || item.status === status) &&
      (!needle ||
        item.name.toLowerCase().includes(needle) ||
        item.owner.toLowerCase().includes(needle) ||
        `${item.owner}:${item.name}`.toLowerCase().includes(needle))
  );
}

/** The distinct statuses present, sorted, for the status filter. */
export function statuses(items: { status: string }[]): string[] {
  return Array.from(new Set(items.map(i => i.status))).sort();
}

/** Whose GitHub identity a session carries, as its row says. */
export function githubIdentity(session: Session): string {
  const gh = session.github;
  if (!gh.login) {
    return `${session.owner}: no GitHub login`;
  }
  return `${gh.login} (${gh.credential_bound ? 'credential bound' : 'no token'})`;
}

/** The mode as a row shows it. */
export function visitorsLabel(session: Session): string {
  return session.visitors === 'view' ? 'view only' : 'full access';
}

/**
 * What a visitor must know before opening a teammate's session ('' for my own): exactly
 * what its mode gives them (the notebook panel's rows.py says the same).
 */
export function openWarning(session: Session, me: string): string {
  const owner = session.owner;
  if (owner === me) {
    return '';
  }
  if (session.visitors === 'view') {
    return (
      `You will visit ${owner}'s session view-only: you can browse its files and ` +
      'notebooks and use the Team panel as yourself, but not start kernels, open ' +
      'terminals or change files.'
    );
  }
  const login = session.github.login;
  const who = `${owner}'s GitHub identity` + (login ? ` (${login})` : '');
  return (
    `You will visit ${owner}'s session with full access: code you run and terminals ` +
    `you open there run as ${owner}, with ${owner}'s files and the session's team ` +
    'credential (it cannot change members, roles, credits, keys or credentials), ' +
    `and git there uses ${who}.`
  );
}

/** The primary action of a row (Enter): the first one it offers. */
export function primaryAction(target: Target, me: string, visiting?: Visiting): Action | undefined {
  return actionsFor(target, me, visiting)[0];
}

export interface ParsedReference {
  owner: string;
  name: string;
  version?: number;
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const USERNAME = /^[a-z0-9-]{1,39}$/;

/**
 * ``name``, ``alice:name`` or (with ``allowVersion``) ``alice:name@3``; a bare name is
 * mine. Throws an Error whose message says what is wrong, as the Python parser does.
 */
export function parseReference(text: string, me: string, allowVersion = false): ParsedReference {
  const raw = (text || '').trim();
  const malformed = (why: string) =>
    new Error(`malformed reference ${JSON.stringify(raw)}: ${why}`);
  let rest = raw;
  let version: number | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    if (!allowVersion) {
      throw malformed('only datastores take a @version');
    }
    const v = rest.slice(at + 1);
    if (!/^[1-9]\d*$/.test(v)) {
      throw malformed('the version after @ must be a positive number');
    }
    version = Number(v);
    rest = rest.slice(0, at);
  }
  const parts = rest.split(':');
  if (parts.length > 2) {
    throw malformed('use owner:name');
  }
  const [owner, name] = parts.length === 2 ? parts : [me, parts[0]];
  if (!USERNAME.test(owner)) {
    throw malformed('the owner must be a username (lowercase letters, digits, -)');
  }
  if (!NAME.test(name)) {
    throw malformed('the name must be lowercase letters, digits, ., _ or -');
  }
  return version === undefined ? { owner, name } : { owner, name, version };
}
