/**
 * jupyter-grid-collab: the Team sidebar, its palette commands and keyboard path, and
 * the visitor banner.
 */

import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, IThemeManager, InputDialog } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ServerConnection } from '@jupyterlab/services';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { Actions } from './actions';
import { GridApi, Requester, checkKind, messageOf, runOrExperiment } from './api';
import { Datastore, Experiment, Run } from './model';
import { TeamPanel } from './panel';
import { ACTION_LABELS, Action, Target, metricRefs, parseReference } from './rows';

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
  '<g class="jp-icon3" fill="#616161">' +
  '<circle cx="8" cy="8" r="3.2"/><circle cx="16.5" cy="9" r="2.6"/>' +
  '<path d="M2 19c0-3.3 2.7-6 6-6s6 2.7 6 6v1H2z"/>' +
  '<path d="M14.6 13.4c.6-.2 1.2-.4 1.9-.4 3 0 5.5 2.5 5.5 5.5V20h-6.3v-1c0-2.2-.4-3.9-1.1-5.6z"/>' +
  '</g></svg>';

export const teamIcon = new LabIcon({ name: 'jupyter-grid-collab:team', svgstr: ICON_SVG });

const CATEGORY = 'Team';
const LIST = '.jp-GridCollab-panel .jp-GridCollab-list';

/** The commands of row actions, with the key that runs them in the panel's list. */
const ACTION_COMMANDS: { action: Action; id: string; label: string; keys?: string[] }[] = [
  { action: 'open', id: 'grid-collab:open-session', label: 'Open a Team Session…', keys: ['O'] },
  {
    action: 'attach',
    id: 'grid-collab:attach-datastore',
    label: 'Attach a Datastore to This Session…',
    keys: ['A']
  },
  {
    action: 'download',
    id: 'grid-collab:download-artifacts',
    label: 'Download Experiment Artifacts…',
    keys: ['D']
  },
  {
    action: 'fetch',
    id: 'grid-collab:fetch-artifacts',
    label: 'Download Artifacts to a Folder…',
    keys: ['F']
  },
  { action: 'logs', id: 'grid-collab:logs', label: 'Show Experiment Logs…', keys: ['L'] },
  {
    action: 'compare',
    id: 'grid-collab:compare',
    label: 'Compare Runs and Experiments…',
    keys: ['M']
  },
  { action: 'clone', id: 'grid-collab:clone', label: 'Clone a Run or Experiment…', keys: ['C'] },
  {
    action: 'stop',
    id: 'grid-collab:stop',
    label: 'Stop the Selected Resource',
    keys: ['Shift S']
  },
  {
    action: 'pause',
    id: 'grid-collab:pause',
    label: 'Pause the Selected Session',
    keys: ['Shift P']
  },
  {
    action: 'resume',
    id: 'grid-collab:resume',
    label: 'Resume the Selected Session',
    keys: ['Shift R']
  },
  {
    action: 'delete',
    id: 'grid-collab:delete',
    label: 'Delete the Selected Resource…',
    keys: ['Delete']
  }
];

/** Actions the palette can run on a typed reference when no row is selected. */
const BY_REFERENCE: Partial<Record<Action, string>> = {
  open: 'Session (owner:name)',
  attach: 'Datastore (owner:name or owner:name@version)',
  download: 'Experiment (owner:run-exp0)',
  fetch: 'Run or experiment (owner:name)',
  logs: 'Experiment (owner:run-exp0)',
  compare: 'Runs or experiments (alice:sweep bob:sweep-exp0)',
  clone: 'Run or experiment (owner:name)'
};

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-grid-collab:plugin',
  description: 'The Team sidebar: sessions, runs, datastores and the team.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer, IDefaultFileBrowser, IThemeManager],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    fileBrowser: IDefaultFileBrowser | null,
    themes: IThemeManager | null
  ) => {
    const settings = ServerConnection.makeSettings();
    const url = (path: string) => URLExt.join(settings.baseUrl, 'grid-collab/api', path);
    // ServerConnection adds the XSRF header and the token; the base URL comes from the page
    const request: Requester = (path, init) =>
      ServerConnection.makeRequest(
        url(path),
        {
          method: init.method,
          body: init.body,
          headers: init.body ? { 'Content-Type': 'application/json' } : undefined
        },
        settings
      );
    const api = new GridApi(request);

    const actions = new Actions({
      app,
      api,
      panel: () => panel,
      url,
      refreshFiles: () => void fileBrowser?.model.refresh(),
      themeChanged: themes?.themeChanged
    });
    // typed: the actions above refer to the panel before it exists (called later)
    const panel: TeamPanel = new TeamPanel(api, (action, target) => actions.run(action, target));
    panel.title.icon = teamIcon;
    app.shell.add(panel, 'left', { rank: 350, type: 'Team' });
    if (restorer) {
      restorer.add(panel, 'grid-collab-team');
    }

    // the visitor's banner stays above everything for the whole visit
    void api
      .context()
      .then(context => {
        panel.setContext(context);
        if (context.banner) {
          const banner = new Widget();
          banner.id = 'grid-collab-visitor-banner';
          banner.addClass('jp-GridCollab-topBanner');
          banner.node.setAttribute('role', 'alert');
          banner.node.textContent = context.banner;
          app.shell.add(banner, 'top', { rank: 1000 });
        }
      })
      .catch(err => panel.say(`The team context is not available: ${err.message ?? err}`, true))
      .then(() => panel.refresh());

    const { commands } = app;
    commands.addCommand('grid-collab:show-panel', {
      label: 'Show the Team Panel',
      caption: 'Open the Team sidebar and move the keyboard focus to its list',
      execute: () => {
        app.shell.activateById(panel.id);
        panel.focusList();
      }
    });
    commands.addKeyBinding({
      command: 'grid-collab:show-panel',
      keys: ['Alt Shift T'],
      selector: 'body'
    });
    commands.addCommand('grid-collab:refresh', {
      label: 'Refresh the Team Panel',
      execute: () => panel.refresh()
    });
    commands.addKeyBinding({ command: 'grid-collab:refresh', keys: ['R'], selector: LIST });

    for (const { action, id, label, keys } of ACTION_COMMANDS) {
      commands.addCommand(id, {
        label,
        caption:
          `${ACTION_LABELS[action]}: on the row selected in the Team panel` +
          (BY_REFERENCE[action] ? ', or on a reference you type' : ''),
        isEnabled: () =>
          panel.selectedActions().includes(action) || (!panel.selected && action in BY_REFERENCE),
        execute: async () => {
          const selected = panel.selected;
          if (selected && panel.selectedActions().includes(action)) {
            return actions.run(action, selected);
          }
          if (action === 'compare') {
            return promptCompare();
          }
          const target = await promptTarget(action);
          if (target) {
            return actions.run(action, target);
          }
        }
      });
      if (palette) {
        palette.addItem({ command: id, category: CATEGORY });
      }
      for (const key of keys ?? []) {
        commands.addKeyBinding({ command: id, keys: [key], selector: LIST });
      }
    }
    if (palette) {
      palette.addItem({ command: 'grid-collab:show-panel', category: CATEGORY });
      palette.addItem({ command: 'grid-collab:refresh', category: CATEGORY });
    }

    /** Ask for references (runs and experiments, anyone's) and compare them. */
    async function promptCompare(): Promise<void> {
      const answer = await InputDialog.getText({
        title: 'Compare Runs and Experiments',
        label: BY_REFERENCE.compare,
        placeholder: 'alice:sweep bob:sweep'
      });
      if (!answer.button.accept || !answer.value) {
        return;
      }
      try {
        const targets: Target[] = answer.value
          .split(/[\s,]+/)
          .filter(Boolean)
          .map(text => {
            const ref = parseReference(text, panel.me);
            const record = { owner: ref.owner, name: ref.name };
            return runOrExperiment(ref.name) === 'experiments'
              ? { kind: 'experiment', record: record as Experiment }
              : { kind: 'run', record: record as Run };
          });
        actions.compare(metricRefs(targets));
      } catch (err) {
        panel.say(messageOf(err), true);
      }
    }

    /** Ask for a reference and turn it into the row it names (fetched where needed). */
    async function promptTarget(action: Action): Promise<Target | undefined> {
      const label = BY_REFERENCE[action];
      if (!label) {
        return undefined;
      }
      const answer = await InputDialog.getText({
        title: ACTION_COMMANDS.find(c => c.action === action)?.label.replace('…', '') ?? '',
        label,
        placeholder: 'alice:name'
      });
      if (!answer.button.accept || !answer.value) {
        return undefined;
      }
      try {
        const ref = parseReference(answer.value, panel.me, action === 'attach');
        switch (action) {
          case 'open':
            return { kind: 'session', record: await api.session(ref.owner, ref.name) };
          case 'attach':
            return {
              kind: 'datastore',
              record: { owner: ref.owner, name: ref.name, version: ref.version } as Datastore
            };
          case 'download':
          case 'logs':
            checkKind('experiment', ref.owner, ref.name);
            return {
              kind: 'experiment',
              record: { owner: ref.owner, name: ref.name } as Experiment
            };
          default:
            return runOrExperiment(ref.name) === 'experiments'
              ? { kind: 'experiment', record: { owner: ref.owner, name: ref.name } as Experiment }
              : { kind: 'run', record: { owner: ref.owner, name: ref.name } as Run };
        }
      } catch (err) {
        panel.say(messageOf(err), true);
        return undefined;
      }
    }
  }
};

export default plugin;
