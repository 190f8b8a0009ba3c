/** Short, human formats for the sidebar's rows. No DOM. */

export function duration(seconds: number | undefined | null): string {
  const s = Math.max(0, Math.floor(seconds || 0));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = s % 60;
  if (hours) {
    return `${hours}h ${minutes}m`;
  }
  return minutes ? `${minutes}m ${secs}s` : `${secs}s`;
}

/** Decimal units, as the CLI and the notebook panel print them. */
export function size(bytes: number | undefined | null): string {
  let value = Math.max(0, bytes || 0);
  for (const unit of ['B', 'KB', 'MB', 'GB', 'TB']) {
    if (value < 1000 || unit === 'TB') {
      return unit === 'B' ? `${Math.round(value)} B` : `${value.toFixed(1)} ${unit}`;
    }
    value /= 1000;
  }
  return `${bytes} B`;
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
