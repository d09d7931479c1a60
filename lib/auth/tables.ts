/**
 * maddy's table modules (maddy-tables(5)) translated to TOML by CONFIG.md:
 *
 * | maddy                                   | TOML spec                                              |
 * | --------------------------------------- | ------------------------------------------------------ |
 * | `identity`                              | `"identity"`                                           |
 * | `email_localpart[_optional]`            | `"email_localpart"` / `"email_localpart_optional"`     |
 * | `email_with_domain D1 D2`               | `{ module = "email_with_domain", domains = ["D1", "D2"] }` |
 * | `static { entry K V }`                  | `{ module = "static", entries = { K = "V" } }`         |
 * | `regexp RE REPL { full_match no }`      | `{ module = "regexp", regexp = "RE", replacement = "REPL", full_match = false }` |
 * | `file PATH`                             | `{ module = "file", file = "PATH" }`                   |
 * | `chain { step A; optional_step B }`     | `{ module = "chain", step = [A, { optional_step = B }] }` |
 * | `sql_query { driver; dsn; lookup ... }` | `{ module = "sql_query", driver, dsn, lookup, init, named_args, add, list, set, del }` |
 * | `sql_table { ... }`                     | `{ module = "sql_table", driver, dsn, table_name, key_column, value_column }` |
 * | `&name` (`table.regexp name { ... }`)   | `"&name"` with `[table.regexp.name]`                   |
 *
 * Relative file paths and DSNs are taken from `state_dir`.
 */
import { isAbsolute, join } from "node:path";
import { ConfigError } from "../config/errors.ts";
import {
  describe,
  expectBoolean,
  expectString,
  expectStringList,
  isTable,
  rejectUnknownKeys,
} from "../config/values.ts";
import { checkDriver, openSqlDb, type SqlDb, type SqlParams } from "./_sqlite.ts";

export interface Table {
  /** The value for `key`, or null when the table has none. */
  lookup(key: string): Promise<string | null>;
  close?(): Promise<void>;
}

/** A table the credentials CLI can change (maddy's MutableTable). */
export interface MutableTable extends Table {
  keys(): Promise<string[]>;
  set(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
}

export function isMutableTable(table: Table): table is MutableTable {
  const t = table as Partial<MutableTable>;
  return typeof t.keys === "function" && typeof t.set === "function" &&
    typeof t.remove === "function";
}

/** What a module needs from the rest of the configuration. */
/**
 * An inline module table (`{ module = "NAME", ... }`, CONFIG.md rule 5): its
 * module name without the namespace prefix (`table.`/`auth.`), and the rest.
 */
export function inlineModule(
  spec: Record<string, unknown>,
  namespace: "table" | "auth",
  path: string,
): { module: string; body: Record<string, unknown> } {
  const module = spec.module;
  if (typeof module !== "string") {
    throw new ConfigError(
      `${path}.module`,
      `expected ${namespace === "auth" ? "an auth" : "a table"} module name, got ${
        describe(module)
      }`,
    );
  }
  const { module: _, ...body } = spec;
  return { module: module.replace(new RegExp(`^${namespace}\\.`), ""), body };
}

export interface ModuleContext {
  stateDir: string;
  /**
   * Finds the named module block for `"&name"` (`[TYPE.name]`, e.g.
   * `[table.regexp.name]`); throws ConfigError for an unknown name.
   */
  resolve(ref: string): { type: string; name: string; body: Record<string, unknown>; path: string };
}

const TABLE_MODULES = [
  "identity",
  "email_localpart",
  "email_localpart_optional",
  "email_with_domain",
  "static",
  "regexp",
  "file",
  "chain",
  "sql_query",
  "sql_table",
] as const;

/** Builds the table a config value names (a string or an inline module table). */
export async function buildTable(
  spec: unknown,
  path: string,
  ctx: ModuleContext,
): Promise<Table> {
  if (typeof spec === "string") {
    if (spec.startsWith("&")) {
      const found = ctx.resolve(spec);
      if (!found.type.startsWith("table.")) {
        throw new ConfigError(path, `${spec} refers to [${found.type}.${found.name}], not a table`);
      }
      const module = found.type.slice("table.".length);
      return await buildModule(module, found.body, found.path, ctx);
    }
    return await buildModule(spec, {}, path, ctx, true);
  }
  if (isTable(spec)) {
    const { module, body } = inlineModule(spec, "table", path);
    return await buildModule(module, body, path, ctx);
  }
  throw new ConfigError(
    path,
    `expected a table name, "&ref" or inline table, got ${describe(spec)}`,
  );
}

async function buildModule(
  module: string,
  body: Record<string, unknown>,
  path: string,
  ctx: ModuleContext,
  bare = false,
): Promise<Table> {
  const known = (keys: string[]) => rejectUnknownKeys(body, bare ? [] : ["module", ...keys], path);
  switch (module) {
    case "identity":
      known([]);
      return { lookup: (key) => Promise.resolve(key) };
    case "email_localpart":
      known([]);
      return { lookup: (key) => Promise.resolve(emailLocalpart(key)) };
    case "email_localpart_optional":
      known([]);
      return {
        lookup: (key) => Promise.resolve(emailLocalpart(key) ?? key),
      };
    case "email_with_domain": {
      known(["domains"]);
      if (bare || body.domains === undefined) {
        throw new ConfigError(path, `email_with_domain needs at least one domain in "domains"`);
      }
      const domains = expectStringList(body.domains, `${path}.domains`);
      if (domains.length === 0) {
        throw new ConfigError(`${path}.domains`, "at least one domain is required");
      }
      domains.forEach((d, i) => {
        if (!/^[^\s@]+$/.test(d)) {
          throw new ConfigError(`${path}.domains[${i}]`, `invalid domain ${JSON.stringify(d)}`);
        }
      });
      return { lookup: (key) => Promise.resolve(`${quoteMbox(key)}@${domains[0]}`) };
    }
    case "static":
      known(["entries"]);
      return buildStatic(body, path);
    case "regexp":
      known(["regexp", "replacement", "full_match", "case_insensitive", "expand_placeholders"]);
      return buildRegexp(body, path);
    case "file": {
      known(["file"]);
      if (body.file === undefined) throw new ConfigError(path, `file table needs "file"`);
      const file = expectString(body.file, `${path}.file`);
      const table = new FileTable(isAbsolute(file) ? file : join(ctx.stateDir, file));
      await table.load(path);
      return table;
    }
    case "chain":
      known(["step"]);
      return await buildChain(body, path, ctx);
    case "sql_query":
      known(["driver", "dsn", "lookup", "init", "named_args", "add", "list", "set", "del"]);
      return await buildSqlQuery(body, path, ctx);
    case "sql_table":
      known(["driver", "dsn", "table_name", "key_column", "value_column"]);
      return buildSqlTable(body, path, ctx);
  }
  throw new ConfigError(
    path,
    `unknown table module ${JSON.stringify(module)} (known: ${TABLE_MODULES.join(", ")})`,
  );
}

// ---------------------------------------------------------------------------
// email_localpart, email_with_domain

/**
 * The unquoted local part of an address, or null for a string that is not
 * one (maddy's address.Split + UnquoteMbox: `"a b"@x` gives `a b`).
 */
export function emailLocalpart(key: string): string | null {
  if (key.toLowerCase() === "postmaster") return key;
  const at = key.lastIndexOf("@");
  if (at <= 0 || at === key.length - 1) return null;
  return unquoteMbox(key.slice(0, at));
}

function unquoteMbox(mbox: string): string | null {
  let quoted = false;
  let escaped = false;
  let closed = false;
  let out = "";
  for (const ch of mbox) {
    if (closed) return null; // the closing quote must end the local part
    if (ch === '"' && !escaped) {
      quoted = !quoted;
      if (!quoted) closed = true;
      continue;
    }
    if (ch === "\\" && !escaped) {
      if (!quoted) return null;
      escaped = true;
      continue;
    }
    if (ch === "@" && !quoted) return null;
    escaped = false;
    out += ch;
  }
  return out === "" ? null : out;
}

/** Quotes a local part that is not a dot-atom (RFC 5321 §4.1.2). */
function quoteMbox(mbox: string): string {
  if (
    /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+(\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+)*$/u
      .test(mbox)
  ) {
    return mbox;
  }
  return `"${mbox.replace(/(["\\])/g, "\\$1")}"`;
}

// ---------------------------------------------------------------------------
// static

function buildStatic(body: Record<string, unknown>, path: string): Table {
  const entries = new Map<string, string>();
  if (body.entries !== undefined) {
    if (!isTable(body.entries)) {
      throw new ConfigError(
        `${path}.entries`,
        `expected a table of strings, got ${describe(body.entries)}`,
      );
    }
    for (const [k, v] of Object.entries(body.entries)) {
      entries.set(k, expectString(v, `${path}.entries.${JSON.stringify(k)}`));
    }
  }
  return { lookup: (key) => Promise.resolve(entries.get(key) ?? null) };
}

// ---------------------------------------------------------------------------
// regexp

function buildRegexp(body: Record<string, unknown>, path: string): Table {
  if (body.regexp === undefined) throw new ConfigError(path, `regexp table needs "regexp"`);
  let source = expectString(body.regexp, `${path}.regexp`);
  const replacement = body.replacement === undefined
    ? null
    : expectString(body.replacement, `${path}.replacement`);
  const flag = (
    k: string,
  ) => (body[k] === undefined ? true : expectBoolean(body[k], `${path}.${k}`));
  const fullMatch = flag("full_match");
  const caseInsensitive = flag("case_insensitive");
  const expand = flag("expand_placeholders");
  // Go's RE2 syntax spells named groups (?P<name>...); JavaScript (?<name>...).
  source = source.replace(/\(\?P</g, "(?<");
  // A leading RE2 flag group "(?i)" has no JavaScript spelling: use the flag.
  let forceInsensitive = false;
  if (source.startsWith("(?i)")) {
    source = source.slice(4);
    forceInsensitive = true;
  }
  if (fullMatch) {
    if (!source.startsWith("^")) source = "^" + source;
    if (!source.endsWith("$")) source = source + "$";
  }
  let re: RegExp;
  try {
    re = new RegExp(source, caseInsensitive || forceInsensitive ? "iu" : "u");
  } catch (e) {
    throw new ConfigError(`${path}.regexp`, `invalid regular expression: ${(e as Error).message}`);
  }
  return {
    lookup(key) {
      const m = re.exec(key);
      if (!m) return Promise.resolve(null);
      if (replacement === null) return Promise.resolve(key);
      return Promise.resolve(expand ? expandTemplate(replacement, m) : replacement);
    },
  };
}

/**
 * Go's regexp.Expand: `$$` is a literal `$`; `$name` takes the longest run
 * of letters, digits and underscores (so `$1x` is group "1x", empty), and
 * `${name}` delimits it; a number names a group by index; an unknown group
 * expands to nothing.
 */
function expandTemplate(template: string, m: RegExpExecArray): string {
  return template.replace(
    /\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g,
    (all, _x, braced, bare) => {
      if (all === "$$") return "$";
      const name: string = braced ?? bare;
      if (/^\d+$/.test(name)) return m[Number(name)] ?? "";
      return m.groups?.[name] ?? "";
    },
  );
}

// ---------------------------------------------------------------------------
// file

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

// ---------------------------------------------------------------------------
// chain

async function buildChain(
  body: Record<string, unknown>,
  path: string,
  ctx: ModuleContext,
): Promise<Table> {
  if (!Array.isArray(body.step) || body.step.length === 0) {
    throw new ConfigError(
      `${path}.step`,
      `expected a non-empty array of tables, got ${describe(body.step)}`,
    );
  }
  const steps: { table: Table; optional: boolean }[] = [];
  for (let i = 0; i < body.step.length; i++) {
    const item = body.step[i];
    const p = `${path}.step[${i}]`;
    if (isTable(item) && "optional_step" in item) {
      rejectUnknownKeys(item, ["optional_step"], p);
      steps.push({
        table: await buildTable(item.optional_step, `${p}.optional_step`, ctx),
        optional: true,
      });
    } else {
      steps.push({ table: await buildTable(item, p, ctx), optional: false });
    }
  }
  return {
    async lookup(key) {
      let value = key;
      for (const step of steps) {
        const next = await step.table.lookup(value);
        if (next === null) {
          if (step.optional) continue;
          return null;
        }
        value = next;
      }
      return value;
    },
    async close() {
      for (const step of steps) await step.table.close?.();
    },
  };
}

// ---------------------------------------------------------------------------
// sql_query, sql_table

interface SqlQueries {
  lookup: string;
  list?: string;
  add?: string;
  set?: string;
  del?: string;
}

/**
 * A table over SQL queries. With `namedArgs` the key and value bind to
 * `:key` and `:value`; otherwise to `$1` and `$2`, which are rewritten to
 * SQLite's `?1` and `?2` (in SQLite, `$1` would be a parameter named "$1").
 */
class SqlQueryTable implements MutableTable {
  #db: SqlDb;
  #q: SqlQueries;
  #namedArgs: boolean;

  constructor(db: SqlDb, queries: SqlQueries, namedArgs: boolean) {
    this.#db = db;
    this.#namedArgs = namedArgs;
    const fix = (
      sql: string | undefined,
    ) => (sql === undefined || namedArgs ? sql : sql.replace(/\$(\d+)/g, "?$1"));
    this.#q = {
      lookup: fix(queries.lookup)!,
      list: fix(queries.list),
      add: fix(queries.add),
      set: fix(queries.set),
      del: fix(queries.del),
    };
  }

  #params(key: string, value?: string): SqlParams {
    if (this.#namedArgs) return value === undefined ? { key } : { key, value };
    return value === undefined ? [key] : [key, value];
  }

  lookup(key: string): Promise<string | null> {
    return Promise.resolve(this.#db.value(this.#q.lookup, this.#params(key)));
  }

  keys(): Promise<string[]> {
    if (!this.#q.list) return Promise.reject(new Error("Table has no list query"));
    return Promise.resolve(this.#db.column(this.#q.list, this.#namedArgs ? {} : []));
  }

  /** Sets `key`: updates an existing row, adds one otherwise. */
  set(key: string, value: string): Promise<void> {
    if (!this.#q.set && !this.#q.add) {
      return Promise.reject(new Error("Table has no set or add query"));
    }
    const params = this.#params(key, value);
    if (this.#q.set && this.#db.run(this.#q.set, params) > 0) return Promise.resolve();
    if (!this.#q.add) return Promise.reject(new Error(`No entry ${JSON.stringify(key)} to set`));
    this.#db.run(this.#q.add, params);
    return Promise.resolve();
  }

  remove(key: string): Promise<void> {
    if (!this.#q.del) return Promise.reject(new Error("Table has no del query"));
    this.#db.run(this.#q.del, this.#params(key));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#db.close();
    return Promise.resolve();
  }
}

function openFromBody(body: Record<string, unknown>, path: string, ctx: ModuleContext): SqlDb {
  checkDriver(body.driver, `${path}.driver`);
  if (body.dsn === undefined) throw new ConfigError(path, `"dsn" is required`);
  // maddy's dsn may be several arguments joined by spaces.
  const dsn = expectStringList(body.dsn, `${path}.dsn`).join(" ");
  try {
    return openSqlDb(dsn, ctx.stateDir);
  } catch (e) {
    throw new ConfigError(
      `${path}.dsn`,
      `cannot open ${JSON.stringify(dsn)}: ${(e as Error).message}`,
    );
  }
}

async function buildSqlQuery(
  body: Record<string, unknown>,
  path: string,
  ctx: ModuleContext,
): Promise<Table> {
  if (body.lookup === undefined) throw new ConfigError(path, `"lookup" is required`);
  const q = (
    k: string,
  ) => (body[k] === undefined ? undefined : expectString(body[k], `${path}.${k}`));
  const queries: SqlQueries = {
    lookup: q("lookup")!,
    list: q("list"),
    add: q("add"),
    set: q("set"),
    del: q("del"),
  };
  const namedArgs = body.named_args === undefined
    ? true
    : expectBoolean(body.named_args, `${path}.named_args`);
  const init = body.init === undefined ? [] : expectStringList(body.init, `${path}.init`);
  const db = openFromBody(body, path, ctx);
  try {
    for (const sql of init) db.exec(sql);
    const table = new SqlQueryTable(db, queries, namedArgs);
    // Run the lookup once so a typo is a start-up error, not a login failure.
    await table.lookup("");
    return table;
  } catch (e) {
    db.close();
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(path, `SQL error: ${(e as Error).message}`);
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * maddy's `table.sql_table`: a key/value table, created when missing, whose
 * queries sql_query runs. Mutable, so `creds` can manage it.
 */
function buildSqlTable(
  body: Record<string, unknown>,
  path: string,
  ctx: ModuleContext,
): MutableTable {
  const ident = (k: string, dflt?: string) => {
    if (body[k] === undefined) {
      if (dflt === undefined) throw new ConfigError(path, `"${k}" is required`);
      return dflt;
    }
    const v = expectString(body[k], `${path}.${k}`);
    if (!IDENT.test(v)) {
      throw new ConfigError(`${path}.${k}`, `invalid SQL identifier ${JSON.stringify(v)}`);
    }
    return v;
  };
  const table = ident("table_name");
  const key = ident("key_column", "key");
  const value = ident("value_column", "value");
  const db = openFromBody(body, path, ctx);
  try {
    db.exec(
      `CREATE TABLE IF NOT EXISTS "${table}" ("${key}" LONGTEXT PRIMARY KEY NOT NULL, "${value}" LONGTEXT NOT NULL)`,
    );
  } catch (e) {
    db.close();
    throw new ConfigError(path, `SQL error: ${(e as Error).message}`);
  }
  return new SqlQueryTable(db, {
    lookup: `SELECT "${value}" FROM "${table}" WHERE "${key}" = :key`,
    list: `SELECT "${key}" FROM "${table}" ORDER BY "${key}"`,
    add: `INSERT INTO "${table}" ("${key}", "${value}") VALUES (:key, :value)`,
    set: `UPDATE "${table}" SET "${value}" = :value WHERE "${key}" = :key`,
    del: `DELETE FROM "${table}" WHERE "${key}" = :key`,
  }, true);
}
