import { counts, credits, duration, size, visible } from '../src/format';

describe('formats', () => {
  it('durations', () => {
    expect(duration(0)).toBe('0s');
    expect(duration(75)).toBe('1m 15s');
    expect(duration(3 * 3600 + 120)).toBe('3h 2m');
    expect(duration(undefined)).toBe('0s');
  });

  it('sizes in decimal units', () => {
    expect(size(999)).toBe('999 B');
    expect(size(1500)).toBe('1.5 KB');
    expect(size(2_500_000_000)).toBe('2.5 GB');
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
