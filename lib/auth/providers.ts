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
import { type AuthOptions, LIBEXEC_DIRECTORY } from "../config/types.ts";
import { buildTable } from "../tables/build.ts";
import { isMutableTable, type MutableTable, type Table } from "../tables/table.ts";
import { hashPassword, verifyPassword } from "./hash.ts";
import { NormalizeError, precisUsername } from "./normalize.ts";
import { loadPam, pamAuthenticate, PamError } from "./pam.ts";

export type AuthResult = "ok" | "failed" | "unavailable";

export interface AuthProvider {
  authenticate(username: string, password: string): Promise<AuthResult>;
  close?(): Promise<void>;
}

/**
 * Builds the provider for `options`: one provider, or a chain tried in order
 * (lib/config translated `auth` into this list).
 */
export async function buildAuthProvider(options: readonly AuthOptions[]): Promise<AuthProvider> {
  const providers: AuthProvider[] = [];
  try {
    for (const o of options) providers.push(await buildProvider(o));
  } catch (e) {
    for (const p of providers) await p.close?.();
    throw e;
  }
  return providers.length === 1 ? providers[0] : new ChainProvider(providers);
}

async function buildProvider(options: AuthOptions): Promise<AuthProvider> {
  switch (options.module) {
    case "pass_table":
      return new PassTableProvider(await buildTable(options.table));
    case "external": {
      await requireFile(options.helper, options.helperPath);
      const { perDomain, domains } = options;
      return new ExternalProvider(options.helper, { perDomain, domains });
    }
    case "pam": {
      if (options.useHelper) {
        const helper = `${LIBEXEC_DIRECTORY}/maddy-pam-helper`;
        await requireFile(helper, `${options.path}.use_helper`);
        return new ExternalProvider(helper, null);
      }
      try {
        loadPam();
      } catch (e) {
        if (e instanceof PamError) throw new ConfigError(options.path, e.message);
        throw e;
      }
      return new PamProvider();
    }
  }
}

async function requireFile(file: string, path: string): Promise<void> {
  try {
    await Deno.stat(file);
  } catch {
    throw new ConfigError(path, `helper ${JSON.stringify(file)} does not exist`);
  }
}

/**
 * The credentials table of an `[auth.pass_table.NAME]` block when it is
 * mutable, for the creds CLI; null when the block's table cannot be changed.
 */
export async function openCredentialsTable(
  options: AuthOptions & { module: "pass_table" },
): Promise<MutableTable | null> {
  const table = await buildTable(options.table);
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
  #domainRule: { perDomain: boolean; domains: readonly string[] | null } | null;

  /** `domainRule` null passes the username as is (maddy-pam-helper). */
  constructor(
    helper: string,
    domainRule: { perDomain: boolean; domains: readonly string[] | null } | null,
  ) {
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
  domains: readonly string[] | null,
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
