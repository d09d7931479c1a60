/**
 * Module specs as TOML values, translated by lib/config and then built by
 * their subsystem: the same two steps a config file goes through.
 */
import { ConfigError } from "../../lib/config/errors.ts";
import {
  ModuleScope,
  type RawModule,
  translateAuthList,
  translateTable,
} from "../../lib/config/modules.ts";
import { buildTable } from "../../lib/tables/build.ts";
import type { MutableTable, Table } from "../../lib/tables/table.ts";
import {
  type AuthProvider,
  buildAuthProvider,
  openCredentialsTable,
} from "../../lib/auth/providers.ts";

/** A scope over named module blocks keyed "TYPE.NAME" (e.g. "auth.pass_table.local_authdb"). */
export function contextOf(
  stateDir: string,
  blocks: Record<string, Record<string, unknown>> = {},
): ModuleScope {
  const raw = new Map<string, RawModule>();
  for (const [key, body] of Object.entries(blocks)) {
    const dot = key.lastIndexOf(".");
    const name = key.slice(dot + 1);
    raw.set(name, { type: key.slice(0, dot), name, body, path: key });
  }
  return new ModuleScope(stateDir, raw);
}

/** Translates a table spec (a TOML value) and opens the table. */
export async function tableOf(spec: unknown, path: string, scope: ModuleScope): Promise<Table> {
  return await buildTable(translateTable(spec, path, scope));
}

/** Translates an `auth` value and builds the provider. */
export async function providerOf(
  spec: unknown,
  path: string,
  scope: ModuleScope,
): Promise<AuthProvider> {
  return await buildAuthProvider(translateAuthList(spec, path, scope));
}

/** The mutable credentials table of `[auth.pass_table.NAME]`. */
export async function credentialsOf(
  scope: ModuleScope,
  name = "local_authdb",
): Promise<MutableTable | null> {
  const mod = scope.named(name, "");
  if (mod.kind !== "auth" || mod.auth.module !== "pass_table") {
    throw new ConfigError(mod.path, `[${mod.type}.${mod.name}] is not an auth.pass_table block`);
  }
  return await openCredentialsTable(mod.auth);
}
