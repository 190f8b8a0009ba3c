/**
 * "Download to folder", DOM-free: the sidebar asks which base folder to download into
 * (``grid_artifacts`` unless the user types another) and shows where the files will land
 * before anything starts; then the server extension downloads into that base folder, as
 * ``<base>/<owner>/<run>/<experiment>/<path>``, so teammates' runs of the same name never
 * mix. The dialog itself is actions.ts's; everything it decides is here, where jest can
 * check it.
 */

import { GridApi } from './api';
import { Sleep, untilDone } from './follow';
import { size } from './format';
import { FetchJob } from './model';

/** The base folder offered first, relative to the server root (the CLI's default too). */
export const DEFAULT_BASE = 'grid_artifacts';

export type FetchKind = 'run' | 'experiment';

/** What is downloaded: a run (all its experiments) or one experiment. */
export interface FetchTarget {
  owner: string;
  name: string;
  kind: FetchKind;
}

/** What the dialog asks about. */
export interface FolderQuestion {
  /** e.g. ``alice:mnist-sweep`` */
  ref: string;
  /** the text the field starts with */
  initial: string;
  /** where the files land for the text in the field, shown under it as it changes */
  landing: (typed: string) => string;
}

/** Ask for the base folder: the text the user confirmed, or null when they cancelled. */
export type AskFolder = (question: FolderQuestion) => Promise<string | null>;

export interface FetchDeps {
  api: GridApi;
  ask: AskFolder;
  /** progress and results, in the panel's message line */
  say: (text: string) => void;
  /** between polls of the download job (tests pass one that does not wait) */
  pause?: Sleep;
}

/**
 * The folder to send as ``dest`` for what the user typed: relative to the server root
 * (a leading ``/`` or ``./`` means the root too, as in the file browser), no trailing
 * slash; ``.`` for the root itself, since an empty ``dest`` would mean the extension's
 * own default folder rather than the root the dialog showed.
 */
export function baseFolder(typed: string): string {
  const path = typed
    .trim()
    .replace(/^(\.?\/)+/, '')
    .replace(/\/+$/, '');
  return path === '' || path === '.' ? '.' : path;
}

/** The experiment's run: experiments are named ``<run>-exp<N>``. */
function runOf(target: FetchTarget): string {
  return target.kind === 'experiment' ? target.name.replace(/-exp[0-9]+$/, '') : target.name;
}

/**
 * Where a download into ``base`` puts the target's files, as a folder path relative to
 * the server root: ``grid_artifacts/alice/mnist-sweep/`` for a run, with the
 * experiment's folder added for an experiment.
 */
export function landingFolder(base: string, target: FetchTarget): string {
  const parts = [base === '.' ? '' : base, target.owner, runOf(target)];
  if (target.kind === 'experiment') {
    parts.push(target.name);
  }
  return `${parts.filter(part => part !== '').join('/')}/`;
}

/** The folder that holds every one of ``files`` (paths relative to the server root). */
export function commonFolder(files: string[]): string {
  const folders = files.map(file => file.split('/').slice(0, -1));
  const shared = folders.reduce((common, folder) => {
    let n = 0;
    while (n < common.length && n < folder.length && common[n] === folder[n]) {
      n += 1;
    }
    return common.slice(0, n);
  });
  return shared.length ? `${shared.join('/')}/` : '.';
}

/**
 * Ask where to download the target's artifacts, then download them there and say where
 * they landed (the paths the job reports, not a guess). Returns the finished job, or
 * null when the user cancelled (then nothing is sent to the server).
 */
export async function fetchToChosenFolder(
  deps: FetchDeps,
  target: FetchTarget
): Promise<FetchJob | null> {
  const { api, say } = deps;
  const ref = `${target.owner}:${target.name}`;
  const typed = await deps.ask({
    ref,
    initial: DEFAULT_BASE,
    landing: text => landingFolder(baseFolder(text), target)
  });
  if (typed === null) {
    return null;
  }
  const base = baseFolder(typed);
  say(`Downloading ${ref} into ${landingFolder(base, target)}…`);
  const job = await untilDone(
    await api.fetchArtifacts(ref, base, target.kind),
    id => api.fetchJob(id),
    running =>
      say(
        `Downloading ${ref} into ${landingFolder(base, target)}: ${running.files_done}/` +
          `${running.files_total} files, ${size(running.bytes_done)} of ` +
          `${size(running.bytes_total)}`
      ),
    `downloading ${ref} failed`,
    deps.pause
  );
  if (!job.files.length) {
    say(`${ref} has no artifacts: nothing was downloaded`);
    return job;
  }
  const where = job.files.length === 1 ? job.files[0] : commonFolder(job.files);
  say(
    `Downloaded ${job.files_done} file${job.files_done === 1 ? '' : 's'} of ${ref} ` +
      `(${size(job.bytes_total)}) into ${where}`
  );
  return job;
}
