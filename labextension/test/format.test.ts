import { counts, credits, duration, size, visible } from '../src/format';
// the same table jupyter_grid_collab/formats.py is tested on (tests/test_formats.py)
import cases from './format_cases.json';

type Case = [number | null, string];

describe('formats', () => {
  it.each(cases.size as Case[])('size(%p) is %p, as the CLI and the panel say', (n, text) => {
    expect(size(n)).toBe(text);
  });

  it.each(cases.duration as Case[])('duration(%p) is %p, as the CLI and panel say', (s, text) => {
    expect(duration(s)).toBe(text);
  });

  it('counts by status, skipping zeros', () => {
    expect(counts({ succeeded: 3, failed: 0, running: 1 })).toBe('3 succeeded, 1 running');
    expect(counts({})).toBe('no experiments');
  });

  it('credits', () => {
    expect(credits(12.345)).toBe('12.35 credits');
  });

  it('control characters of a log line shown escaped, tabs kept', () => {
    expect(visible('\u001b]0;pwned\u0007title')).toBe('\\x1b]0;pwned\\x07title');
    expect(visible('loss 0.3\tacc 0.9')).toBe('loss 0.3\tacc 0.9');
    expect(visible('a\r\u009bb')).toBe('a\\x0d\\x9bb');
    expect(visible('état ✓')).toBe('état ✓');
  });
});
