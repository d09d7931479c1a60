/**
 * A small metrics registry and its two text expositions: OpenMetrics 1.0
 * (counter families named without `_total`, samples with it, `# EOF` at the
 * end) and the Prometheus text format 0.0.4 (counters named with `_total`).
 *
 * Why our own: prom-client runs on Deno, but its Prometheus-format output
 * names counters without `_total` (promtool's lint rejects that) and its
 * process collectors read Node internals Deno lacks (event loop lag is NaN).
 * What we need is counters, gauges and histograms with labels: this file.
 */

type Labels = Record<string, string>;

export const OPENMETRICS_CONTENT_TYPE =
  "application/openmetrics-text; version=1.0.0; charset=utf-8";
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  /** Samples as [suffix, labels, value]; called at each scrape. */
  samples(): Array<[string, Labels, number]>;
}

function key(labelNames: readonly string[], labels: Labels): string {
  return labelNames.map((n) => labels[n] ?? "").join("\u0000");
}

function labelsOf(labelNames: readonly string[], k: string): Labels {
  const values = k.split("\u0000");
  return Object.fromEntries(labelNames.map((n, i) => [n, values[i]]));
}

export class Counter<L extends string = never> implements Family {
  readonly type = "counter";
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[] = [],
  ) {}
  inc(labels: Record<L, string> | number = {} as Record<L, string>, by = 1): void {
    if (typeof labels === "number") [by, labels] = [labels, {} as Record<L, string>];
    if (!(by >= 0)) throw new RangeError(`${this.name}: a counter only goes up (${by})`);
    const k = key(this.labelNames, labels);
    this.#values.set(k, (this.#values.get(k) ?? 0) + by);
  }
  get(labels: Record<L, string> = {} as Record<L, string>): number {
    return this.#values.get(key(this.labelNames, labels)) ?? 0;
  }
  samples(): Array<[string, Labels, number]> {
    if (this.labelNames.length === 0 && this.#values.size === 0) return [["_total", {}, 0]];
    return [...this.#values].map(([k, v]) => ["_total", labelsOf(this.labelNames, k), v]);
  }
}

export class Gauge<L extends string = never> implements Family {
  readonly type = "gauge";
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[] = [],
    /** Called before each scrape to set the current values. */
    readonly collect?: (gauge: Gauge<L>) => void,
  ) {}
  set(labels: Record<L, string> | number, value?: number): void {
    if (typeof labels === "number") [value, labels] = [labels, {} as Record<L, string>];
    this.#values.set(key(this.labelNames, labels), value!);
  }
  reset(): void {
    this.#values.clear();
  }
  samples(): Array<[string, Labels, number]> {
    this.collect?.(this);
    return [...this.#values].map(([k, v]) => ["", labelsOf(this.labelNames, k), v]);
  }
}

export class Histogram<L extends string = never> implements Family {
  readonly type = "histogram";
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    readonly labelNames: readonly L[] = [],
  ) {}
  observe(labels: Record<L, string> | number, seconds?: number): void {
    if (typeof labels === "number") [seconds, labels] = [labels, {} as Record<L, string>];
    const k = key(this.labelNames, labels);
    let s = this.#series.get(k);
    if (!s) this.#series.set(k, s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 });
    const v = seconds!;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) s.counts[i]++;
    s.sum += v;
    s.count++;
  }
  samples(): Array<[string, Labels, number]> {
    const out: Array<[string, Labels, number]> = [];
    for (const [k, s] of this.#series) {
      const labels = labelsOf(this.labelNames, k);
      this.buckets.forEach((le, i) => {
        out.push(["_bucket", { ...labels, le: String(le) }, s.counts[i]]);
      });
      out.push(["_bucket", { ...labels, le: "+Inf" }, s.count]);
      out.push(["_count", labels, s.count]);
      out.push(["_sum", labels, s.sum]);
    }
    return out;
  }
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

function formatValue(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return Number.isNaN(v) ? "NaN" : String(v);
}

export class Registry {
  readonly #families: Family[] = [];

  register<F extends Family>(family: F): F {
    if (this.#families.some((f) => f.name === family.name)) {
      throw new Error(`metric ${family.name} is registered twice`);
    }
    this.#families.push(family);
    return family;
  }

  /** The exposition text in OpenMetrics (`openMetrics`) or the Prometheus text format. */
  render(openMetrics: boolean): string {
    const lines: string[] = [];
    for (const f of this.#families) {
      // Prometheus text names a counter by its sample name (`x_total`).
      const name = !openMetrics && f.type === "counter" ? `${f.name}_total` : f.name;
      lines.push(`# HELP ${name} ${escapeHelp(f.help)}`, `# TYPE ${name} ${f.type}`);
      for (const [suffix, labels, value] of f.samples()) {
        const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
        const sampleName = `${f.name}${suffix}`;
        lines.push(
          `${sampleName}${pairs.length ? `{${pairs.join(",")}}` : ""} ${formatValue(value)}`,
        );
      }
    }
    if (openMetrics) lines.push("# EOF");
    return lines.join("\n") + "\n";
  }
}
