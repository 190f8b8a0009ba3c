/**
 * An experiment's logs in the main area. While the experiment runs it follows them with
 * long polls (``wait=10``: the server answers as soon as lines arrive), so no timer
 * hammers the server and new lines show within a moment; the loop is follow.ts's.
 */

import { Widget } from '@lumino/widgets';

import { GridApi, messageOf } from './api';
import { followLogs } from './follow';
import { visible } from './format';

const WAIT_SECONDS = 10;

export class LogView extends Widget {
  constructor(
    private readonly api: GridApi,
    readonly owner: string,
    readonly name: string
  ) {
    super();
    this.addClass('jp-GridCollab-logs');
    this.state = document.createElement('div');
    this.state.className = 'jp-GridCollab-logsState';
    this.state.setAttribute('role', 'status');
    this.output = document.createElement('pre');
    this.output.className = 'jp-GridCollab-logsText';
    this.node.append(this.state, this.output);
    this.node.tabIndex = 0;
    this.setState('loading…');
  }

  /** Read from the start and keep following until finished or closed. */
  async follow(): Promise<void> {
    const pages = followLogs((offset, wait) => this.api.logs(this.owner, this.name, offset, wait), {
      wait: WAIT_SECONDS,
      stopped: () => this.isDisposed,
      onRetry: err => this.setState(`${messageOf(err)} — retrying`, false, true)
    });
    try {
      for await (const page of pages) {
        if (this.isDisposed) {
          return;
        }
        // a teammate's output: escape sequences are shown, not passed to the page
        this.append(page.lines.map(l => visible(l.line)));
        this.setState(
          page.finished
            ? `${page.status} — ${this.count} lines`
            : `${page.status} — following (${this.count} lines)`,
          page.finished
        );
      }
    } catch (err) {
      // 403 / 404: the experiment is gone or no longer ours to read
      if (!this.isDisposed) {
        this.setState(messageOf(err), true, true);
      }
    }
  }

  private append(lines: string[]): void {
    if (!lines.length) {
      return;
    }
    const atBottom = this.node.scrollHeight - this.node.scrollTop - this.node.clientHeight < 40;
    this.output.appendChild(document.createTextNode(lines.join('\n') + '\n'));
    this.count += lines.length;
    if (atBottom) {
      this.node.scrollTop = this.node.scrollHeight;
    }
  }

  private setState(text: string, done = false, error = false): void {
    this.state.textContent = `${this.owner}:${this.name} — ${text}`;
    this.state.classList.toggle('jp-mod-done', done);
    this.state.classList.toggle('jp-mod-error', error);
  }

  private readonly state: HTMLDivElement;
  private readonly output: HTMLPreElement;
  private count = 0;
}
