/**
 * The command line shared by `deno run -A main.ts` and the compiled binary:
 *
 *   imapd [--config FILE] [run]
 *   imapd [--config FILE] creds|hash|imap-acct|imap-mboxes|imap-msgs|import ...
 *   imapd [--config FILE] deliver|import-maddy|health|backup|restore ...
 *   imapd --help | --version
 *
 * Global options come before the subcommand; everything after it belongs
 * to the subcommand. The usage texts are in help.ts, one for each command.
 */
import { parseArgs } from "node:util";
import { CONFIG_ENV } from "../config/config.ts";

export const SUBCOMMANDS = [
  "run",
  "creds",
  "hash",
  "imap-acct",
  "imap-mboxes",
  "imap-msgs",
  "import",
  "deliver",
  "import-maddy",
  "health",
  "backup",
  "restore",
] as const;

export type Subcommand = typeof SUBCOMMANDS[number];

export type Invocation =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "usage-error"; message: string }
  | { kind: "command"; command: Subcommand; configFile: string; args: string[] };

export function parseInvocation(
  argv: string[],
  env: (name: string) => string | undefined,
): Invocation {
  // Split at the first non-option word: the subcommand owns the rest.
  let split = argv.length;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--config" || a === "-c") {
      i++;
      continue;
    }
    if (!a.startsWith("-")) {
      split = i;
      break;
    }
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.slice(0, split),
      options: {
        config: { type: "string", short: "c" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { kind: "usage-error", message: (err as Error).message };
  }
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const rest = argv.slice(split);
  const name = rest[0] ?? "run";
  if (!(SUBCOMMANDS as readonly string[]).includes(name)) {
    return { kind: "usage-error", message: `Unknown command "${name}"` };
  }
  const configFile = values.config ?? env(CONFIG_ENV) ?? "config.toml";
  return { kind: "command", command: name as Subcommand, configFile, args: rest.slice(1) };
}

/**
 * maddy's `--cfg-block NAME` (or `--cfg-block=NAME`), taken out of a
 * command's arguments wherever it stands before "--": it names the config
 * block the command acts on (`creds`: an `[auth.pass_table.NAME]`; the
 * store commands: a `[storage.imapsql.NAME]`).
 */
export function takeCfgBlock(
  args: string[],
): { block?: string; args: string[] } | { error: string } {
  const rest: string[] = [];
  let block: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      rest.push(...args.slice(i));
      break;
    }
    let value: string | undefined;
    if (a === "--cfg-block") {
      value = args[++i];
      if (value === undefined || value.startsWith("-")) {
        return { error: "--cfg-block needs a block name" };
      }
    } else if (a.startsWith("--cfg-block=")) value = a.slice("--cfg-block=".length);
    else {
      rest.push(a);
      continue;
    }
    if (value === "") return { error: "--cfg-block needs a block name" };
    block = value;
  }
  return { block, args: rest };
}
