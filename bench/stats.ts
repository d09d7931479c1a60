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

/** What `check()` needs of a measure (see `Measure` in workloads.ts). */
export interface Answered {
  answer?: string;
  expected?: string;
  errors?: number;
}

/** The check column: do answers agree across rounds, servers and the corpus? */
export function check(runs: Record<string, Answered[]>): string {
  const notes: string[] = [];
  const answers: Record<string, string> = {};
  let expected: string | undefined;
  for (const [name, ms] of Object.entries(runs)) {
    const errors = ms.reduce((a, m) => a + (m.errors ?? 0), 0);
    if (errors) notes.push(`${name}: ${errors} errors`);
    const seen = [...new Set(ms.map((m) => m.answer).filter((a) => a !== undefined))];
    if (seen.length > 1) notes.push(`${name} varies: ${seen.join(" / ")}`);
    if (seen.length) answers[name] = seen[0]!;
    expected ??= ms.find((m) => m.expected)?.expected;
  }
  const names = Object.keys(answers);
  if (names.length === 2 && answers[names[0]] !== answers[names[1]]) {
    notes.push(`DIFFER: ${names.map((n) => `${n} ${answers[n]}`).join(", ")}`);
  }
  for (const n of names) {
    if (expected && answers[n] !== expected) notes.push(`${n} ${answers[n]}, want ${expected}`);
  }
  if (notes.length) return notes.join("; ");
  return names.length ? `ok (${answers[names[0]]})` : "ok";
}
