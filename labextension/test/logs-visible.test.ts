/**
 * @jest-environment jsdom
 */
// The log tab (src/logs.ts) is a Lumino widget and needs a DOM: this file alone runs under
// jsdom, the other tests stay DOM-free under node.
import type { Widget as WidgetType } from '@lumino/widgets';

import { ApiResponse, GridApi, Method } from '../src/api';
import type { LogView as LogViewType } from '../src/logs';
import { LogPage } from '../src/model';

let Widget: typeof WidgetType;
let LogView: typeof LogViewType;

beforeAll(async () => {
  // jsdom has no DragEvent, and @lumino/dragdrop (loaded by @lumino/widgets) subclasses it
  // as its module loads; a browser has one. The log tab drags nothing, so the plain
  // MouseEvent subclass a browser would give, without a dataTransfer, is enough. It must
  // exist before the widgets load, hence their import here rather than at the top.
  if (!('DragEvent' in window)) {
    class DragEvent extends MouseEvent {
      readonly dataTransfer = null;
    }
    Object.assign(window, { DragEvent });
  }
  ({ Widget } = await import('@lumino/widgets'));
  ({ LogView } = await import('../src/logs'));
});

/** The extension's log pages as it sends them, in turn, and what the tab asked for. */
function teammateLogs(pages: LogPage[]) {
  const calls: { path: string; method: Method }[] = [];
  const api = new GridApi(async (path, init): Promise<ApiResponse> => {
    calls.push({ path, method: init.method });
    const page = pages.shift();
    const body = page ? JSON.stringify(page) : '{"message": "no more pages"}';
    return { status: page ? 200 : 500, ok: !!page, text: async () => body };
  });
  return { api, calls };
}

function page(lines: string[], first: number, finished: boolean): LogPage {
  return {
    experiment: 'sweep-exp0',
    experiment_id: 7,
    owner: 'alice',
    status: finished ? 'succeeded' : 'running',
    lines: lines.map((line, i) => ({
      seq: first + i,
      ts: '2026-12-01T12:00:00Z',
      stream: 'stdout',
      line
    })),
    next_offset: first + lines.length,
    finished
  };
}

/** The control characters left in ``text`` (newline and tab aside), as code points. */
function controls(text: string): number[] {
  return [...text]
    .map(c => c.codePointAt(0)!)
    .filter(n => (n < 0x20 && n !== 0x0a && n !== 0x09) || (n >= 0x7f && n <= 0x9f));
}

describe("the log tab shows a teammate's escape sequences escaped", () => {
  it('renders OSC title and clipboard writes as text, never as control characters', async () => {
    // Given alice's experiment whose output sets the window title and writes the
    // clipboard, read by bob while it runs, then once it has finished
    const { api, calls } = teammateLogs([
      page(['\u001b]0;pwned\u0007title', '\u001b]52;c;ZWNobyBoaQ==\u0007clip'], 0, false),
      page(['loss 0.3\tacc 0.9'], 2, true)
    ]);
    // When the sidebar opens its log tab as actions.ts does: a LogView in the page, following
    const view = new LogView(api, 'alice', 'sweep-exp0');
    Widget.attach(view, document.body);
    await view.follow();
    // Then every line is in the page, each control character shown as its escape (a tab kept)
    const text = view.node.querySelector('pre')!.textContent!;
    expect(text).toBe(
      '\\x1b]0;pwned\\x07title\n\\x1b]52;c;ZWNobyBoaQ==\\x07clip\nloss 0.3\tacc 0.9\n'
    );
    expect(controls(document.body.textContent!)).toEqual([]);
    expect(view.node.querySelector('[role=status]')!.textContent).toBe(
      'alice:sweep-exp0 — succeeded — 3 lines'
    );
    // ... read with the extension's long polls, from each page's next_offset
    expect(calls).toEqual([
      { path: 'experiments/alice/sweep-exp0/logs?offset=0&wait=10', method: 'GET' },
      { path: 'experiments/alice/sweep-exp0/logs?offset=2&wait=10', method: 'GET' }
    ]);
    Widget.detach(view);
    view.dispose();
  });
});
