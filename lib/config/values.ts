/**
 * Typed readers for TOML values, shared by every config slice. Each takes
 * the key path it reads so that errors name it.
 */
import { ConfigError } from "./errors.ts";
import { NORMALIZER_NAMES, type NormalizerName } from "./types.ts";

export type Table = Record<string, unknown>;

export function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (value instanceof Date) return "a date";
  if (typeof value === "object") return "a table";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

export function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

export function expectTable(value: unknown, path: string): Table {
  if (!isTable(value)) throw new ConfigError(path, `expected a table, got ${describe(value)}`);
  return value;
}

export function expectString(value: unknown, path: string): string {
  if (typeof value !== "string") {
    throw new ConfigError(path, `expected a string, got ${describe(value)}`);
  }
  return value;
}

export function expectBoolean(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") {
    throw new ConfigError(path, `expected true or false, got ${describe(value)}`);
  }
  return value;
}

export function expectInteger(value: unknown, path: string, min = 0): number {
  if (typeof value === "bigint") value = Number(value);
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new ConfigError(path, `expected an integer, got ${describe(value)}`);
  }
  if (value < min) throw new ConfigError(path, `expected an integer of at least ${min}`);
  return value;
}

/** A string, or an array of strings (a directive with one or several arguments). */
export function expectStringList(value: unknown, path: string): string[] {
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) {
    throw new ConfigError(path, `expected a string or an array of strings, got ${describe(value)}`);
  }
  return value.map((v, i) => expectString(v, `${path}[${i}]`));
}

/** Rejects keys of `table` not in `known`. */
export function rejectUnknownKeys(table: Table, known: readonly string[], path: string): void {
  for (const key of Object.keys(table)) {
    if (!known.includes(key)) {
      const full = path ? `${path}.${key}` : key;
      throw new ConfigError(full, `unknown key (known keys: ${known.join(", ")})`);
    }
  }
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  B: 1,
  K: 1024,
  KB: 1024,
  KIB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  MIB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  GIB: 1024 ** 3,
};

/** A size: an integer of bytes, or a string with a unit ("32M", "512K", "1G"). */
export function parseSize(value: unknown, path: string): number {
  if (typeof value === "number" || typeof value === "bigint") return expectInteger(value, path);
  const text = expectString(value, path).trim();
  const match = /^(\d+)\s*([a-zA-Z]*)$/.exec(text);
  const unit = match ? SIZE_UNITS[match[2].toUpperCase()] : undefined;
  if (!match || unit === undefined) {
    throw new ConfigError(path, `invalid size ${JSON.stringify(text)} (expected e.g. "32M")`);
  }
  return Number(match[1]) * unit;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A duration string ("30s", "5m", "1h30m", "250ms"), returned in milliseconds. */
export function parseDuration(value: unknown, path: string): number {
  const text = expectString(value, path).trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    consumed += m[0].length;
  }
  if (text.length === 0 || consumed !== text.length) {
    throw new ConfigError(path, `invalid duration ${JSON.stringify(text)} (expected e.g. "30s")`);
  }
  return total;
}

/** A username normalization function's name (`auth_map_normalize` and friends). */
export function parseNormalizer(value: unknown, path: string): NormalizerName {
  const name = expectString(value, path);
  const found = NORMALIZER_NAMES.find((n) => n === name);
  if (!found) {
    throw new ConfigError(
      path,
      `unknown normalization function ${JSON.stringify(name)} (known: ${
        NORMALIZER_NAMES.join(", ")
      })`,
    );
  }
  return found;
}
