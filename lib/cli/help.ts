/**
 * `--help` at every level of the command line: `imapd COMMAND --help` and
 * `imapd COMMAND SUBCOMMAND --help` print usage to stdout and exit 0,
 * before the config is read (so help works without one).
 */
import type { Subcommand } from "./args.ts";

interface Help {
  /** The arguments after the command words. */
  usage: string;
  about: string;
  options?: [string, string][];
}

interface CommandHelp extends Help {
  subcommands?: Record<string, Help>;
}

const PASSWORD: [string, string] = [
  "-p, --password P",
  "the password (else read from the terminal without echo, or the first line of stdin)",
];
const HASH: [string, string] = ["--hash argon2|bcrypt", "hash function (default argon2)"];
const COST: [string, string] = ["--bcrypt-cost N", "bcrypt cost, 4 to 31 (default 10)"];
const YES: [string, string] = [
  "-y, --yes",
  "do not ask (needed when stdin is not a terminal)",
];

const JSON_OPTION: [string, string] = [
  "--json",
  "one JSON array of objects instead of lines (for scripts)",
];

/** Every command and subcommand with its usage; the test walks this table. */
export const HELP: Record<Subcommand, CommandHelp> = {
  run: { usage: "", about: "Starts the server (the default command)." },
  creds: {
    usage: "list|create|password|remove ...",
    about: "Manages the credentials in the table of [auth.pass_table].",
    subcommands: {
      list: {
        usage: "[--quiet] [--json]",
        about: "Lists the usernames, one a line.",
        options: [
          ["-q, --quiet", 'print nothing (not "No users.") when there are none'],
          JSON_OPTION,
        ],
      },
      create: {
        usage: "[--password P] [--hash argon2|bcrypt] [--bcrypt-cost N] USERNAME",
        about: "Creates credentials for USERNAME.",
        options: [PASSWORD, HASH, COST],
      },
      password: {
        usage: "[--password P] [--hash argon2|bcrypt] [--bcrypt-cost N] USERNAME",
        about: "Sets a new password for USERNAME.",
        options: [PASSWORD, HASH, COST],
      },
      remove: {
        usage: "[--yes] USERNAME",
        about: "Removes the credentials of USERNAME (asks first on a terminal).",
        options: [YES],
      },
    },
  },
  hash: {
    usage: "[--password P] [--hash argon2|bcrypt] [--bcrypt-cost N] [--argon2-time N] " +
      "[--argon2-memory KIB] [--argon2-threads N]",
    about: "Prints a password hash for a pass_table (no config needed).",
    options: [
      PASSWORD,
      HASH,
      COST,
      ["--argon2-time N", "argon2 passes (default 3)"],
      ["--argon2-memory KIB", "argon2 memory in KiB (default 65536)"],
      ["--argon2-threads N", "argon2 lanes (default 1)"],
    ],
  },
  "imap-acct": {
    usage: "list|create|remove|appendlimit|quota ...",
    about: "Manages the accounts of the storage.",
    subcommands: {
      list: { usage: "[--json]", about: "Lists the accounts, one a line.", options: [JSON_OPTION] },
      create: { usage: "USERNAME", about: "Creates an account with its default mailboxes." },
      remove: {
        usage: "[--yes] USERNAME",
        about: "Deletes an account with all its mailboxes and messages (asks first on a terminal).",
        options: [YES],
      },
      appendlimit: {
        usage: "USERNAME [SIZE|default]",
        about: "Shows or sets the account's APPENDLIMIT (SIZE like 32M; default: the storage's).",
        options: [["-v, --value SIZE", "the new limit, as the second argument"]],
      },
      quota: {
        usage: "USERNAME [--storage SIZE|none|default] [--messages N|none|default]",
        about:
          "Shows the account's QUOTA (usage and limits), or sets its own limits (default: the storage's quota).",
        options: [
          ["--storage SIZE", "total size of the account's messages, like 500M"],
          ["--messages N", "number of the account's messages"],
        ],
      },
    },
  },
  "imap-mboxes": {
    usage: "list|create|remove|rename ...",
    about: "Manages the mailboxes of an account.",
    subcommands: {
      list: {
        usage: "[--subscribed] [--json] USERNAME",
        about: "Lists the mailboxes with their special-use attribute.",
        options: [["-s, --subscribed", "only subscribed mailboxes"], JSON_OPTION],
      },
      create: {
        usage: "[--special ATTR] USERNAME NAME",
        about: "Creates a mailbox.",
        options: [[
          "--special ATTR",
          "special use: Archive, Drafts, Flagged, Junk, Sent, Trash, All",
        ]],
      },
      remove: {
        usage: "[--yes] USERNAME NAME",
        about: "Deletes a mailbox with all its messages (asks first on a terminal).",
        options: [YES],
      },
      rename: { usage: "USERNAME OLD NEW", about: "Renames a mailbox." },
    },
  },
  "imap-msgs": {
    usage: "add|list|remove|flags|copy|move|dump ...",
    about: 'Manages messages by UID. UIDS is a set like "1:5,7,10:*"; each single UID must\n' +
      "exist and each range must hold a message, else nothing is changed.",
    subcommands: {
      add: {
        usage: "[--flag F]... [--date DATE] [--file PATH] USERNAME MAILBOX",
        about: "Appends a message from PATH or stdin; prints its UID.",
        options: [
          ["-f, --flag F", "a flag to set (repeatable)"],
          ["-d, --date DATE", "internal date (default now)"],
          ["--file PATH", "the message (default stdin)"],
        ],
      },
      list: {
        usage: "[--uid SET] [--json] USERNAME MAILBOX",
        about: "Lists UID, internal date, size, flags and subject, tab-separated.",
        options: [["-u, --uid SET", "only these UIDs"], JSON_OPTION],
      },
      remove: {
        usage: "[--yes] USERNAME MAILBOX UIDS",
        about: "Deletes messages (asks first on a terminal).",
        options: [YES],
      },
      flags: {
        usage: "USERNAME MAILBOX add|remove|set UIDS FLAG...",
        about: "Adds, removes or sets flags.",
      },
      copy: {
        usage: "USERNAME SOURCE UIDS DESTINATION",
        about: 'Copies messages; prints "SOURCE-UID -> NEW-UID".',
      },
      move: {
        usage: "USERNAME SOURCE UIDS DESTINATION",
        about: 'Moves messages; prints "SOURCE-UID -> NEW-UID".',
      },
      dump: {
        usage: "[--out FILE] USERNAME MAILBOX UID",
        about: "Writes one message's bytes as stored.",
        options: [["-o, --out FILE", "to FILE instead of stdout"]],
      },
    },
  },
  import: {
    usage: "USERNAME MAILBOX FILE.mbox|MAILDIR",
    about: "Imports an mbox file or a Maildir into MAILBOX (created when missing).",
  },
  deliver: {
    usage: "[-f SENDER] RECIPIENT...",
    about: "Delivers one message from stdin, for an MTA's pipe transport. Exit codes: 0 stored,\n" +
      "75 retry later, 67 unknown user, 65 bad message, 64 bad arguments.",
    options: [["-f, --from SENDER", "the envelope sender"]],
  },
  "import-maddy": {
    usage: "--dsn PATH [--msg-store DIR]",
    about: "Imports maddy's storage.imapsql database (accounts, mailboxes, messages, UIDs).",
    options: [
      ["--dsn PATH", "maddy's imapsql.db"],
      ["--msg-store DIR", "maddy's messages directory when it is not next to the database"],
    ],
  },
  health: {
    usage: "",
    about: "Checks the config, each database and each listener; exit 0 healthy, 1 not.",
  },
  backup: {
    usage: "DIR",
    about: "Copies every database and message file into the new or empty DIR (server may run).",
  },
  restore: { usage: "DIR", about: "Copies a backup from DIR into an empty state_dir." },
};

function render(words: string, h: Help, subcommands?: Record<string, Help>): string {
  let out = `Usage: imapd [--config FILE] ${words}${h.usage ? ` ${h.usage}` : ""}\n\n${h.about}\n`;
  if (subcommands) {
    out += "\nCommands:\n";
    for (const [name, s] of Object.entries(subcommands)) {
      out += `  ${name}${s.usage ? ` ${s.usage}` : ""}\n      ${s.about.split("\n")[0]}\n`;
    }
    out += `\nRun "imapd ${words} COMMAND --help" for one command.\n`;
  }
  if (h.options?.length) {
    out += "\nOptions:\n";
    const width = Math.max(...h.options.map(([o]) => o.length));
    for (const [o, text] of h.options) out += `  ${o.padEnd(width)}  ${text}\n`;
  }
  return out;
}

/**
 * The help text when `args` (after the command word) ask for it with
 * `--help` or `-h` before any `--`; else null.
 */
export function helpFor(command: Subcommand, args: string[]): string | null {
  const end = args.indexOf("--");
  const own = end < 0 ? args : args.slice(0, end);
  if (!own.includes("--help") && !own.includes("-h")) return null;
  const h = HELP[command];
  const sub = h.subcommands?.[args[0]];
  if (sub) return render(`${command} ${args[0]}`, sub);
  return render(command, h, h.subcommands);
}

/**
 * A parse error of node:util's parseArgs in our words: its "Unknown option"
 * text quotes unevenly and suggests "--"; we name the option and the help.
 */
export function parseErrorMessage(err: Error, words: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(err.message);
  const text = unknown ? `unknown option ${unknown[1]}` : err.message;
  return `${text} (see "imapd ${words} --help")`;
}
