/**
 * Short, human formats for the sidebar's rows. No DOM.
 *
 * ``size`` and ``duration`` are the twins of jupyter_grid_collab/formats.py (the CLI's
 * tables and the notebook panel print through it); both pass the same table of cases,
 * test/format_cases.json.
 */

const MISSING = '-';

/** ``12s``, ``4m 07s``, ``3h 02m 05s``, ``2d 03h 04m``; ``-`` for none or zero. */
export function duration(seconds: number | undefined | null): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds) || seconds <= 0) {
    return MISSING;
  }
  const total = Math.floor(seconds);
  const secs = total % 60;
  const minutes = Math.floor(total / 60) % 60;
  const hours = Math.floor(total / 3600) % 24;
  const days = Math.floor(total / 86400);
  const two = (n: number): string => String(n).padStart(2, '0');
  if (days) {
    return `${days}d ${two(hours)}h ${two(minutes)}m`;
  }
  if (hours) {
    return `${hours}h ${two(minutes)}m ${two(secs)}s`;
  }
  return minutes ? `${minutes}m ${two(secs)}s` : `${secs}s`;
}

// decimal literals are exact where 1000 ** k might not be; a JSON number stops below 1e16,
// so PB is the largest unit the sidebar can meet (rich goes on to YB)
const UNITS: [string, number][] = [
  ['kB', 1e3],
  ['MB', 1e6],
  ['GB', 1e9],
  ['TB', 1e12],
  ['PB', 1e15]
];

/** One decimal as Python's ``format(x, ',.1f')``: ties go to the even digit. */
function oneDecimal(value: number): string {
  // toFixed breaks a tie upwards; the only ties a double can hold at one decimal are
  // x.25 and x.75 (4 * value odd), and only x.25 rounds differently (to x.2)
  const quarters = value * 4;
  const text =
    Number.isInteger(quarters) && quarters % 4 === 1
      ? (Math.floor(value * 10) / 10).toFixed(1)
      : value.toFixed(1);
  const [whole, fraction] = text.split('.');
  return `${whole.replace(/\B(?=(\d{3})+$)/g, ',')}.${fraction}`;
}

/** Bytes as rich's ``filesize.decimal``: ``1 byte``, ``999 bytes``, ``1.5 kB``, ``2.0 GB``. */
export function size(bytes: number | undefined | null): string {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) {
    return MISSING;
  }
  const n = Math.max(0, Math.floor(bytes));
  if (n === 1) {
    return '1 byte';
  }
  if (n < 1000) {
    return `${n} bytes`;
  }
  let unit = 0;
  while (unit < UNITS.length - 1 && n >= UNITS[unit + 1][1]) {
    unit += 1;
  }
  const [name, factor] = UNITS[unit];
  return `${oneDecimal(n / factor)} ${name}`;
}

export function credits(value: number | undefined | null): string {
  return `${(value || 0).toFixed(2)} credits`;
}

/** "3 succeeded, 1 running" from a run's counts by status. */
export function counts(byStatus: Record<string, number> | undefined | null): string {
  const parts = Object.entries(byStatus || {})
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  return parts.join(', ') || 'no experiments';
}

// C0 controls but tab, DEL and the C1 range (8-bit CSI/OSC): the same set as the Python
// side's jupyter_grid_collab/controls.py
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/** A teammate's log line with its control characters shown as ``\xNN``, never obeyed. */
export function visible(text: string): string {
  return text.replace(CONTROL, c => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}
