/**
 * Module bodies translated into typed options: tables (maddy-tables(5)),
 * auth providers and storage, whether named blocks (`[table.regexp.NAME]`,
 * referred to as `"&NAME"`), bare names (`"identity"`, `"pam"`) or inline
 * tables with a `module` key (CONFIG.md rule 5). Every check that needs no
 * I/O happens here, so a config that translates names no unknown key, no
 * dangling reference and no bad value; opening files and databases is the
 * subsystems' part.
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
 * | `auth &local_authdb`                    | `auth = "&local_authdb"` + `[auth.pass_table.local_authdb]` `table = ...` |
 * | `auth pass_table file /etc/passwd`      | `auth = { module = "pass_table", table = { module = "file", file = "/etc/passwd" } }` |
 * | `auth pam`                              | `auth = "pam"` or `{ module = "pam", use_helper = false }` |
 * | `auth.external { helper; perdomain; domains }` | `{ module = "external", helper = "...", perdomain = false, domains = [...] }` |
 * | several `auth` lines                    | `auth = ["&a", "pam"]` (tried in order)                |
 *
 * Relative file paths and DSNs of tables are taken from `state_dir`.
 */
import { isAbsolute, join } from "node:path";
import { ConfigError } from "./errors.ts";
import {
  describe,
  expectBoolean,
  expectString,
  expectStringList,
  isTable,
  rejectUnknownKeys,
  type Table,
} from "./values.ts";
import { parseImapSqlConfig } from "./storage.ts";
import {
  type AuthOptions,
  LIBEXEC_DIRECTORY,
  type NamedModule,
  type SqlDbOptions,
  type StorageOptions,
  type TableOptions,
} from "./types.ts";

/** Module namespaces and the module types each may hold. */
export const MODULE_TYPES: Record<string, readonly string[]> = {
  storage: ["imapsql"],
  auth: ["pass_table", "external", "pam"],
  table: [
    "static",
    "regexp",
    "file",
    "sql_query",
    "sql_table",
    "chain",
    "identity",
    "email_localpart",
    "email_localpart_optional",
    "email_with_domain",
  ],
};

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

const AUTH_MODULES = ["pass_table", "external", "pam"] as const;

/** A named module table `[TYPE.NAME]` as the TOML has it. */
export interface RawModule {
  type: string;
  name: string;
  body: Table;
  path: string;
}

/** What translating a module needs: the state dir and the named blocks (translated once each). */
export class ModuleScope {
  readonly stateDir: string;
  readonly #raw: ReadonlyMap<string, RawModule>;
  readonly #done = new Map<string, NamedModule>();
  readonly #busy = new Set<string>();

  constructor(stateDir: string, raw: ReadonlyMap<string, RawModule>) {
    this.stateDir = stateDir;
    this.#raw = raw;
  }

  /** Every named block, translated. */
  all(): Map<string, NamedModule> {
    for (const name of this.#raw.keys()) this.named(name, this.#raw.get(name)!.path);
    return new Map(this.#done);
  }

  /** The translated block `name`; `path` is where the reference stands. */
  named(name: string, path: string): NamedModule {
    const done = this.#done.get(name);
    if (done) return done;
    const raw = this.#raw.get(name);
    if (!raw) throw new ConfigError(path, `unknown module reference ${JSON.stringify(`&${name}`)}`);
    if (this.#busy.has(name)) {
      throw new ConfigError(path, `module reference "&${name}" refers to itself`);
    }
    this.#busy.add(name);
    try {
      const [ns, type] = [
        raw.type.slice(0, raw.type.indexOf(".")),
        raw.type.slice(raw.type.indexOf(".") + 1),
      ];
      let mod: NamedModule;
      if (ns === "table") {
        mod = {
          kind: "table",
          type: raw.type,
          name,
          path: raw.path,
          table: tableModule(type, moduleBody(raw.body, raw.path, this, false, name)),
        };
      } else if (ns === "auth") {
        mod = {
          kind: "auth",
          type: raw.type,
          name,
          path: raw.path,
          auth: authModule(type, moduleBody(raw.body, raw.path, this, false, name)),
        };
      } else {
        mod = {
          kind: "storage",
          type: "storage.imapsql",
          name,
          path: raw.path,
          storage: {
            key: name,
            path: raw.path,
            options: parseImapSqlConfig(raw.body, raw.path, this),
          },
        };
      }
      this.#done.set(name, mod);
      return mod;
    } finally {
      this.#busy.delete(name);
    }
  }
}

/**
 * An inline module table (`{ module = "NAME", ... }`, CONFIG.md rule 5): its
 * module name without the namespace prefix (`table.`/`auth.`), and the rest.
 */
function inlineModule(
  spec: Table,
  namespace: "table" | "auth",
  path: string,
): { module: string; body: Table } {
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

// ---------------------------------------------------------------------------
// Tables

/**
 * The module a spec names in `namespace`: `"&ref"` to a named block, a bare
 * module name, or an inline table with a `module` key.
 */
function translateSpec<T>(
  spec: unknown,
  path: string,
  scope: ModuleScope,
  namespace: "table" | "auth",
  build: (module: string, body: Table, bare: boolean) => T,
  ofNamed: (found: NamedModule) => T | null,
  expected: string,
): T {
  if (typeof spec === "string") {
    if (!spec.startsWith("&")) return build(spec, {}, true);
    const found = scope.named(spec.slice(1), path);
    const named = ofNamed(found);
    if (named === null) {
      const what = namespace === "table" ? "a table" : "an auth module";
      throw new ConfigError(path, `${spec} refers to [${found.type}.${found.name}], not ${what}`);
    }
    return named;
  }
  if (isTable(spec)) {
    const { module, body } = inlineModule(spec, namespace, path);
    return build(module, body, false);
  }
  throw new ConfigError(path, `expected ${expected}, got ${describe(spec)}`);
}

/** The table a config value names: a built-in name, `"&ref"`, or an inline module table. */
export function translateTable(spec: unknown, path: string, scope: ModuleScope): TableOptions {
  return translateSpec(
    spec,
    path,
    scope,
    "table",
    (module, body, bare) => tableModule(module, moduleBody(body, path, scope, bare, null)),
    (found) => (found.kind === "table" ? found.table : null),
    'a table name, "&ref" or inline table',
  );
}

/** One module body being translated, with where it stands. */
interface ModuleBody {
  body: Table;
  path: string;
  scope: ModuleScope;
  /** A bare module name (`"identity"`, `"pam"`): no settings at all. */
  bare: boolean;
  /** What the options carry: the key path and the named block, if any. */
  base: { path: string; name: string | null };
  /** Rejects keys other than `module` and `keys` (any key, for a bare name). */
  known(keys: string[]): void;
}

function moduleBody(
  body: Table,
  path: string,
  scope: ModuleScope,
  bare: boolean,
  name: string | null,
): ModuleBody {
  return {
    body,
    path,
    scope,
    bare,
    base: { path, name },
    known: (keys) => rejectUnknownKeys(body, bare ? [] : ["module", ...keys], path),
  };
}

function tableModule(module: string, m: ModuleBody): TableOptions {
  const { body, path, scope, bare, base, known } = m;
  switch (module) {
    case "identity":
    case "email_localpart":
    case "email_localpart_optional":
      known([]);
      return { ...base, module };
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
      return { ...base, module, domains };
    }
    case "static": {
      known(["entries"]);
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
      return { ...base, module, entries };
    }
    case "regexp":
      known(["regexp", "replacement", "full_match", "case_insensitive", "expand_placeholders"]);
      return { ...base, ...regexpTable(body, path) };
    case "file": {
      known(["file"]);
      if (body.file === undefined) throw new ConfigError(path, `file table needs "file"`);
      const file = expectString(body.file, `${path}.file`);
      return { ...base, module, file: isAbsolute(file) ? file : join(scope.stateDir, file) };
    }
    case "chain":
      known(["step"]);
      return { ...base, module, steps: chainSteps(body, path, scope) };
    case "sql_query": {
      known(["driver", "dsn", "lookup", "init", "named_args", "add", "list", "set", "del"]);
      if (body.lookup === undefined) throw new ConfigError(path, `"lookup" is required`);
      const q = (k: string) =>
        body[k] === undefined ? undefined : expectString(body[k], `${path}.${k}`);
      const db = sqlDb(body, path, scope);
      return {
        ...base,
        module,
        db,
        queries: {
          lookup: q("lookup")!,
          list: q("list"),
          add: q("add"),
          set: q("set"),
          del: q("del"),
        },
        namedArgs: body.named_args === undefined
          ? true
          : expectBoolean(body.named_args, `${path}.named_args`),
        init: body.init === undefined ? [] : expectStringList(body.init, `${path}.init`),
      };
    }
    case "sql_table": {
      known(["driver", "dsn", "table_name", "key_column", "value_column"]);
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
      const tableName = ident("table_name");
      const keyColumn = ident("key_column", "key");
      const valueColumn = ident("value_column", "value");
      return { ...base, module, db: sqlDb(body, path, scope), tableName, keyColumn, valueColumn };
    }
  }
  throw new ConfigError(
    path,
    `unknown table module ${JSON.stringify(module)} (known: ${TABLE_MODULES.join(", ")})`,
  );
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function regexpTable(body: Table, path: string) {
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
  const expandPlaceholders = flag("expand_placeholders");
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
  const flags = caseInsensitive || forceInsensitive ? "iu" : "u";
  try {
    new RegExp(source, flags);
  } catch (e) {
    throw new ConfigError(`${path}.regexp`, `invalid regular expression: ${(e as Error).message}`);
  }
  return { module: "regexp" as const, source, flags, replacement, expandPlaceholders };
}

function chainSteps(body: Table, path: string, scope: ModuleScope) {
  if (!Array.isArray(body.step) || body.step.length === 0) {
    throw new ConfigError(
      `${path}.step`,
      `expected a non-empty array of tables, got ${describe(body.step)}`,
    );
  }
  return body.step.map((item, i) => {
    const p = `${path}.step[${i}]`;
    if (isTable(item) && "optional_step" in item) {
      rejectUnknownKeys(item, ["optional_step"], p);
      return {
        table: translateTable(item.optional_step, `${p}.optional_step`, scope),
        optional: true,
      };
    }
    return { table: translateTable(item, p, scope), optional: false };
  });
}

/**
 * Checks the driver (libSQL reads SQLite files; maddy's "sqlite3" is
 * accepted; "postgres"/"postgresql" take a postgres:// URL) and the DSN.
 */
function sqlDb(body: Table, path: string, scope: ModuleScope): SqlDbOptions {
  const pg = body.driver === "postgres" || body.driver === "postgresql";
  if (!pg && body.driver !== "libsql" && body.driver !== "sqlite3") {
    throw new ConfigError(
      `${path}.driver`,
      `unsupported driver ${
        JSON.stringify(body.driver)
      } (supported: "libsql", "sqlite3", "postgres", "postgresql")`,
    );
  }
  if (body.dsn === undefined) throw new ConfigError(path, `"dsn" is required`);
  // maddy's dsn may be several arguments joined by spaces.
  const dsn = expectStringList(body.dsn, `${path}.dsn`).join(" ");
  if (pg && !/^postgres(ql)?:\/\//i.test(dsn)) {
    throw new ConfigError(
      `${path}.dsn`,
      `driver "postgres" expects a postgres://user:password@host:port/database DSN`,
    );
  }
  return { driver: pg ? "postgres" : "sqlite", dsn, stateDir: scope.stateDir };
}

// ---------------------------------------------------------------------------
// Auth providers

/** The providers an `auth` value names, in order: one, or several for an array. */
export function translateAuthList(spec: unknown, path: string, scope: ModuleScope): AuthOptions[] {
  if (Array.isArray(spec)) {
    if (spec.length === 0) throw new ConfigError(path, "expected at least one auth provider");
    return spec.map((s, i) => translateAuth(s, `${path}[${i}]`, scope));
  }
  return [translateAuth(spec, path, scope)];
}

function translateAuth(spec: unknown, path: string, scope: ModuleScope): AuthOptions {
  return translateSpec(
    spec,
    path,
    scope,
    "auth",
    (module, body, bare) => authModule(module, moduleBody(body, path, scope, bare, null)),
    (found) => (found.kind === "auth" ? found.auth : null),
    '"&name", "pam", an inline table or an array',
  );
}

function authModule(module: string, m: ModuleBody): AuthOptions {
  const { body, path, scope, bare, base, known } = m;
  switch (module) {
    case "pass_table": {
      known(["table"]);
      if (bare || body.table === undefined) throw new ConfigError(path, `pass_table needs "table"`);
      return { ...base, module, table: translateTable(body.table, `${path}.table`, scope) };
    }
    case "external": {
      known(["helper", "perdomain", "domains", "debug"]);
      if (body.debug !== undefined) expectBoolean(body.debug, `${path}.debug`);
      const helper = body.helper === undefined
        ? `${LIBEXEC_DIRECTORY}/maddy-auth-helper`
        : expectString(body.helper, `${path}.helper`);
      const perDomain = body.perdomain === undefined
        ? false
        : expectBoolean(body.perdomain, `${path}.perdomain`);
      const domains = body.domains === undefined
        ? null
        : expectStringList(body.domains, `${path}.domains`);
      if (perDomain && domains === null) {
        throw new ConfigError(path, `"domains" must be set when "perdomain" is true`);
      }
      const helperPath = body.helper === undefined ? path : `${path}.helper`;
      return { ...base, module, helper, helperPath, perDomain, domains };
    }
    case "pam": {
      known(["debug", "use_helper"]);
      if (body.debug !== undefined) expectBoolean(body.debug, `${path}.debug`);
      const useHelper = body.use_helper === undefined
        ? false
        : expectBoolean(body.use_helper, `${path}.use_helper`);
      return { ...base, module, useHelper };
    }
  }
  throw new ConfigError(
    path,
    `unknown auth module ${JSON.stringify(module)} (known: ${AUTH_MODULES.join(", ")})`,
  );
}

// ---------------------------------------------------------------------------
// Storage

/** The storage an endpoint names: `"&name"` or an inline table with `module = "imapsql"`. */
export function translateStorage(spec: unknown, path: string, scope: ModuleScope): StorageOptions {
  if (typeof spec === "string" && spec.startsWith("&")) {
    const found = scope.named(spec.slice(1), path);
    if (found.kind !== "storage") {
      throw new ConfigError(
        path,
        `${JSON.stringify(spec)} is a ${found.type} module, expected a storage module`,
      );
    }
    return found.storage;
  }
  if (isTable(spec)) {
    const module = expectString(spec.module, `${path}.module`);
    if (module !== "imapsql" && module !== "storage.imapsql") {
      throw new ConfigError(
        `${path}.module`,
        `unknown storage module ${JSON.stringify(module)} (known: imapsql)`,
      );
    }
    const { module: _m, ...rest } = spec;
    return { key: `inline:${path}`, path, options: parseImapSqlConfig(rest, path, scope) };
  }
  throw new ConfigError(path, 'expected a storage module reference ("&name") or an inline table');
}
