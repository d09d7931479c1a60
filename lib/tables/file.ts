/** maddy's `table.file`. */
import { ConfigError } from "../config/errors.ts";
import type { Table } from "./table.ts";

/**
 * maddy's `table.file`: `key: value` lines, `#` comments, blank lines
 * ignored, a line without a colon maps the key to "". The file is re-read
 * when its modification time or size changes (checked at most once per
 * `checkIntervalMs`, at lookup time); a file with syntax errors is ignored
 * on reload and the previous contents stay in force; a missing file is an
 * empty table.
 */
export class FileTable implements Table {
  #file: string;
  #map = new Map<string, string>();
  #stamp = "";
  #lastCheck = -Infinity;
  #checkIntervalMs: number;

  constructor(file: string, options: { checkIntervalMs?: number } = {}) {
    this.#file = file;
    this.#checkIntervalMs = options.checkIntervalMs ?? 1000;
  }

  /** The first load: a syntax error is a ConfigError at `path`. */
  async load(path: string): Promise<void> {
    try {
      await this.#reload(true);
    } catch (e) {
      throw new ConfigError(path, (e as Error).message);
    }
  }

  async lookup(key: string): Promise<string | null> {
    const now = performance.now();
    if (now - this.#lastCheck >= this.#checkIntervalMs) {
      this.#lastCheck = now;
      try {
        await this.#reload(false);
      } catch {
        // Keep the previous contents, as maddy does.
      }
    }
    return this.#map.get(key) ?? null;
  }

  async #reload(force: boolean): Promise<void> {
    let stamp: string;
    try {
      const st = await Deno.stat(this.#file);
      stamp = `${st.mtime?.getTime()}:${st.size}:${st.ino}`;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        this.#map = new Map();
        this.#stamp = "";
        return;
      }
      throw e;
    }
    if (!force && stamp === this.#stamp) return;
    const text = await Deno.readTextFile(this.#file);
    this.#map = parseFileTable(text, this.#file);
    this.#stamp = stamp;
  }
}

/** Parses maddy's `key: value` format; the first value of a repeated key wins. */
export function parseFileTable(text: string, name: string): Map<string, string> {
  const map = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith("#")) continue;
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    const key = (colon === -1 ? line : line.slice(0, colon)).trim();
    const value = colon === -1 ? "" : line.slice(colon + 1).trim();
    if (key === "") throw new Error(`${name}:${i + 1}: empty key before colon`);
    if (!map.has(key)) map.set(key, value);
  }
  return map;
}
