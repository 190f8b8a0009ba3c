import { Datastore, Experiment, Run, Session } from '../src/model';
import {
  Target,
  actionsFor,
  comparable,
  datastoreActions,
  experimentActions,
  filterRows,
  metricRefs,
  openWarning,
  parseReference,
  reference,
  runActions,
  sessionActions,
  statuses,
  visitorsLabel
} from '../src/rows';

// Whole records, as the team server sends them (the generated types require every field).
const session = (over: Partial<Session>): Session => ({
  id: 1,
  name: 'lab',
  owner: 'alice',
  team: 'vision',
  status: 'running',
  instance_type: 'cpu-small',
  created_at: '',
  url: 'http://127.0.0.1:1/',
  github: { user: 'alice', login: 'alice-gh', credential_bound: true },
  visitors: 'full',
  cost: 0,
  datastores: [],
  duration_seconds: 0,
  last_heartbeat: null,
  started_at: null,
  stopped_at: null,
  ...over
});
const run = (over: Partial<Run>): Run => ({
  id: 1,
  name: 'sweep',
  owner: 'alice',
  team: 'vision',
  status: 'running',
  command: 'python t.py',
  instance_type: 'cpu-small',
  created_at: '',
  cloned_from: null,
  cost: 0,
  counts: { pending: 0, running: 1, succeeded: 0, failed: 0, cancelled: 0 },
  datastore: null,
  duration_seconds: 0,
  finished_at: null,
  num_trials: null,
  params: {},
  started_at: null,
  strategy: 'grid_search',
  ...over
});
const exp = (over: Partial<Experiment>): Experiment => ({
  id: 1,
  name: 'sweep-exp0',
  run: 'sweep',
  owner: 'alice',
  index: 0,
  status: 'running',
  command: 'python t.py',
  created_at: '',
  duration_seconds: 0,
  exit_code: null,
  finished_at: null,
  message: null,
  params: {},
  started_at: null,
  ...over
});
const ds = (over: Partial<Datastore>): Datastore => ({
  id: 1,
  name: 'cars',
  owner: 'alice',
  team: 'vision',
  version: 2,
  status: 'available',
  reference: 'alice:cars@2',
  size: 10,
  file_count: 1,
  created_at: '',
  ...over
});

// every status each kind has (a status outside these is a type error here)
const SESSION_STATUSES: Session['status'][] = ['pending', 'running', 'paused', 'stopped', 'lost'];
const RUN_STATUSES: Run['status'][] = ['pending', 'running', 'succeeded', 'failed', 'cancelled'];

describe('which actions a row offers (the permission table, mirrored)', () => {
  it.each(['stop', 'pause', 'resume', 'delete'])(
    "never offers %s on a teammate's rows, whatever the status",
    action => {
      for (const status of SESSION_STATUSES) {
        expect(sessionActions(session({ status }), 'bob')).not.toContain(action);
      }
      for (const status of RUN_STATUSES) {
        expect(runActions(run({ status }), 'bob')).not.toContain(action);
        expect(experimentActions(exp({ status }), 'bob')).not.toContain(action);
      }
      expect(datastoreActions(ds({}), 'bob')).not.toContain(action);
    }
  );

  it("offers open, attach, download, logs, clone and compare on a teammate's rows", () => {
    expect(sessionActions(session({}), 'bob')).toEqual(['open']);
    expect(runActions(run({}), 'bob')).toEqual(['fetch', 'clone', 'compare']);
    expect(experimentActions(exp({}), 'bob')).toEqual([
      'logs',
      'download',
      'fetch',
      'clone',
      'compare'
    ]);
    expect(datastoreActions(ds({}), 'bob')).toEqual(['attach']);
  });

  it('offers the lifecycle that fits the status on my own rows', () => {
    expect(sessionActions(session({}), 'alice')).toEqual(['open', 'pause', 'stop', 'delete']);
    expect(sessionActions(session({ status: 'paused', url: null }), 'alice')).toEqual([
      'resume',
      'delete'
    ]);
    expect(runActions(run({ status: 'succeeded' }), 'alice')).toEqual([
      'fetch',
      'clone',
      'compare',
      'delete'
    ]);
    expect(runActions(run({}), 'alice')).toEqual(['fetch', 'clone', 'compare', 'stop', 'delete']);
    expect(experimentActions(exp({ status: 'failed' }), 'alice')).not.toContain('stop');
    expect(datastoreActions(ds({}), 'alice')).toEqual(['attach', 'delete']);
  });

  it('does not offer Open on a session that is not running', () => {
    expect(sessionActions(session({ status: 'lost' }), 'bob')).toEqual([]);
  });

  it('dispatches by kind', () => {
    expect(actionsFor({ kind: 'datastore', record: ds({}) }, 'bob')).toEqual(['attach']);
  });
});

describe('filtering', () => {
  const items = [
    run({ name: 'mnist-sweep' }),
    run({ name: 'cifar', owner: 'bob', status: 'failed' }),
    run({ name: 'bert', owner: 'carol', status: 'succeeded' })
  ];

  it('matches the search in the name or owner, any case', () => {
    expect(filterRows(items, { search: 'MNIST' }).map(r => r.name)).toEqual(['mnist-sweep']);
    expect(filterRows(items, { search: 'bob' }).map(r => r.name)).toEqual(['cifar']);
    expect(filterRows(items, { search: 'carol:be' }).map(r => r.name)).toEqual(['bert']);
  });

  it('filters by status and combines with the search', () => {
    expect(filterRows(items, { status: 'failed' }).map(r => r.name)).toEqual(['cifar']);
    expect(filterRows(items, { status: 'failed', search: 'mnist' })).toEqual([]);
    expect(filterRows(items, { status: 'all' })).toHaveLength(3);
  });

  it('lists the distinct statuses', () => {
    expect(statuses(items)).toEqual(['failed', 'running', 'succeeded']);
  });
});

describe('references and warnings', () => {
  it('writes references as the CLI does', () => {
    expect(reference({ kind: 'datastore', record: ds({}) })).toBe('alice:cars@2');
    expect(reference({ kind: 'run', record: run({}) })).toBe('alice:sweep');
  });

  it('parses typed references, a bare name being mine', () => {
    expect(parseReference('mnist', 'bob')).toEqual({ owner: 'bob', name: 'mnist' });
    expect(parseReference(' alice:cars@3 ', 'bob', true)).toEqual({
      owner: 'alice',
      name: 'cars',
      version: 3
    });
    expect(() => parseReference('alice:cars@3', 'bob')).toThrow(/only datastores/);
    expect(() => parseReference('alice:', 'bob')).toThrow(/malformed reference/);
    expect(() => parseReference('Alice:x', 'bob')).toThrow(/owner/);
    expect(() => parseReference('alice:cars@0', 'bob', true)).toThrow(/positive/);
  });

  it('warns a visitor whose GitHub identity git uses before opening', () => {
    expect(openWarning(session({}), 'bob')).toBe(
      "You will visit alice's session with full access: code you run and terminals you " +
        "open there run as alice, with alice's files and the session's team credential (it " +
        'cannot change members, roles, credits, keys or credentials), and git there uses ' +
        "alice's GitHub identity (alice-gh)."
    );
    expect(openWarning(session({ visitors: 'full' }), 'bob')).toBe(openWarning(session({}), 'bob'));
    expect(openWarning(session({}), 'alice')).toBe('');
  });

  it('says what a view-only session lets a visitor do, and nothing about running code', () => {
    const warning = openWarning(session({ visitors: 'view' }), 'bob');
    expect(warning).toBe(
      "You will visit alice's session view-only: you can browse its files and notebooks " +
        'and use the Team panel as yourself, but not start kernels, open terminals or ' +
        'change files.'
    );
    expect(warning).not.toContain('runs as');
    expect(visitorsLabel(session({ visitors: 'view' }))).toBe('view only');
    expect(visitorsLabel(session({}))).toBe('full access');
  });
});

describe('a visitor, in the session visited', () => {
  const exp1 = { kind: 'experiment', record: exp({}) } as const;
  const mine = { kind: 'experiment', record: exp({ owner: 'bob' }) } as const;
  const data = { kind: 'datastore', record: ds({}) } as const;
  const sweep = { kind: 'run', record: run({ owner: 'bob' }) } as const;
  const lab = { kind: 'session', record: session({}) } as const;

  it('is offered what a visit allows: read, compare, download, attach (full access)', () => {
    expect(actionsFor(exp1, 'bob', 'full')).toEqual(['logs', 'download', 'fetch', 'compare']);
    expect(actionsFor(data, 'bob', 'full')).toEqual(['attach']);
    // not even on his own rows: the session's server may not stop, clone or delete for him
    expect(actionsFor(mine, 'bob', 'full')).toEqual(['logs', 'download', 'fetch', 'compare']);
    expect(actionsFor(sweep, 'bob', 'full')).toEqual(['fetch', 'compare']);
    expect(actionsFor(lab, 'bob', 'full')).toEqual([]);
  });

  it('is offered nothing that writes into a view-only session', () => {
    expect(actionsFor(exp1, 'bob', 'view')).toEqual(['logs', 'download', 'compare']);
    expect(actionsFor(data, 'bob', 'view')).toEqual([]);
    expect(actionsFor(sweep, 'bob', 'view')).toEqual(['compare']);
    expect(actionsFor(data, 'bob')).toEqual(['attach']);
  });
});

describe('what a Compare asks for', () => {
  it('runs and experiments apart, each once, in the order picked; other rows left out', () => {
    const picked: Target[] = [
      { kind: 'run', record: run({ owner: 'bob', name: 'sweep' }) },
      { kind: 'experiment', record: exp({ owner: 'carol', name: 'x-exp0' }) },
      { kind: 'run', record: run({}) },
      { kind: 'datastore', record: ds({}) },
      { kind: 'run', record: run({ owner: 'bob', name: 'sweep' }) }
    ];
    expect(picked.filter(comparable).length).toBe(4);
    expect(metricRefs(picked)).toEqual({
      runs: ['bob:sweep', 'alice:sweep'],
      experiments: ['carol:x-exp0']
    });
  });
});
