/**
 * What each sidebar action does, shared by the row buttons and the palette commands.
 * The team server decides every permission; a refusal's message is shown as it comes.
 */

import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, MainAreaWidget, Notification, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { GridApi, MetricRefs, downloadPath, messageOf } from './api';
import { Changed, CompareView, refsLabel } from './compare-view';
import { FetchKind, FolderQuestion, fetchToChosenFolder } from './fetch-folder';
import { size } from './format';
import { LogView } from './logs';
import { Artifact, Session } from './model';
import { Action, Target, metricRefs, openWarning, reference } from './rows';
import { TeamPanel } from './panel';
import { untilDone } from './follow';

export interface ActionDeps {
  app: JupyterFrontEnd;
  api: GridApi;
  panel: () => TeamPanel;
  /** An absolute URL of a grid-collab/api/ path (for links the browser follows itself). */
  url: (path: string) => string;
  refreshFiles: () => void;
  /** the JupyterLab theme changed (IThemeManager.themeChanged), when there is one */
  themeChanged?: Changed;
}

const KIND_WORD: Record<Target['kind'], string> = {
  session: 'session',
  run: 'run',
  experiment: 'experiment',
  datastore: 'datastore'
};

export class Actions {
  constructor(private readonly deps: ActionDeps) {}

  /** Run ``action`` on ``target``; errors end up in the panel and a notification. */
  async run(action: Action, target: Target): Promise<void> {
    try {
      await this.dispatch(action, target);
    } catch (err) {
      const text = messageOf(err);
      this.deps.panel().say(text, true);
      Notification.error(text, { autoClose: 8000 });
    }
  }

  private async dispatch(action: Action, target: Target): Promise<void> {
    switch (action) {
      case 'open':
        return this.open(target.record as Session);
      case 'attach':
        return this.attach(reference(target));
      case 'download':
        return this.download(target.record.owner, target.record.name);
      case 'fetch':
        if (target.kind === 'run' || target.kind === 'experiment') {
          return this.fetch(target.record.owner, target.record.name, target.kind);
        }
        return;
      case 'logs':
        return this.logs(target.record.owner, target.record.name);
      case 'compare':
        return this.compare(metricRefs(this.deps.panel().compareTargets(target)));
      case 'clone':
        return this.clone(target);
      case 'stop':
      case 'pause':
      case 'resume':
        return this.lifecycle(action, target);
      case 'delete':
        return this.remove(target);
    }
  }

  /** Open a session in a new tab; a teammate's only after its GitHub warning. */
  async open(session: Session): Promise<void> {
    const me = this.deps.panel().me;
    const warning = openWarning(session, me);
    if (warning) {
      const body = document.createElement('div');
      body.className = 'jp-GridCollab-openWarning';
      body.textContent = warning;
      const choice = await showDialog({
        title: `Open ${session.owner}'s session "${session.name}"?`,
        body: new Widget({ node: body }),
        buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Open' })]
      });
      if (!choice.button.accept) {
        return;
      }
    }
    // a window opened straight after the click is not taken for a pop-up; the link
    // comes after the round trip to the team server
    const win = window.open('', '_blank');
    try {
      const url = warning
        ? (await this.deps.api.open(session.owner, session.name)).url
        : session.url;
      if (!url) {
        throw new Error(`session "${session.name}" has no URL yet`);
      }
      if (win) {
        win.opener = null;
        win.location.href = url;
      } else {
        window.open(url, '_blank', 'noopener');
      }
      this.deps.panel().say(`Opened ${session.owner}'s session "${session.name}" in a new tab`);
    } catch (err) {
      win?.close();
      throw err;
    }
  }

  /** Mount a datastore read-only in this session and say where. */
  async attach(ref: string): Promise<void> {
    const panel = this.deps.panel();
    panel.say(`Attaching ${ref}…`);
    // a large datastore is downloaded by the server first: follow that job
    const result = await untilDone(
      await this.deps.api.attach(ref),
      id => this.deps.api.attachJob(id),
      job =>
        panel.say(
          `Attaching ${job.reference}: downloading ${size(job.bytes_done)} of ` +
            `${size(job.bytes_total)}`
        ),
      `attaching ${ref} failed`
    );
    const text =
      `Mounted ${result.reference} at ${result.path} (${result.file_count} files, ` +
      `${size(result.size)}) — ${result.hint}`;
    panel.say(text);
    Notification.success(`Mounted ${result.reference} at ${result.path}`, { autoClose: 6000 });
    void this.deps.panel().refresh();
  }

  /** Browser download of an experiment's artifacts: one at once, several from a list. */
  async download(owner: string, name: string): Promise<void> {
    const ref = `${owner}:${name}`;
    const { items } = await this.deps.api.artifacts('experiments', owner, name);
    if (!items.length) {
      this.deps.panel().say(`${ref} has no artifacts`);
      return;
    }
    if (items.length === 1) {
      this.save(ref, items[0]);
      this.deps.panel().say(`Downloading ${items[0].path} from ${ref}`);
      return;
    }
    const list = document.createElement('ul');
    list.className = 'jp-GridCollab-artifactList';
    for (const artifact of items) {
      const item = document.createElement('li');
      item.appendChild(this.link(ref, artifact));
      list.appendChild(item);
    }
    const result = await showDialog({
      title: `Artifacts of ${ref}`,
      body: new Widget({ node: list }),
      buttons: [
        Dialog.cancelButton({ label: 'Close' }),
        Dialog.okButton({ label: 'Download all to a folder…' })
      ]
    });
    if (result.button.accept) {
      await this.fetch(owner, name, 'experiment');
    }
  }

  private link(ref: string, artifact: Artifact): HTMLAnchorElement {
    const a = document.createElement('a');
    a.href = this.deps.url(downloadPath(ref, artifact.path));
    a.download = artifact.path.split('/').pop() || 'artifact';
    a.textContent = `${artifact.path} (${size(artifact.size)})`;
    return a;
  }

  private save(ref: string, artifact: Artifact): void {
    const a = this.link(ref, artifact);
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  /**
   * Download a run's or experiment's artifacts into a folder of this server, after asking
   * which (never the file browser's current folder: it is whatever was browsed last).
   */
  async fetch(owner: string, name: string, kind: FetchKind): Promise<void> {
    const panel = this.deps.panel();
    const job = await fetchToChosenFolder(
      { api: this.deps.api, ask: askFolder, say: text => panel.say(text) },
      { owner, name, kind }
    );
    if (job) {
      this.deps.refreshFiles();
    }
  }

  /** The experiment's logs in a main-area tab (one tab per experiment). */
  async logs(owner: string, name: string): Promise<void> {
    const id = `grid-collab-logs-${owner}-${name}`;
    const { shell } = this.deps.app;
    for (const widget of shell.widgets('main')) {
      if (widget.id === id) {
        shell.activateById(id);
        return;
      }
    }
    const content = new LogView(this.deps.api, owner, name);
    const widget = new MainAreaWidget({ content });
    widget.id = id;
    widget.title.label = `Logs ${owner}:${name}`;
    widget.title.closable = true;
    shell.add(widget, 'main');
    shell.activateById(id);
    void content.follow();
  }

  /** Runs' and experiments' metrics side by side in a main-area tab (one tab per set). */
  compare(refs: MetricRefs): void {
    const label = refsLabel(refs);
    if (!label) {
      return;
    }
    // (an id without spaces: Lumino makes it the node's id attribute)
    const id = `grid-collab-compare-${label.replace(/[^A-Za-z0-9_.:-]+/g, '_')}`;
    const { shell } = this.deps.app;
    for (const widget of shell.widgets('main')) {
      if (widget.id === id) {
        shell.activateById(id);
        return;
      }
    }
    const content = new CompareView(this.deps.api, refs, {
      themeChanged: this.deps.themeChanged
    });
    const widget = new MainAreaWidget({ content });
    widget.id = id;
    const all = [...refs.runs, ...refs.experiments];
    widget.title.label =
      all.length > 2 ? `Compare ${all[0]} and ${all.length - 1} more` : `Compare ${label}`;
    widget.title.caption = `Metrics of ${label}`;
    widget.title.closable = true;
    shell.add(widget, 'main');
    shell.activateById(id);
    void content.follow();
  }

  async clone(target: Target): Promise<void> {
    const kind = target.kind === 'experiment' ? 'experiments' : 'runs';
    const run = await this.deps.api.clone(kind, target.record.owner, target.record.name);
    this.deps.panel().say(`Cloned ${reference(target)} as your run "${run.name}"`);
    await this.deps.panel().refresh();
  }

  private async lifecycle(action: 'stop' | 'pause' | 'resume', target: Target): Promise<void> {
    const kinds = { session: 'sessions', run: 'runs', experiment: 'experiments' } as const;
    if (target.kind === 'datastore') {
      return;
    }
    await this.deps.api.act(kinds[target.kind], target.record.owner, target.record.name, action);
    const done = { stop: 'Stopped', pause: 'Paused', resume: 'Resumed' }[action];
    this.deps.panel().say(`${done} ${KIND_WORD[target.kind]} ${reference(target)}`);
    await this.deps.panel().refresh();
  }

  /** Delete after a confirmation that says what goes with it. */
  private async remove(target: Target): Promise<void> {
    const kinds = {
      session: 'sessions',
      run: 'runs',
      experiment: 'experiments',
      datastore: 'datastores'
    } as const;
    const what = {
      session: 'its record (a running server is stopped first)',
      run: 'all its experiments, logs and artifacts',
      experiment: 'its logs and artifacts',
      datastore: 'the files of this version'
    }[target.kind];
    const ref = reference(target);
    const choice = await showDialog({
      title: `Delete ${KIND_WORD[target.kind]} ${ref}?`,
      body: `This deletes ${ref} and ${what}. It cannot be undone.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
    });
    if (!choice.button.accept) {
      return;
    }
    const version = target.kind === 'datastore' ? target.record.version : undefined;
    await this.deps.api.remove(
      kinds[target.kind],
      target.record.owner,
      target.record.name,
      version
    );
    this.deps.panel().say(`Deleted ${KIND_WORD[target.kind]} ${ref}`);
    await this.deps.panel().refresh();
  }
}

/** The dialog's body: the base folder's field and, under it, where the files will land. */
class FolderField extends Widget implements Dialog.IBodyWidget<string> {
  private readonly input: HTMLInputElement;

  constructor(question: FolderQuestion) {
    super();
    this.addClass('jp-GridCollab-folderDialog');
    const label = document.createElement('label');
    label.textContent = 'Base folder, relative to the server root';
    this.input = document.createElement('input');
    this.input.className = 'jp-mod-styled jp-GridCollab-folderInput';
    this.input.value = question.initial;
    this.input.spellcheck = false;
    label.appendChild(this.input);
    const landing = document.createElement('p');
    landing.className = 'jp-GridCollab-folderLanding';
    const show = () => {
      landing.textContent = `Files land in ${question.landing(this.input.value)}`;
    };
    this.input.addEventListener('input', show);
    show();
    this.node.append(label, landing);
  }

  getValue(): string {
    return this.input.value;
  }
}

/** Ask which base folder to download into; null when cancelled. */
async function askFolder(question: FolderQuestion): Promise<string | null> {
  const result = await showDialog({
    title: `Download ${question.ref} to a folder`,
    body: new FolderField(question),
    focusNodeSelector: 'input',
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Download' })]
  });
  return result.button.accept ? (result.value ?? question.initial) : null;
}
