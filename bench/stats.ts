// Figures for `make bench`: medians, spreads, ratios and the printed table.

/** The median of the values (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The value at quantile q in [0, 1] (nearest rank). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** Half the range over the median, in percent: how far rounds stray from the median. */
export function spreadPercent(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = median(xs);
  if (m === 0) return 0;
  return ((Math.max(...xs) - Math.min(...xs)) / 2 / Math.abs(m)) * 100;
}

/**
 * Ours/Dovecot as a cost ratio: above 1 means we are slower (or use more).
 * For figures where more is better (per second), the ratio is inverted so the
 * reading stays the same for every row.
 */
export function costRatio(ours: number, dovecot: number, higherIsBetter: boolean): number {
  if (!Number.isFinite(ours) || !Number.isFinite(dovecot) || ours === 0 || dovecot === 0) {
    return NaN;
  }
  return higherIsBetter ? dovecot / ours : ours / dovecot;
}

/** A number with 3 significant digits, thousands kept whole. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return "—";
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toString();
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

/** Lays out rows under a header as a fixed-width text table: words left, figures right. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) =>
      i === 0 || (i === header.length - 1 && i > 1) ? c.padEnd(widths[i]) : c.padStart(widths[i])
    ).join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
