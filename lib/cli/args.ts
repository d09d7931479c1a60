/**
 * The command line shared by `deno run -A main.ts` and the compiled binary:
 *
 *   imapd [--config FILE] [run]
 *   imapd [--config FILE] creds|hash|imap-acct|imap-mboxes|imap-msgs|import ...
 *   imapd [--config FILE] deliver|import-maddy|health|backup|restore ...
 *   imapd --help | --version
 *
 * Global options come before the subcommand; everything after it belongs
 * to the subcommand.
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

export const USAGE = `Usage: imapd [--config FILE] [COMMAND] [ARGS...]

Commands:
  run                      start the server (the default)
  creds list|create|remove|password ...   manage credentials of the pass_table
  hash [--hash argon2|bcrypt] [--password P]   print a password hash
  imap-acct list|create|remove|appendlimit|quota ...  manage storage accounts
  imap-mboxes list|create|remove|rename ...     manage mailboxes
  imap-msgs add|list|remove|flags|copy|move|dump ...  manage messages by UID
  import ACCOUNT MAILBOX FILE|DIR   import an mbox file or a Maildir
  deliver [-f SENDER] RECIPIENT...  deliver a message from standard input (for an MTA;
                           exit 0, 75 retry later, 67 unknown user, 65 bad message)
  import-maddy --dsn PATH [--msg-store DIR]  import maddy's storage.imapsql database
  health                   check config, databases and listeners (exit 0 healthy, 1 not)
  backup DIR               consistent copy of every database and message file (server may run)
  restore DIR              a backup into an empty state_dir

Options:
  --config FILE   configuration file (default: $${CONFIG_ENV}, else config.toml)
  --help          show this help
  --version       show the version

Run "imapd COMMAND --help" for a command's usage and options.
`;

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
