/**
 * Admin commands over the mail store, as maddy's `imap-acct`,
 * `imap-mboxes`, `imap-msgs` and an `import` of mbox files and Maildirs.
 * Messages are named by UID only. They act through the MailStore
 * interface, so running sessions see the changes (same process: the event
 * bus; another process: the sessions' polling of HIGHESTMODSEQ).
 */
import { parseArgs } from "node:util";
import type { AccountStore, MailStore, SpecialUse, UidSet } from "../store/mail_store.ts";
import { parseSequenceSetText, resolveRanges } from "../protocol/sequence_set.ts";
import { formatDateTime } from "../protocol/date_time.ts";
import type { CliIo } from "./io.ts";

type Command = "imap-acct" | "imap-mboxes" | "imap-msgs" | "import";

class UsageError extends Error {}

const SPECIAL: Record<string, SpecialUse> = {
  archive: "\\Archive",
  drafts: "\\Drafts",
  junk: "\\Junk",
  sent: "\\Sent",
  trash: "\\Trash",
};

const USAGE: Record<Command, string> = {
  "imap-acct": `Usage:
  imap-acct list
  imap-acct create USERNAME
  imap-acct remove [--yes] USERNAME
  imap-acct appendlimit USERNAME [--value BYTES|none]
`,
  "imap-mboxes": `Usage:
  imap-mboxes list [--subscribed] USERNAME
  imap-mboxes create [--special archive|drafts|junk|sent|trash] USERNAME NAME
  imap-mboxes remove [--yes] USERNAME NAME
  imap-mboxes rename USERNAME OLD NEW
`,
  "imap-msgs": `Usage:
  imap-msgs add [--flag F]... [--date UNIX_SECONDS] USERNAME MAILBOX   (message on stdin)
  imap-msgs list [--uid UIDSET] [--full] USERNAME MAILBOX
  imap-msgs remove [--yes] USERNAME MAILBOX UIDSET
  imap-msgs flags add|rem|set USERNAME MAILBOX UIDSET FLAG...
  imap-msgs copy USERNAME MAILBOX UIDSET TARGET
  imap-msgs move USERNAME MAILBOX UIDSET TARGET
  imap-msgs dump USERNAME MAILBOX UID
`,
  "import": `Usage:
  import USERNAME MAILBOX FILE|DIR   (an mbox file, or a Maildir with cur/ and new/)
`,
};

export async function runStoreCommand(
  command: Command,
  args: string[],
  store: MailStore,
  io: CliIo,
  readStdin: () => Promise<Uint8Array> = readAllStdin,
): Promise<number> {
  try {
    switch (command) {
      case "imap-acct":
        return await account(args, store, io);
      case "imap-mboxes":
        return await mailboxes(args, store, io);
      case "imap-msgs":
        return await messages(args, store, io, readStdin);
      case "import":
        return await importMail(args, store, io);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${command}: ${err.message}\n\n${USAGE[command]}`);
      return 2;
    }
    io.stderr(`${command}: ${(err as Error).message}\n`);
    return 1;
  }
}

type Options = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>["options"]>;

function parse(args: string[], options: Options, min: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length < min) throw new UsageError("Missing arguments");
  return parsed;
}

async function openExisting(store: MailStore, name: string): Promise<AccountStore> {
  const acct = await store.openAccount(name, { create: false });
  if (!acct) throw new Error(`No account ${JSON.stringify(name)}`);
  return acct;
}

async function mailboxId(acct: AccountStore, name: string): Promise<number> {
  const box = await acct.getMailbox(name);
  if (!box) throw new Error(`No mailbox ${JSON.stringify(name)} in ${acct.accountName}`);
  return box.id;
}

async function uidSet(acct: AccountStore, box: number, text: string): Promise<UidSet> {
  let set;
  try {
    set = parseSequenceSetText(text);
  } catch {
    throw new UsageError(`Invalid UID set ${JSON.stringify(text)}`);
  }
  const status = await acct.status(box);
  return resolveRanges(set, Math.max(status.uidNext - 1, 0));
}

async function account(args: string[], store: MailStore, io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "list": {
      for (const name of await store.listAccounts()) io.stdout(name + "\n");
      return 0;
    }
    case "create": {
      const { positionals } = parse(rest, {}, 1);
      if (await store.openAccount(positionals[0], { create: false })) {
        throw new Error(`Account ${JSON.stringify(positionals[0])} already exists`);
      }
      await store.openAccount(positionals[0], { create: true });
      return 0;
    }
    case "remove": {
      const { values, positionals } = parse(rest, { yes: { type: "boolean", short: "y" } }, 1);
      if (!values.yes) throw new UsageError("Removing an account deletes all its mail: add --yes");
      await openExisting(store, positionals[0]);
      await store.deleteAccount(positionals[0]);
      return 0;
    }
    case "appendlimit": {
      const { values, positionals } = parse(rest, { value: { type: "string", short: "v" } }, 1);
      const acct = await openExisting(store, positionals[0]);
      if (values.value === undefined) {
        const limit = await acct.getAppendLimit();
        io.stdout(
          limit === null ? `none (the store's ${store.appendLimit} applies)\n` : `${limit}\n`,
        );
        return 0;
      }
      const v = String(values.value);
      if (v !== "none" && !/^\d+$/.test(v)) {
        throw new UsageError(`Invalid limit ${JSON.stringify(v)}`);
      }
      await acct.setAppendLimit(v === "none" ? null : Number(v));
      return 0;
    }
  }
  throw new UsageError(sub ? `Unknown subcommand ${JSON.stringify(sub)}` : "Missing subcommand");
}

async function mailboxes(args: string[], store: MailStore, io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "list": {
      const { values, positionals } = parse(
        rest,
        { subscribed: { type: "boolean", short: "s" } },
        1,
      );
      const acct = await openExisting(store, positionals[0]);
      const boxes = await acct.listMailboxes();
      const subs = new Set(await acct.listSubscriptions());
      for (const b of boxes) {
        if (values.subscribed && !subs.has(b.name)) continue;
        io.stdout(`${b.name}${b.specialUse ? `\t${b.specialUse}` : ""}\n`);
      }
      return 0;
    }
    case "create": {
      const { values, positionals } = parse(rest, { special: { type: "string" } }, 2);
      const acct = await openExisting(store, positionals[0]);
      let specialUse: SpecialUse | undefined;
      if (values.special !== undefined) {
        specialUse = SPECIAL[String(values.special).toLowerCase().replace(/^\\/, "")];
        if (!specialUse) {
          throw new UsageError(`Unknown special use ${JSON.stringify(values.special)}`);
        }
      }
      await acct.createMailbox(positionals[1], specialUse ? { specialUse } : undefined);
      return 0;
    }
    case "remove": {
      const { values, positionals } = parse(rest, { yes: { type: "boolean", short: "y" } }, 2);
      if (!values.yes) throw new UsageError("Removing a mailbox deletes its messages: add --yes");
      const acct = await openExisting(store, positionals[0]);
      await acct.deleteMailbox(positionals[1]);
      return 0;
    }
    case "rename": {
      const { positionals } = parse(rest, {}, 3);
      const acct = await openExisting(store, positionals[0]);
      await acct.renameMailbox(positionals[1], positionals[2]);
      return 0;
    }
  }
  throw new UsageError(sub ? `Unknown subcommand ${JSON.stringify(sub)}` : "Missing subcommand");
}

async function messages(
  args: string[],
  store: MailStore,
  io: CliIo,
  readStdin: () => Promise<Uint8Array>,
): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "add": {
      const { values, positionals } = parse(rest, {
        flag: { type: "string", short: "f", multiple: true },
        date: { type: "string", short: "d" },
      }, 2);
      const acct = await openExisting(store, positionals[0]);
      const box = await mailboxId(acct, positionals[1]);
      const content = await readStdin();
      if (content.length === 0) throw new Error("No message on standard input");
      const date = values.date === undefined ? undefined : new Date(Number(values.date) * 1000);
      if (date && isNaN(date.getTime())) {
        throw new UsageError(`Invalid date ${JSON.stringify(values.date)}`);
      }
      const r = await acct.append(box, {
        content,
        flags: (values.flag as string[] | undefined) ?? [],
        internalDate: date,
      });
      io.stdout(`${r.uid}\n`);
      return 0;
    }
    case "list": {
      const { values, positionals } = parse(rest, {
        uid: { type: "string", short: "u" },
        full: { type: "boolean" },
      }, 2);
      const acct = await openExisting(store, positionals[0]);
      const box = await mailboxId(acct, positionals[1]);
      const uids = await uidSet(acct, box, String(values.uid ?? "1:*"));
      for await (
        const m of acct.fetch(box, uids, {
          flags: true,
          internalDate: true,
          size: true,
          envelope: true,
        })
      ) {
        const subject = m.envelope?.subject ?? "";
        const line = values.full
          ? `UID ${m.uid}\tsize ${m.size}\tdate ${formatDateTime(m.internalDate!)}\tflags ${
            m.flags!.join(" ")
          }\tsubject ${subject}`
          : `${m.uid}\t${m.flags!.join(" ")}\t${subject}`;
        io.stdout(line + "\n");
      }
      return 0;
    }
    case "remove": {
      const { values, positionals } = parse(rest, { yes: { type: "boolean", short: "y" } }, 3);
      if (!values.yes) throw new UsageError("Removing messages cannot be undone: add --yes");
      const acct = await openExisting(store, positionals[0]);
      const box = await mailboxId(acct, positionals[1]);
      const uids = await uidSet(acct, box, positionals[2]);
      await acct.storeFlags(box, uids, "add", ["\\Deleted"]);
      const gone = await acct.expunge(box, uids);
      io.stdout(`${gone.length} removed\n`);
      return 0;
    }
    case "flags": {
      const [mode, ...more] = rest;
      const modes: Record<string, "add" | "remove" | "set"> = {
        add: "add",
        rem: "remove",
        set: "set",
      };
      if (!modes[mode]) throw new UsageError("flags needs add, rem or set");
      const { positionals } = parse(more, {}, 3);
      const acct = await openExisting(store, positionals[0]);
      const box = await mailboxId(acct, positionals[1]);
      const uids = await uidSet(acct, box, positionals[2]);
      const r = await acct.storeFlags(box, uids, modes[mode], positionals.slice(3));
      io.stdout(`${r.changed.length} changed\n`);
      return 0;
    }
    case "copy":
    case "move": {
      const { positionals } = parse(rest, {}, 4);
      const acct = await openExisting(store, positionals[0]);
      const box = await mailboxId(acct, positionals[1]);
      const uids = await uidSet(acct, box, positionals[2]);
      const dest = await mailboxId(acct, positionals[3]);
      const r = sub === "copy"
        ? await acct.copy(box, uids, dest)
        : await acct.move(box, uids, dest);
      for (let i = 0; i < r.sourceUids.length; i++) {
        io.stdout(`${r.sourceUids[i]} -> ${r.destUids[i]}\n`);
      }
      return 0;
    }
    case "dump": {
      const { positionals } = parse(rest, {}, 3);
      const acct = await openExisting(store, positionals[0]);
      const box = await mailboxId(acct, positionals[1]);
      if (!/^\d+$/.test(positionals[2])) throw new UsageError("dump takes one UID");
      const uid = Number(positionals[2]);
      for await (const m of acct.fetch(box, [{ from: uid, to: uid }], { content: true })) {
        await Deno.stdout.write(m.content!);
        return 0;
      }
      throw new Error(`No message with UID ${uid}`);
    }
  }
  throw new UsageError(sub ? `Unknown subcommand ${JSON.stringify(sub)}` : "Missing subcommand");
}

async function readAllStdin(): Promise<Uint8Array> {
  return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
}

/** Maildir info flags (":2,FRS") to IMAP flags. */
const MAILDIR_FLAGS: Record<string, string> = {
  D: "\\Draft",
  F: "\\Flagged",
  R: "\\Answered",
  S: "\\Seen",
  T: "\\Deleted",
};

interface Importable {
  content: Uint8Array;
  flags: string[];
  date?: Date;
}

/** Splits an mbox (mboxo or mboxrd: ">From " lines are unescaped one level). */
export function* splitMbox(data: Uint8Array): Generator<Importable> {
  const text = new TextDecoder("latin1").decode(data);
  const starts: number[] = [];
  const re = /^From [^\n]*\n/gm;
  for (const m of text.matchAll(re)) starts.push(m.index!);
  for (let i = 0; i < starts.length; i++) {
    const fromLineEnd = text.indexOf("\n", starts[i]) + 1;
    const end = i + 1 < starts.length ? starts[i + 1] : text.length;
    const fromLine = text.slice(starts[i], fromLineEnd);
    let body = text.slice(fromLineEnd, end);
    // The blank line mbox puts before the next "From " belongs to the file, not the message.
    if (i + 1 < starts.length) body = body.replace(/\r?\n$/, "");
    body = body.replace(/^>(>*From )/gm, "$1");
    const status = /^(?:Status|X-Status): ([A-Z]*)$/gm;
    const flags = new Set<string>();
    for (const m of body.slice(0, body.search(/\r?\n\r?\n/) + 1).matchAll(status)) {
      for (const c of m[1]) {
        if (c === "R") flags.add("\\Seen");
        if (c === "A") flags.add("\\Answered");
        if (c === "F") flags.add("\\Flagged");
        if (c === "D") flags.add("\\Deleted");
      }
    }
    const dateText = /^From \S+\s+(.+?)\s*$/.exec(fromLine.trimEnd())?.[1];
    const date = dateText ? new Date(dateText) : undefined;
    const content = Uint8Array.from(body, (c) => c.charCodeAt(0));
    yield { content, flags: [...flags], date: date && !isNaN(date.getTime()) ? date : undefined };
  }
}

async function* readMaildir(dir: string): AsyncGenerator<Importable> {
  for (const sub of ["cur", "new"]) {
    const names: string[] = [];
    for await (const e of Deno.readDir(`${dir}/${sub}`)) if (e.isFile) names.push(e.name);
    names.sort();
    for (const name of names) {
      const info = /:2,([A-Za-z]*)$/.exec(name)?.[1] ?? "";
      const flags = [...info].map((c) => MAILDIR_FLAGS[c]).filter(Boolean);
      const path = `${dir}/${sub}/${name}`;
      const stat = await Deno.stat(path);
      yield { content: await Deno.readFile(path), flags, date: stat.mtime ?? undefined };
    }
  }
}

async function importMail(args: string[], store: MailStore, io: CliIo): Promise<number> {
  const { positionals } = parse(args, {}, 3);
  const [user, mailbox, source] = positionals;
  const acct = await store.openAccount(user, { create: true });
  if (!acct) throw new Error(`No account ${JSON.stringify(user)}`);
  const box = (await acct.getMailbox(mailbox)) ?? (await acct.createMailbox(mailbox));
  const stat = await Deno.stat(source);
  let items: Importable[] | AsyncGenerator<Importable>;
  let total: number | null = null;
  if (stat.isDirectory) {
    items = readMaildir(source);
  } else {
    items = [...splitMbox(await Deno.readFile(source))];
    total = items.length;
  }
  let done = 0;
  let skipped = 0;
  const started = Date.now();
  for await (const item of items) {
    if (item.content.length === 0 || item.content.length > store.appendLimit) {
      skipped++;
      continue;
    }
    await acct.append(box.id, item);
    done++;
    if (io.isTerminal && (done % 25 === 0)) {
      io.stderr(`\rImporting into ${mailbox}: ${done}${total !== null ? `/${total}` : ""}`);
    }
  }
  if (io.isTerminal) io.stderr("\r\x1b[K");
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  io.stdout(
    `Imported ${done} messages into ${mailbox} in ${seconds} s` +
      (skipped > 0 ? ` (${skipped} skipped: empty or over the APPEND limit)` : "") + "\n",
  );
  return 0;
}
