/**
 * The progress bar of long admin work (import, import-maddy, backup,
 * restore): bytes or items done of the total, the rate and the time left,
 * redrawn in place on stderr when stderr is a terminal, at most ten times a
 * second. Without a terminal it writes nothing: scripts get the summary
 * line the command prints at the end.
 */

/** Where a bar draws: a terminal's stderr (`CliIo` fits). */
export interface ProgressIo {
  stderr(s: string): void;
  /** Whether stderr is a terminal: the bar is drawn only then. */
  isTerminal: boolean;
}

export interface ProgressOptions {
  /** What is counted: "bytes", or an item's plural ("messages"). */
  unit: "bytes" | string;
  /** The whole, in `unit`; 0 when unknown (no percentage and no ETA then). */
  total: number;
  /** A word before the bar ("import", "backup"). */
  label: string;
  /** With bytes as the unit: the plural of the items also counted ("messages"). */
  items?: string;
  /** Clock in milliseconds (tests pass their own). */
  now?: () => number;
}

/** What a bar shows at one moment. */
export interface ProgressState {
  label: string;
  unit: string;
  done: number;
  total: number;
  /** Seconds since the work began. */
  seconds: number;
  /** An item count beside the bytes ("1,204 messages"), when the unit is bytes. */
  note?: string;
}

const WIDTH = 24;
const REDRAW_MS = 100;
/** Below this the rate says nothing yet. */
const MIN_SECONDS = 0.5;

/** Erases the line the cursor is on (the bar), for a message to take its place. */
const CLEAR_LINE = "\r\x1b[K";

export class Progress {
  readonly #io: ProgressIo;
  readonly #options: ProgressOptions;
  readonly #now: () => number;
  readonly #start: number;
  #done = 0;
  #items = 0;
  #drawn = -Infinity;
  #visible = false;

  constructor(io: ProgressIo, options: ProgressOptions) {
    this.#io = io;
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
  }

  /**
   * Counts `amount` more done (and `items` more items). Cheap when nothing
   * is drawn: text is made only for a drawing.
   */
  add(amount: number, items = 0): void {
    this.#done += amount;
    this.#items += items;
    if (!this.#io.isTerminal) return;
    const now = this.#now();
    if (now - this.#drawn < REDRAW_MS) return;
    this.#drawn = now;
    this.#draw(now);
  }

  /**
   * Writes a line above the bar (to stderr, or through `write`, e.g. to
   * stdout); the bar is drawn again on the next update.
   */
  line(text: string, write: (s: string) => void = this.#io.stderr): void {
    if (this.#visible) this.#io.stderr(CLEAR_LINE);
    this.#visible = false;
    write(text.endsWith("\n") ? text : `${text}\n`);
  }

  /** Draws the final state and ends the bar's line. */
  finish(): void {
    if (!this.#io.isTerminal) return;
    this.#draw(this.#now());
    this.#io.stderr("\n");
    this.#visible = false;
  }

  #draw(now: number): void {
    this.#io.stderr(
      CLEAR_LINE + renderProgress({
        label: this.#options.label,
        unit: this.#options.unit,
        done: this.#done,
        total: this.#options.total,
        seconds: (now - this.#start) / 1000,
        note: this.#options.items ? `${thousands(this.#items)} ${this.#options.items}` : undefined,
      }),
    );
    this.#visible = true;
  }
}

/**
 * One line of a bar: `import [==========>         ]  45%  45.2 MB of 100.0 MB
 * 12.3 MB/s  ETA 0:04  1,204 messages`. Without a total: the count and rate.
 */
export function renderProgress(s: ProgressState): string {
  const bytes = s.unit === "bytes";
  const amount = (n: number) => (bytes ? formatBytes(n) : thousands(n));
  const parts = [s.label];
  if (s.total > 0) {
    const fraction = Math.min(1, s.done / s.total);
    const full = Math.floor(fraction * WIDTH);
    const head = full < WIDTH ? ">" : "";
    parts.push(`[${"=".repeat(full)}${head}${" ".repeat(WIDTH - full - head.length)}]`);
    parts.push(`${String(Math.floor(fraction * 100)).padStart(3)}%`);
    parts.push(`${amount(s.done)} of ${amount(s.total)}${bytes ? "" : ` ${s.unit}`}`);
  } else {
    parts.push(`${amount(s.done)}${bytes ? "" : ` ${s.unit}`}`);
  }
  const rate = s.seconds >= MIN_SECONDS ? s.done / s.seconds : 0;
  parts.push(
    rate > 0
      ? `${bytes ? formatBytes(rate) : Math.round(rate)}${bytes ? "" : ` ${s.unit}`}/s`
      : "--/s",
  );
  if (s.total > 0) {
    parts.push(
      s.done >= s.total
        ? `in ${formatDuration(s.seconds)}`
        : `ETA ${rate > 0 ? formatDuration((s.total - s.done) / rate) : "--:--"}`,
    );
  }
  if (s.note) parts.push(s.note);
  return parts.join("  ");
}

/** 1234567 → "1,234,567" (without Intl, whose formatters live outside V8's heap). */
export function thousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+$)/g, ",");
}

/** 1536 → "1.5 KB", binary multiples as `ls -h` counts them. */
export function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Seconds as "m:ss", or "h:mm:ss" from an hour. */
export function formatDuration(seconds: number): string {
  const t = Math.max(0, Math.round(seconds));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
