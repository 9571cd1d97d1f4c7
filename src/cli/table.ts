/** Renders rows as an aligned plain-text table for the terminal. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [format(headers), format(widths.map((w) => '-'.repeat(w))), ...rows.map(format)].join('\n');
}

/** A metric value for tables: 4 decimals, or a dash when absent. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** The first characters of a hash, or a dash. */
export function shortHash(value: string | null | undefined, length = 12): string {
  return value ? value.slice(0, length) : '–';
}
