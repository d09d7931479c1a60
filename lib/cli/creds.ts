/**
 * The credentials commands of the admin CLI, as `maddy creds ...` and
 * `maddy hash` behave (internal/cli/ctl/users.go, hash.go); their usage is
 * in help.ts.
 *
 * `--cfg-block NAME` never reaches this module: main.ts takes it out of the
 * arguments and opens the table of that `[auth.pass_table.NAME]`. Usernames are
 * keyed by PRECIS UsernameCaseMapped, as pass_table looks them up. New
 * passwords get argon2id unless `--hash bcrypt` is given (maddy defaults to
 * bcrypt; argon2 is our choice, and both verify).
 *
 * Exit codes: 0 done, 1 failed, 2 usage error.
 */
import { parseArgs } from "node:util";
import {
  HASH_ALGORITHMS,
  type HashAlgorithm,
  type HashOptions,
  hashPassword,
} from "../auth/hash.ts";
import { NormalizeError, precisUsername } from "../auth/normalize.ts";
import type { MutableTable } from "../tables/table.ts";
import { type CliIo, confirmDestructive, jsonArrayWriter } from "./io.ts";
import { parseErrorMessage, usageOf } from "./help.ts";

class UsageError extends Error {}

const COMMON_OPTIONS = {
  password: { type: "string", short: "p" },
  hash: { type: "string" },
  "bcrypt-cost": { type: "string" },
} as const;

export async function runCredsCli(
  command: "creds" | "hash",
  args: string[],
  table: MutableTable | null,
  io: CliIo,
): Promise<number> {
  try {
    if (command === "hash") return await runHash(args, io);
    return await runCreds(args, table, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`Error: ${e.message}\n`);
      return 2;
    }
    io.stderr(`Error: ${(e as Error).message}\n`);
    return 1;
  }
}

function parse<T extends Record<string, { type: "string" | "boolean"; short?: string }>>(
  args: string[],
  options: T,
  words: string,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(parseErrorMessage(e as Error, words));
  }
}

function intOption(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(
      `--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

function hashOptions(values: Record<string, string | boolean | undefined>): {
  algo: HashAlgorithm;
  options: HashOptions;
} {
  const algo = (values.hash as string | undefined) ?? "argon2";
  if (!(HASH_ALGORITHMS as readonly string[]).includes(algo)) {
    throw new UsageError(
      `Unknown hash function ${JSON.stringify(algo)}, available: ${HASH_ALGORITHMS.join(", ")}`,
    );
  }
  const options: HashOptions = {};
  const cost = intOption(values["bcrypt-cost"] as string | undefined, "bcrypt-cost", 4, 31);
  if (cost !== undefined) options.bcryptCost = cost;
  const t = intOption(values["argon2-time"] as string | undefined, "argon2-time", 1, 100);
  if (t !== undefined) options.argon2Time = t;
  const m = intOption(
    values["argon2-memory"] as string | undefined,
    "argon2-memory",
    8,
    4 * 1024 * 1024,
  );
  if (m !== undefined) options.argon2Memory = m;
  const p = intOption(values["argon2-threads"] as string | undefined, "argon2-threads", 1, 255);
  if (p !== undefined) options.argon2Threads = p;
  return { algo: algo as HashAlgorithm, options };
}

async function readPassword(
  values: { password?: string },
  io: CliIo,
  prompt: string,
): Promise<string> {
  return values.password ?? await io.readPassword(prompt);
}

async function runHash(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    ...COMMON_OPTIONS,
    "argon2-time": { type: "string" },
    "argon2-memory": { type: "string" },
    "argon2-threads": { type: "string" },
  }, "hash");
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  const { algo, options } = hashOptions(values);
  const password = await readPassword(values, io, "Password");
  if (password === "") io.stderr("WARNING: This is the hash of an empty string\n");
  if (password.trim() !== password) {
    io.stderr("WARNING: There is leading/trailing whitespace in the string\n");
  }
  io.stdout(`${await hashPassword(password, algo, options)}\n`);
  return 0;
}

function usernameKey(positionals: string[]): string {
  if (positionals.length === 0 || positionals[0] === "") {
    throw new UsageError("USERNAME is required");
  }
  if (positionals.length > 1) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  }
  try {
    return precisUsername(positionals[0], true);
  } catch (e) {
    if (e instanceof NormalizeError) throw new UsageError(e.message);
    throw e;
  }
}

async function runCreds(args: string[], table: MutableTable | null, io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const subcommands = ["list", "create", "remove", "password"];
  if (sub === undefined || !subcommands.includes(sub)) {
    throw new UsageError(
      `${sub === undefined ? "missing subcommand" : `unknown subcommand ${JSON.stringify(sub)}`}` +
        ` (usage: ${usageOf("creds")}; see "imapd creds --help")`,
    );
  }
  // Parse before touching the table so usage errors come first.
  const { values, positionals } = parse(rest, {
    ...COMMON_OPTIONS,
    quiet: { type: "boolean", short: "q" },
    yes: { type: "boolean", short: "y" },
    json: { type: "boolean" },
  }, `creds ${sub}`);
  const allowed: Record<string, string[]> = {
    list: ["quiet", "json"],
    remove: ["yes"],
    create: Object.keys(COMMON_OPTIONS),
    password: Object.keys(COMMON_OPTIONS),
  };
  for (const name of Object.keys(values)) {
    if (!allowed[sub].includes(name)) throw new UsageError(`creds ${sub} has no option --${name}`);
  }
  if (table === null) {
    throw new Error("the credentials table is not mutable, no management functionality available");
  }

  switch (sub) {
    case "list": {
      if (positionals.length > 0) {
        throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
      }
      const keys = await table.keys();
      if (values.json) {
        const out = jsonArrayWriter(io.stdout);
        for (const key of keys) out.item({ username: key });
        out.end();
        return 0;
      }
      if (keys.length === 0 && !values.quiet) io.stderr("No users.\n");
      for (const key of keys) io.stdout(`${key}\n`);
      return 0;
    }
    case "create": {
      const key = usernameKey(positionals);
      const { algo, options } = hashOptions(values);
      if (await table.lookup(key) !== null) throw new Error(`credentials for ${key} already exist`);
      const password = await readPassword(values, io, "Enter password for new user");
      await table.set(key, await hashPassword(password, algo, options));
      return 0;
    }
    case "password": {
      const key = usernameKey(positionals);
      const { algo, options } = hashOptions(values);
      if (await table.lookup(key) === null) throw new Error(`no credentials for ${key}`);
      const password = await readPassword(values, io, "Enter new password");
      await table.set(key, await hashPassword(password, algo, options));
      return 0;
    }
    case "remove": {
      const key = usernameKey(positionals);
      if (await table.lookup(key) === null) throw new Error(`no credentials for ${key}`);
      await confirmDestructive(io, values.yes, `Delete the credentials of ${key}?`);
      await table.remove(key);
      return 0;
    }
  }
  return 2;
}
