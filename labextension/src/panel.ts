/**
 * The Team panel of the left sidebar: sessions, runs (expandable to experiments),
 * datastores and the team, with the mine / team scope, search, status filter and
 * refresh. It renders and keeps the selection (one row, or several picked with Ctrl or
 * Shift, which Compare takes together); what an action does lives in actions.ts, shared
 * with the command palette.
 */

import { Widget } from '@lumino/widgets';

import { GridApi, GridApiError, Scope } from './api';
import { counts, credits, duration, size } from './format';
import { Context, Datastore, Experiment, Run, Session, Team } from './model';
import {
  ACTION_LABELS,
  Action,
  Target,
  Visiting,
  actionsFor,
  comparable,
  filterRows,
  githubIdentity,
  primaryAction,
  statuses,
  visitorsLabel
} from './rows';
import { el } from './dom';

export type ActionRunner = (action: Action, target: Target) => Promise<void>;

type SectionId = 'sessions' | 'runs' | 'datastores' | 'team';

const SECTION_TITLES: Record<SectionId, string> = {
  sessions: 'Sessions',
  runs: 'Runs',
  datastores: 'Datastores',
  team: 'Team'
};

function keyOf(target: Target): string {
  const version = target.kind === 'datastore' ? `@${target.record.version}` : '';
  return `${target.kind}:${target.record.owner}:${target.record.name}${version}`;
}

export class TeamPanel extends Widget {
  constructor(
    private readonly api: GridApi,
    private readonly runAction: ActionRunner
  ) {
    super();
    this.id = 'grid-collab-team';
    this.addClass('jp-GridCollab-panel');
    this.title.caption = 'Team: sessions, runs, datastores';

    this.banner = el('div', 'jp-GridCollab-banner');
    this.banner.hidden = true;
    this.banner.setAttribute('role', 'note');

    const toolbar = el('div', 'jp-GridCollab-toolbar');
    this.scopeSelect = el('select', 'jp-GridCollab-scope');
    this.scopeSelect.setAttribute('aria-label', 'Whose resources');
    for (const [value, label] of [
      ['team', 'Team'],
      ['mine', 'Mine']
    ]) {
      const option = el('option', '', label);
      option.value = value;
      this.scopeSelect.appendChild(option);
    }
    this.scopeSelect.onchange = () => {
      this.scope = this.scopeSelect.value as Scope;
      void this.refresh();
    };
    this.statusSelect = el('select', 'jp-GridCollab-statusFilter');
    this.statusSelect.setAttribute('aria-label', 'Status');
    this.statusSelect.title = 'Show only this status';
    this.statusSelect.onchange = () => {
      this.status = this.statusSelect.value;
      this.render();
    };
    const refresh = el('button', 'jp-GridCollab-refresh jp-mod-styled', 'Refresh');
    refresh.title = 'Refresh (R in the list)';
    refresh.onclick = () => void this.refresh();
    toolbar.append(this.scopeSelect, this.statusSelect, refresh);

    this.searchInput = el('input', 'jp-GridCollab-search');
    this.searchInput.type = 'search';
    this.searchInput.placeholder = 'Search by name or owner';
    this.searchInput.setAttribute('aria-label', 'Search');
    this.searchInput.oninput = () => {
      this.search = this.searchInput.value;
      this.render();
    };

    this.message = el('div', 'jp-GridCollab-message');
    this.message.setAttribute('role', 'status');
    this.message.hidden = true;

    this.list = el('div', 'jp-GridCollab-list');
    this.list.tabIndex = 0;
    this.list.setAttribute('role', 'list');
    this.list.setAttribute('aria-label', 'Team resources');
    this.list.addEventListener('keydown', event => this.onKeydown(event));

    this.node.append(this.banner, toolbar, this.searchInput, this.message, this.list);
  }

  /** The user the panel acts for (a visitor acts as themself). */
  get me(): string {
    return this.context?.user.username ?? '';
  }

  /** The selected row, which the palette's commands act on. */
  get selected(): Target | undefined {
    return this.selection ? this.targets.get(this.selection) : undefined;
  }

  /**
   * What a Compare from ``target``'s row compares: every run and experiment picked when
   * the row is one of several picked (Ctrl or Shift and a click), in the list's order;
   * else that row alone.
   */
  compareTargets(target: Target): Target[] {
    const key = keyOf(target);
    if (this.picked.size > 1 && this.picked.has(key)) {
      return this.pickedTargets().filter(comparable);
    }
    return [target];
  }

  private pickedTargets(): Target[] {
    return this.rowNodes
      .map(r => r.dataset.key!)
      .filter(k => this.picked.has(k))
      .map(k => this.targets.get(k)!)
      .filter(Boolean);
  }

  /** The actions the selected row offers (nothing when no row is selected). */
  selectedActions(): Action[] {
    const target = this.selected;
    return target ? actionsFor(target, this.me, this.visiting) : [];
  }

  /** The mode of the session the user is visiting (undefined in their own). */
  get visiting(): Visiting {
    if (!this.context?.visitor) {
      return undefined;
    }
    return this.context.visitors === 'view' ? 'view' : 'full';
  }

  setContext(context: Context): void {
    this.context = context;
    this.banner.hidden = !context.banner;
    this.banner.textContent = context.banner ?? '';
  }

  /** Show a line under the toolbar (a result, or an error when ``error``). */
  say(text: string, error = false): void {
    this.message.hidden = !text;
    this.message.textContent = text;
    this.message.classList.toggle('jp-mod-error', error);
    this.message.setAttribute('role', error ? 'alert' : 'status');
  }

  focusList(): void {
    this.list.focus();
  }

  /** Reload everything the panel shows, keeping the scope, filters and selection. */
  async refresh(): Promise<void> {
    this.addClass('jp-mod-loading');
    try {
      if (!this.context) {
        this.setContext(await this.api.context());
      }
      const options = { scope: this.scope, limit: 100 };
      const [sessions, runs, datastores, me] = await Promise.all([
        this.api.sessions(options),
        this.api.runs(options),
        this.api.datastores(options),
        this.api.me()
      ]);
      this.sessions = sessions.items;
      this.runs = runs.items;
      this.datastores = datastores.items;
      this.teams = await Promise.all(me.teams.map(t => this.api.team(t.name)));
      // expanded runs show fresh experiments too
      await Promise.all(
        Array.from(this.expanded).map(key => this.loadExperiments(key).catch(() => undefined))
      );
      this.loaded = true;
      if (this.message.classList.contains('jp-mod-error')) {
        this.say('');
      }
    } catch (err) {
      this.say(err instanceof GridApiError ? err.message : String(err), true);
    } finally {
      this.removeClass('jp-mod-loading');
      this.render();
    }
  }

  private async loadExperiments(runKey: string): Promise<void> {
    const [owner, name] = runKey.split(':');
    const run = await this.api.run(owner, name);
    this.experiments.set(runKey, run.experiments ?? []);
  }

  private async toggleRun(run: Run): Promise<void> {
    const key = `${run.owner}:${run.name}`;
    if (this.expanded.has(key)) {
      this.expanded.delete(key);
    } else {
      this.expanded.add(key);
      try {
        await this.loadExperiments(key);
      } catch (err) {
        this.expanded.delete(key);
        this.say(err instanceof GridApiError ? err.message : String(err), true);
      }
    }
    this.render();
  }

  // ------------------------------------------------------------------ rendering
  private render(): void {
    const hadFocus = this.list.contains(document.activeElement);
    this.targets.clear();
    this.rowNodes = [];
    this.list.textContent = '';
    this.renderStatusOptions();
    if (!this.loaded) {
      this.list.appendChild(el('div', 'jp-GridCollab-empty', 'Loading…'));
      return;
    }
    const filter = { search: this.search, status: this.status };
    this.section('sessions', filterRows(this.sessions, filter), s =>
      this.row({ kind: 'session', record: s }, this.sessionMeta(s))
    );
    this.section('runs', filterRows(this.runs, filter), r => this.runRows(r));
    this.section('datastores', filterRows(this.datastores, filter), d =>
      this.row({ kind: 'datastore', record: d }, this.datastoreMeta(d))
    );
    this.teamSection();
    if (this.selection && !this.targets.has(this.selection)) {
      this.selection = undefined;
    }
    for (const key of this.picked) {
      if (!this.targets.has(key)) {
        this.picked.delete(key);
      }
    }
    this.markSelection(hadFocus);
  }

  private renderStatusOptions(): void {
    const all = statuses([...this.sessions, ...this.runs, ...this.datastores]);
    if (this.status && !all.includes(this.status)) {
      all.push(this.status); // keep the chosen filter even when nothing matches now
    }
    const current = Array.from(this.statusSelect.options).map(o => o.value);
    const wanted = ['', ...all.sort()];
    if (current.join('|') !== wanted.join('|')) {
      this.statusSelect.textContent = '';
      for (const value of wanted) {
        const option = el('option', '', value || 'All');
        option.value = value;
        this.statusSelect.appendChild(option);
      }
    }
    this.statusSelect.value = this.status;
  }

  private section<T>(
    id: SectionId,
    items: T[],
    renderItem: (item: T) => HTMLElement[] | HTMLElement
  ): void {
    const section = el('section', `jp-GridCollab-section jp-GridCollab-section-${id}`);
    const header = el('button', 'jp-GridCollab-sectionHeader');
    const collapsed = this.collapsed.has(id);
    header.setAttribute('aria-expanded', String(!collapsed));
    header.append(
      el('span', 'jp-GridCollab-caret', collapsed ? '▸' : '▾'),
      el('span', 'jp-GridCollab-sectionTitle', SECTION_TITLES[id]),
      el('span', 'jp-GridCollab-count', String(items.length))
    );
    header.tabIndex = -1;
    header.onclick = () => {
      if (this.collapsed.has(id)) {
        this.collapsed.delete(id);
      } else {
        this.collapsed.add(id);
      }
      this.render();
    };
    section.appendChild(header);
    if (!collapsed) {
      const body = el('div', 'jp-GridCollab-sectionBody');
      if (!items.length) {
        body.appendChild(el('div', 'jp-GridCollab-empty', this.emptyText(id)));
      }
      for (const item of items) {
        const nodes = renderItem(item);
        body.append(...(Array.isArray(nodes) ? nodes : [nodes]));
      }
      section.appendChild(body);
    }
    this.list.appendChild(section);
  }

  private emptyText(id: SectionId): string {
    if (this.search || this.status) {
      return 'Nothing matches the filters';
    }
    const whose = this.scope === 'mine' ? 'You have no' : 'The team has no';
    return `${whose} ${SECTION_TITLES[id].toLowerCase()} yet`;
  }

  private sessionMeta(s: Session): string[] {
    const here =
      this.context &&
      s.owner === this.context.session.owner &&
      s.name === this.context.session.name;
    return [
      [s.instance_type, duration(s.duration_seconds), credits(s.cost)].join(' · '),
      `GitHub: ${githubIdentity(s)} · visitors: ${visitorsLabel(s)}` +
        (here ? ' · this session' : '')
    ];
  }

  private datastoreMeta(d: Datastore): string[] {
    return [`v${d.version} · ${d.file_count} files · ${size(d.size)}`];
  }

  private runRows(run: Run): HTMLElement[] {
    const key = `${run.owner}:${run.name}`;
    const open = this.expanded.has(key);
    const rows = [
      this.row(
        { kind: 'run', record: run },
        [`${counts(run.counts)} · ${duration(run.duration_seconds)} · ${credits(run.cost)}`],
        open
      )
    ];
    if (open) {
      const exps = this.experiments.get(key) ?? [];
      if (!exps.length) {
        rows.push(el('div', 'jp-GridCollab-empty jp-GridCollab-nested', 'No experiments'));
      }
      for (const exp of exps) {
        const params = Object.entries(exp.params)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(' ');
        const row = this.row({ kind: 'experiment', record: exp }, [
          [params, duration(exp.duration_seconds)].filter(Boolean).join(' · ')
        ]);
        row.classList.add('jp-GridCollab-nested');
        rows.push(row);
      }
    }
    return rows;
  }

  private row(target: Target, meta: string[], expanded?: boolean): HTMLElement {
    const key = keyOf(target);
    const { owner, name, status } = target.record;
    this.targets.set(key, target);
    const row = el('div', `jp-GridCollab-row jp-GridCollab-${target.kind}`);
    row.dataset.key = key;
    row.dataset.kind = target.kind;
    row.dataset.owner = owner;
    row.dataset.name = name;
    row.setAttribute('role', 'listitem');
    row.tabIndex = -1;
    const line = el('div', 'jp-GridCollab-rowLine');
    if (target.kind === 'run') {
      const expander = el('button', 'jp-GridCollab-expand', expanded ? '▾' : '▸');
      expander.title = expanded ? 'Hide experiments' : 'Show experiments';
      expander.setAttribute('aria-expanded', String(!!expanded));
      expander.tabIndex = -1;
      expander.onclick = event => {
        event.stopPropagation();
        this.select(key);
        void this.toggleRun(target.record);
      };
      line.appendChild(expander);
    }
    const title = el('span', 'jp-GridCollab-name', name);
    title.title = `${owner}:${name}`;
    line.appendChild(title);
    const ownerChip = el('span', 'jp-GridCollab-owner', owner === this.me ? 'me' : owner);
    ownerChip.classList.toggle('jp-mod-mine', owner === this.me);
    line.append(ownerChip, el('span', `jp-GridCollab-status jp-mod-${status}`, status));
    row.appendChild(line);
    for (const text of meta) {
      row.appendChild(el('div', 'jp-GridCollab-meta', text));
    }
    const actions = actionsFor(target, this.me, this.visiting);
    if (actions.length) {
      const bar = el('div', 'jp-GridCollab-actions');
      for (const action of actions) {
        const button = el('button', `jp-GridCollab-action jp-mod-${action}`, ACTION_LABELS[action]);
        button.dataset.action = action;
        button.tabIndex = -1;
        button.onclick = event => {
          event.stopPropagation();
          // a button of one of several picked rows keeps them picked (Compare takes them all)
          if (this.picked.has(key)) {
            this.selection = key;
            this.markSelection(false);
          } else {
            this.select(key);
          }
          void this.runAction(action, target);
        };
        bar.appendChild(button);
      }
      row.appendChild(bar);
    }
    row.onclick = event => this.onRowClick(key, event);
    this.rowNodes.push(row);
    return row;
  }

  private teamSection(): void {
    const section = el('section', 'jp-GridCollab-section jp-GridCollab-section-team');
    const collapsed = this.collapsed.has('team');
    const header = el('button', 'jp-GridCollab-sectionHeader');
    header.tabIndex = -1;
    header.setAttribute('aria-expanded', String(!collapsed));
    header.append(
      el('span', 'jp-GridCollab-caret', collapsed ? '▸' : '▾'),
      el('span', 'jp-GridCollab-sectionTitle', 'Team'),
      el('span', 'jp-GridCollab-count', String(this.teams.length))
    );
    header.onclick = () => {
      if (collapsed) {
        this.collapsed.delete('team');
      } else {
        this.collapsed.add('team');
      }
      this.render();
    };
    section.appendChild(header);
    if (!collapsed) {
      const body = el('div', 'jp-GridCollab-sectionBody');
      if (!this.teams.length) {
        body.appendChild(el('div', 'jp-GridCollab-empty', 'You are in no team yet'));
      }
      for (const team of this.teams) {
        body.appendChild(this.teamBlock(team));
      }
      section.appendChild(body);
    }
    this.list.appendChild(section);
  }

  private teamBlock(team: Team): HTMLElement {
    const block = el('div', 'jp-GridCollab-team');
    block.dataset.team = team.name;
    const line = el('div', 'jp-GridCollab-rowLine');
    line.append(
      el('span', 'jp-GridCollab-name', team.name),
      el('span', 'jp-GridCollab-balance', `balance ${credits(team.balance)}`)
    );
    block.appendChild(line);
    if (team.role) {
      block.appendChild(el('div', 'jp-GridCollab-meta', `your role: ${team.role}`));
    }
    const members = el('ul', 'jp-GridCollab-members');
    for (const m of team.members) {
      const item = el('li', 'jp-GridCollab-member');
      item.dataset.username = m.username;
      item.append(
        el(
          'span',
          'jp-GridCollab-memberName',
          m.username === this.me ? `${m.username} (me)` : m.username
        ),
        el('span', `jp-GridCollab-role jp-mod-${m.role}`, m.role),
        el('span', 'jp-GridCollab-meta', m.github_login ? `GitHub ${m.github_login}` : '')
      );
      members.appendChild(item);
    }
    block.appendChild(members);
    return block;
  }

  // ------------------------------------------------------------------ selection, keyboard
  /** One row selected, none picked besides it. */
  private select(key: string): void {
    this.selection = key;
    this.anchor = key;
    this.picked.clear();
    this.markSelection(false);
  }

  /** A click: selects the row; with Ctrl (Cmd) adds it to the rows picked or takes it
   * out; with Shift picks every row from the last one clicked to this one. */
  private onRowClick(key: string, event: MouseEvent): void {
    if (event.ctrlKey || event.metaKey) {
      this.toggle(key);
    } else if (event.shiftKey && this.anchor) {
      this.pickRange(this.anchor, key);
    } else {
      this.select(key);
    }
  }

  private toggle(key: string): void {
    if (!this.picked.size && this.selection) {
      this.picked.add(this.selection);
    }
    this.anchor = key;
    if (this.picked.has(key)) {
      // taken out: the selection moves to the last row still picked
      this.picked.delete(key);
      this.selection = Array.from(this.picked).pop();
    } else {
      this.picked.add(key);
      this.selection = key;
    }
    this.markSelection(false);
  }

  private pickRange(from: string, to: string): void {
    const keys = this.rowNodes.map(r => r.dataset.key!);
    const [a, b] = [keys.indexOf(from), keys.indexOf(to)].sort((x, y) => x - y);
    if (a < 0) {
      this.select(to);
      return;
    }
    this.picked = new Set(keys.slice(a, b + 1));
    this.selection = to;
    this.markSelection(false);
  }

  private markSelection(focus: boolean): void {
    const several = this.picked.size > 1;
    const count = several ? this.pickedTargets().filter(comparable).length : 0;
    for (const row of this.rowNodes) {
      const key = row.dataset.key!;
      const focused = key === this.selection;
      const on = focused || (several && this.picked.has(key));
      row.classList.toggle('jp-mod-selected', on);
      row.setAttribute('aria-selected', String(on));
      // Compare on a row among several picked compares them all: its label says how many
      const compare = row.querySelector<HTMLButtonElement>('.jp-GridCollab-action.jp-mod-compare');
      if (compare) {
        const all = on && several && count > 1;
        compare.textContent = all ? `${ACTION_LABELS.compare} ${count}` : ACTION_LABELS.compare;
        compare.title = all
          ? `Compare the metrics of the ${count} runs and experiments selected`
          : 'Compare the metrics of its experiments (Ctrl+click or Shift+click picks several rows)';
      }
      if (focused && focus) {
        row.focus();
      }
    }
    if (focus && !this.selection) {
      this.list.focus();
    }
  }

  private onKeydown(event: KeyboardEvent): void {
    const index = this.rowNodes.findIndex(r => r.dataset.key === this.selection);
    const move = (to: number) => {
      const row = this.rowNodes[Math.max(0, Math.min(this.rowNodes.length - 1, to))];
      if (row) {
        const key = row.dataset.key!;
        if (event.shiftKey && this.selection) {
          // Shift and an arrow picks rows as Shift and a click does
          this.anchor ??= this.selection;
          this.pickRange(this.anchor, key);
        } else {
          this.select(key);
        }
        this.markSelection(true);
        row.scrollIntoView({ block: 'nearest' });
      }
    };
    const target = this.selected;
    switch (event.key) {
      case 'ArrowDown':
        move(index + 1);
        break;
      case 'ArrowUp':
        move(index < 0 ? 0 : index - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(this.rowNodes.length - 1);
        break;
      case 'ArrowRight':
      case 'ArrowLeft':
        if (target?.kind === 'run') {
          const open = this.expanded.has(`${target.record.owner}:${target.record.name}`);
          if (open === (event.key === 'ArrowLeft')) {
            void this.toggleRun(target.record);
          }
        } else {
          return;
        }
        break;
      case 'Enter': {
        if (!target) {
          return;
        }
        if (target.kind === 'run') {
          void this.toggleRun(target.record);
        } else {
          const action = primaryAction(target, this.me, this.visiting);
          if (action) {
            void this.runAction(action, target);
          }
        }
        break;
      }
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  private readonly banner: HTMLDivElement;
  private readonly scopeSelect: HTMLSelectElement;
  private readonly statusSelect: HTMLSelectElement;
  private readonly searchInput: HTMLInputElement;
  private readonly message: HTMLDivElement;
  private readonly list: HTMLDivElement;
  private context: Context | undefined;
  private scope: Scope = 'team';
  private search = '';
  private status = '';
  private loaded = false;
  private sessions: Session[] = [];
  private runs: Run[] = [];
  private datastores: Datastore[] = [];
  private teams: Team[] = [];
  private expanded = new Set<string>();
  private collapsed = new Set<SectionId>();
  private experiments = new Map<string, Experiment[]>();
  private targets = new Map<string, Target>();
  private rowNodes: HTMLElement[] = [];
  private selection: string | undefined;
  /** where a Shift range starts: the row last clicked without Shift */
  private anchor: string | undefined;
  /** the rows picked together (Ctrl, Shift); empty when one row is selected */
  private picked = new Set<string>();
}
