/**
 * An experiment's logs in the main area. While the experiment runs it follows them with
 * long polls (``wait=10``: the server answers as soon as lines arrive), so no timer
 * hammers the server and new lines show within a moment.
 */

import { Widget } from '@lumino/widgets';

import { GridApi, GridApiError } from './api';
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
    let failures = 0;
    while (!this.isDisposed) {
      try {
        const page = await this.api.logs(this.owner, this.name, this.offset, WAIT_SECONDS);
        failures = 0;
        if (this.isDisposed) {
          return;
        }
        // a teammate's output: escape sequences are shown, not passed to the page
        this.append(page.lines.map(l => visible(l.line)));
        this.offset = page.next_offset;
        if (page.finished) {
          this.setState(`${page.status} — ${this.count} lines`, true);
          return;
        }
        this.setState(`${page.status} — following (${this.count} lines)`);
      } catch (err) {
        if (err instanceof GridApiError && [403, 404].includes(err.status)) {
          this.setState(err.message, true, true);
          return;
        }
        failures += 1;
        this.setState(
          `${err instanceof Error ? err.message : String(err)} — retrying`,
          false,
          true
        );
        // back off while the server is away; it usually comes back
        await new Promise(resolve => setTimeout(resolve, Math.min(30, 2 ** failures) * 1000));
      }
    }
  }

  private append(lines: string[]): void {
    if (!lines.length) {
      return;
    }
    const atBottom =
      this.node.scrollHeight - this.node.scrollTop - this.node.clientHeight < 40;
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
  private offset = 0;
  private count = 0;
}
