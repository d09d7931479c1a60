/**
 * Authentication providers selected by the `auth` directive, as maddy's
 * `auth.pass_table`, `auth.external` and `auth.pam` modules:
 *
 * | maddy                                  | TOML                                                  |
 * | -------------------------------------- | ----------------------------------------------------- |
 * | `auth &local_authdb`                   | `auth = "&local_authdb"` + `[auth.pass_table.local_authdb]` `table = ...` |
 * | `auth pass_table file /etc/passwd`     | `auth = { module = "pass_table", table = { module = "file", file = "/etc/passwd" } }` |
 * | `auth pam`                             | `auth = "pam"` or `{ module = "pam", use_helper = false }` |
 * | `auth.external { helper ...; perdomain; domains }` | `{ module = "external", helper = "...", perdomain = false, domains = [...] }` |
 * | several `auth` lines                   | `auth = ["&a", "pam"]` (tried in order)               |
 *
 * A provider answers "ok", "failed" (wrong credentials or unknown user), or
 * "unavailable" (the backend could not decide: database down, helper
 * crashed); the IMAP layer maps the last to `[UNAVAILABLE]`.
 */
import { ConfigError } from "../config/errors.ts";
import {
  describe,
  expectBoolean,
  expectString,
  expectStringList,
  isTable,
  rejectUnknownKeys,
} from "../config/values.ts";
import { hashPassword, verifyPassword } from "./hash.ts";
import { NormalizeError, precisUsername } from "./normalize.ts";
import { loadPam, pamAuthenticate, PamError } from "./pam.ts";
import {
  buildTable,
  inlineModule,
  isMutableTable,
  type ModuleContext,
  type MutableTable,
  type Table,
} from "./tables.ts";

export type { ModuleContext } from "./tables.ts";

export type AuthResult = "ok" | "failed" | "unavailable";

export interface AuthProvider {
  authenticate(username: string, password: string): Promise<AuthResult>;
  close?(): Promise<void>;
}

const AUTH_MODULES = ["pass_table", "external", "pam"] as const;

/** Where maddy looks for its helpers (config.LibexecDirectory). */
export const LIBEXEC_DIRECTORY = "/usr/lib/maddy";

/**
 * Builds the provider an `auth` value names: `"&name"`, `"pam"`, an inline
 * module table, or an array of those tried in order.
 */
export async function buildAuthProvider(
  spec: unknown,
  path: string,
  ctx: ModuleContext,
): Promise<AuthProvider> {
  if (Array.isArray(spec)) {
    if (spec.length === 0) throw new ConfigError(path, "expected at least one auth provider");
    const providers: AuthProvider[] = [];
    for (let i = 0; i < spec.length; i++) {
      providers.push(await buildAuthProvider(spec[i], `${path}[${i}]`, ctx));
    }
    return providers.length === 1 ? providers[0] : new ChainProvider(providers);
  }
  if (typeof spec === "string") {
    if (spec.startsWith("&")) {
      const found = ctx.resolve(spec);
      if (!found.type.startsWith("auth.")) {
        throw new ConfigError(
          path,
          `${spec} refers to [${found.type}.${found.name}], not an auth module`,
        );
      }
      return await buildModule(found.type.slice("auth.".length), found.body, found.path, ctx);
    }
    return await buildModule(spec, {}, path, ctx, true);
  }
  if (isTable(spec)) {
    const { module, body } = inlineModule(spec, "auth", path);
    return await buildModule(module, body, path, ctx);
  }
  throw new ConfigError(
    path,
    `expected "&name", "pam", an inline table or an array, got ${describe(spec)}`,
  );
}

async function buildModule(
  module: string,
  body: Record<string, unknown>,
  path: string,
  ctx: ModuleContext,
  bare = false,
): Promise<AuthProvider> {
  const known = (keys: string[]) => rejectUnknownKeys(body, bare ? [] : ["module", ...keys], path);
  switch (module) {
    case "pass_table": {
      known(["table"]);
      if (bare || body.table === undefined) throw new ConfigError(path, `pass_table needs "table"`);
      return new PassTableProvider(await buildTable(body.table, `${path}.table`, ctx));
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
      await requireFile(helper, body.helper === undefined ? path : `${path}.helper`);
      return new ExternalProvider(helper, { perDomain, domains });
    }
    case "pam": {
      known(["debug", "use_helper"]);
      if (body.debug !== undefined) expectBoolean(body.debug, `${path}.debug`);
      const useHelper = body.use_helper === undefined
        ? false
        : expectBoolean(body.use_helper, `${path}.use_helper`);
      if (useHelper) {
        const helper = `${LIBEXEC_DIRECTORY}/maddy-pam-helper`;
        await requireFile(helper, `${path}.use_helper`);
        return new ExternalProvider(helper, null);
      }
      try {
        loadPam();
      } catch (e) {
        if (e instanceof PamError) throw new ConfigError(path, e.message);
        throw e;
      }
      return new PamProvider();
    }
  }
  throw new ConfigError(
    path,
    `unknown auth module ${JSON.stringify(module)} (known: ${AUTH_MODULES.join(", ")})`,
  );
}

async function requireFile(file: string, path: string): Promise<void> {
  try {
    await Deno.stat(file);
  } catch {
    throw new ConfigError(path, `helper ${JSON.stringify(file)} does not exist`);
  }
}

/**
 * The credentials table of the `[auth.pass_table.NAME]` block (maddy's
 * `--cfg-block`, default "local_authdb") when it is mutable, for the creds
 * CLI; null when the block's table cannot be changed.
 */
export async function openCredentialsTable(
  ctx: ModuleContext,
  blockName = "local_authdb",
): Promise<MutableTable | null> {
  const found = ctx.resolve(`&${blockName}`);
  if (found.type !== "auth.pass_table") {
    throw new ConfigError(
      found.path,
      `[${found.type}.${found.name}] is not an auth.pass_table block`,
    );
  }
  if (found.body.table === undefined) throw new ConfigError(found.path, `pass_table needs "table"`);
  const table = await buildTable(found.body.table, `${found.path}.table`, ctx);
  if (isMutableTable(table)) return table;
  await table.close?.();
  return null;
}

// ---------------------------------------------------------------------------

class ChainProvider implements AuthProvider {
  #providers: AuthProvider[];
  constructor(providers: AuthProvider[]) {
    this.#providers = providers;
  }

  /** The first "ok" wins; "unavailable" if any backend was, else "failed". */
  async authenticate(username: string, password: string): Promise<AuthResult> {
    let result: AuthResult = "failed";
    for (const p of this.#providers) {
      const r = await p.authenticate(username, password);
      if (r === "ok") return "ok";
      if (r === "unavailable") result = "unavailable";
    }
    return result;
  }

  async close(): Promise<void> {
    for (const p of this.#providers) await p.close?.();
  }
}

let dummyHash: Promise<string> | null = null;

/**
 * A hash with the parameters new passwords get, made once, so an unknown
 * username costs the same as a wrong password (no user enumeration by time).
 */
export function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  return dummyHash;
}

/**
 * maddy's `auth.pass_table`: the table maps the PRECIS UsernameCaseMapped
 * form of the username to a stored hash (see hash.ts).
 */
export class PassTableProvider implements AuthProvider {
  readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  async authenticate(username: string, password: string): Promise<AuthResult> {
    let stored: string | null = null;
    try {
      stored = await this.table.lookup(precisUsername(username, true));
    } catch (e) {
      if (!(e instanceof NormalizeError)) return "unavailable";
    }
    if (stored === null) {
      await verifyPassword(password, await getDummyHash());
      return "failed";
    }
    return (await verifyPassword(password, stored)) ? "ok" : "failed";
  }

  async close(): Promise<void> {
    await this.table.close?.();
  }
}

const HELPER_TIMEOUT_MS = 30_000;

/**
 * maddy's `auth.external`: the helper gets "username\npassword\n" on stdin;
 * exit 0 accepts, 1 rejects, anything else is an error. Without perdomain the
 * domain is stripped (and must be in `domains` when that is set); with
 * perdomain the full address is passed and its domain must be listed.
 */
export class ExternalProvider implements AuthProvider {
  #helper: string;
  #domainRule: { perDomain: boolean; domains: string[] | null } | null;

  /** `domainRule` null passes the username as is (maddy-pam-helper). */
  constructor(helper: string, domainRule: { perDomain: boolean; domains: string[] | null } | null) {
    this.#helper = helper;
    this.#domainRule = domainRule;
  }

  async authenticate(username: string, password: string): Promise<AuthResult> {
    const account = this.#domainRule === null
      ? username
      : checkDomainAuth(username, this.#domainRule.perDomain, this.#domainRule.domains);
    if (account === null) return "failed";
    if (account.includes("\n") || password.includes("\n")) return "failed";
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(this.#helper, {
        stdin: "piped",
        stdout: "null",
        stderr: "piped",
      }).spawn();
    } catch {
      return "unavailable";
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, HELPER_TIMEOUT_MS);
    try {
      const writer = child.stdin.getWriter();
      try {
        await writer.write(new TextEncoder().encode(`${account}\n${password}\n`));
        await writer.close();
      } catch {
        // The helper may exit without reading; its status decides.
      }
      const { code } = await child.output();
      if (code === 0) return "ok";
      if (code === 1) return "failed";
      return "unavailable";
    } catch {
      return "unavailable";
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * maddy's auth.CheckDomainAuth: the account name to check, or null to
 * refuse. A username with a domain is refused unless `domains` lists it.
 */
export function checkDomainAuth(
  username: string,
  perDomain: boolean,
  domains: string[] | null,
): string | null {
  const parts = username.split("@");
  let account: string;
  let domain = "";
  if (perDomain) {
    if (parts.length !== 2) return null;
    domain = parts[1];
    account = username;
  } else {
    account = parts[0];
    if (parts.length === 2) domain = parts[1];
  }
  if (domain === "") return account;
  if (domains === null) return null;
  const d = domain.toLowerCase();
  return domains.some((x) => x.toLowerCase() === d) ? account : null;
}

/** maddy's `auth.pam` through libpam (see pam.ts). */
export class PamProvider implements AuthProvider {
  #service: string;
  #confdir: string | undefined;

  constructor(options: { service?: string; confdir?: string } = {}) {
    this.#service = options.service ?? "maddy";
    this.#confdir = options.confdir;
  }

  async authenticate(username: string, password: string): Promise<AuthResult> {
    try {
      return await pamAuthenticate(username, password, {
        service: this.#service,
        confdir: this.#confdir,
      });
    } catch {
      return "unavailable";
    }
  }
}
