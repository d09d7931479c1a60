/**
 * Admin commands of the store, after maddy's `maddy imap-acct`,
 * `imap-mboxes` and `imap-msgs`, plus `import` (mbox file or Maildir).
 * main.ts wires them in; they act through `MailStore` only, and
 * run in a process of their own: a running server learns of their changes
 * through `AccountStore.poll()`.
 */
import { parseArgs } from "node:util";
import type {
  AccountStore,
  MailStore,
  QuotaSetting,
  SpecialUse,
  UidSet,
} from "../store/mail_store.ts";
import { SPECIAL_USES, StoreError } from "../store/mail_store.ts";
import { parseSize } from "../config/values.ts";
import { headerValues } from "../mime/mod.ts";
import { CliError, type CliIo, confirmDestructive, jsonArrayWriter } from "./io.ts";
import { HELP, parseErrorMessage } from "./help.ts";

export type StoreCommand = "imap-acct" | "imap-mboxes" | "imap-msgs" | "import";

class UsageError extends Error {}

/** Runs one command; returns the process exit code (0 ok, 1 failure, 2 usage). */
export async function runStoreCli(
  command: StoreCommand,
  args: string[],
  store: MailStore,
  io: CliIo,
): Promise<number> {
  try {
    switch (command) {
      case "imap-acct":
        return await acct(args, store, io);
      case "imap-mboxes":
        return await mboxes(args, store, io);
      case "imap-msgs":
        return await msgs(args, store, io);
      case "import":
        return await importCmd(args, store, io);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${command}: ${e.message} (see "imapd ${words(command, args)} --help")\n`);
      return 2;
    }
    if (e instanceof StoreError || e instanceof CliError) {
      io.stderr(`${command}: ${e.message}\n`);
      return 1;
    }
    if (e instanceof TypeError && /parseArgs|option|argument/i.test(e.message)) {
      io.stderr(`${command}: ${parseErrorMessage(e, words(command, args))}\n`);
      return 2;
    }
    throw e;
  }
}

/** The command words whose help fits a failure: "imap-msgs move" or "imap-msgs". */
function words(command: StoreCommand, args: string[]): string {
  return HELP[command].subcommands?.[args[0]] ? `${command} ${args[0]}` : command;
}

function need(list: string[], n: number, usage: string): void {
  if (list.length !== n) throw new UsageError(`usage: ${usage}`);
}

async function account(store: MailStore, name: string): Promise<AccountStore> {
  const a = await store.openAccount(name);
  if (!a) throw new StoreError("NONEXISTENT", `No account ${JSON.stringify(name)}`);
  return a;
}

async function mailboxId(a: AccountStore, name: string): Promise<number> {
  const m = await a.getMailbox(name);
  if (!m) throw new StoreError("NONEXISTENT", `No mailbox ${JSON.stringify(name)}`);
  return m.id;
}

interface UidPart {
  text: string;
  from: number;
  to: number;
}

function uidParts(text: string): UidPart[] {
  return text.split(",").map((part) => {
    const m = /^(\d+|\*)(?::(\d+|\*))?$/.exec(part.trim());
    if (!m) throw new UsageError(`invalid UID set ${JSON.stringify(text)}`);
    const n = (s: string) => (s === "*" ? 0xffffffff : Number(s));
    const a = n(m[1]);
    const b = m[2] === undefined ? a : n(m[2]);
    if (a === 0 || b === 0) throw new UsageError(`invalid UID set ${JSON.stringify(text)}`);
    return { text: part.trim(), from: Math.min(a, b), to: Math.max(a, b) };
  });
}

/** A UID set as the CLI takes it: "1:5,7,10:*" ("*" is the largest UID). */
export function parseUidSet(text: string): UidSet {
  return uidParts(text).map(({ from, to }) => ({ from, to })).sort((x, y) => x.from - y.from);
}

/**
 * The UID set `text` after checking that it names messages that exist:
 * every single UID must exist and every range must hold at least one
 * message ("*" ranges are sets, not lists). Otherwise nothing is done and
 * the error names each missing UID and empty range.
 */
async function existingUidSet(a: AccountStore, id: number, mailbox: string, text: string) {
  const parts = uidParts(text);
  const set = parseUidSet(text);
  const found: number[] = [];
  for await (const r of a.fetch(id, set, {})) found.push(r.uid);
  const missing = parts.filter((p) => !found.some((uid) => uid >= p.from && uid <= p.to));
  if (missing.length > 0) {
    const names = missing.map((p) => p.text).join(", ");
    const what = missing.length === 1 && !missing[0].text.includes(":")
      ? `no message with UID ${names}`
      : `no messages with UIDs ${names}`;
    throw new StoreError(
      "NONEXISTENT",
      `${what} in ${JSON.stringify(mailbox)}; nothing was changed`,
    );
  }
  return set;
}

// ---- imap-acct ------------------------------------------------------------

async function acct(args: string[], store: MailStore, io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      yes: { type: "boolean", short: "y" },
      value: { type: "string", short: "v" },
      json: { type: "boolean" },
      storage: { type: "string" },
      messages: { type: "string" },
    },
  });
  if (values.json && sub !== "list") throw new UsageError(`imap-acct ${sub} has no option --json`);
  if ((values.storage !== undefined || values.messages !== undefined) && sub !== "quota") {
    throw new UsageError(`imap-acct ${sub} has no options --storage or --messages`);
  }
  switch (sub) {
    case "list":
      need(positionals, 0, "imap-acct list [--json]");
      if (values.json) {
        const out = jsonArrayWriter(io.stdout);
        for (const name of await store.listAccounts()) out.item({ name });
        out.end();
        return 0;
      }
      for (const name of await store.listAccounts()) io.stdout(`${name}\n`);
      return 0;
    case "create": {
      need(positionals, 1, "imap-acct create USERNAME");
      if (await store.openAccount(positionals[0])) {
        throw new StoreError(
          "ALREADYEXISTS",
          `Account ${JSON.stringify(positionals[0])} already exists`,
        );
      }
      await store.openAccount(positionals[0], { create: true });
      return 0;
    }
    case "remove":
      need(positionals, 1, "imap-acct remove [-y] USERNAME");
      await account(store, positionals[0]);
      await confirmDestructive(
        io,
        values.yes,
        `Delete account ${JSON.stringify(positionals[0])} with all its mailboxes and messages?`,
      );
      await store.deleteAccount(positionals[0]);
      return 0;
    case "appendlimit": {
      const usage = "imap-acct appendlimit USERNAME [SIZE|default]";
      if (positionals.length < 1 || positionals.length > 2) throw new UsageError(`usage: ${usage}`);
      const a = await account(store, positionals[0]);
      const value = positionals[1] ?? values.value;
      if (value === undefined) {
        const limit = await a.getAppendLimit();
        io.stdout(limit === null ? `default (${store.appendLimit})\n` : `${limit}\n`);
        return 0;
      }
      if (value === "default") await a.setAppendLimit(null);
      else {
        let bytes: number;
        try {
          bytes = parseSize(value, "appendlimit");
        } catch {
          throw new UsageError(`invalid size ${JSON.stringify(value)} (expected e.g. "32M")`);
        }
        await a.setAppendLimit(bytes);
      }
      return 0;
    }
    case "quota": {
      const usage =
        "imap-acct quota USERNAME [--storage SIZE|none|default] [--messages N|none|default]";
      if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
      const a = await account(store, positionals[0]);
      const storage = values.storage === undefined
        ? undefined
        : quotaSetting(values.storage, "--storage", (v) => parseSize(v, "--storage"));
      const messages = values.messages === undefined
        ? undefined
        : quotaSetting(values.messages, "--messages", (v) => {
          if (!/^\d+$/.test(v)) throw new Error("not a number");
          return Number(v);
        });
      if (storage !== undefined || messages !== undefined) {
        await a.setQuota({ storage, messages });
        return 0;
      }
      const q = await a.quota();
      const line = (name: string, used: number, limit: number | null, own: QuotaSetting) =>
        `${name}: ${used} of ${limit ?? "unlimited"}${
          typeof own === "number" ? "" : ` (${own})`
        }\n`;
      io.stdout(line("storage", q.usage.storage, q.limits.storage, q.own.storage));
      io.stdout(line("messages", q.usage.messages, q.limits.messages, q.own.messages));
      return 0;
    }
    default:
      throw new UsageError("usage: imap-acct list|create|remove|appendlimit|quota ...");
  }
}

/** A quota option's value: "default" (the storage's `quota`), "none", or a limit. */
function quotaSetting(value: string, option: string, parse: (v: string) => number): QuotaSetting {
  if (value === "default" || value === "none") return value;
  try {
    return parse(value);
  } catch {
    throw new UsageError(
      `invalid ${option} ${JSON.stringify(value)} (expected a number, "none" or "default")`,
    );
  }
}

// ---- imap-mboxes ----------------------------------------------------------

async function mboxes(args: string[], store: MailStore, io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      special: { type: "string" },
      subscribed: { type: "boolean", short: "s" },
      yes: { type: "boolean", short: "y" },
      json: { type: "boolean" },
    },
  });
  if (values.json && sub !== "list") {
    throw new UsageError(`imap-mboxes ${sub} has no option --json`);
  }
  switch (sub) {
    case "list": {
      need(positionals, 1, "imap-mboxes list [--subscribed] [--json] USERNAME");
      const a = await account(store, positionals[0]);
      const out = values.json ? jsonArrayWriter(io.stdout) : null;
      for (const m of await a.listMailboxes()) {
        if (values.subscribed && !m.subscribed) continue;
        if (out) {
          out.item({ name: m.name, specialUse: m.specialUse ?? null, subscribed: m.subscribed });
        } else io.stdout(`${m.name}${m.specialUse ? ` [${m.specialUse}]` : ""}\n`);
      }
      out?.end();
      return 0;
    }
    case "create": {
      need(positionals, 2, "imap-mboxes create [--special ATTR] USERNAME NAME");
      let specialUse: SpecialUse | undefined;
      if (values.special !== undefined) {
        const want = values.special.startsWith("\\") ? values.special : `\\${values.special}`;
        specialUse = SPECIAL_USES.find((s) => s.toLowerCase() === want.toLowerCase());
        if (!specialUse) {
          throw new UsageError(
            `unknown special-use attribute ${JSON.stringify(values.special)} (expected ${
              SPECIAL_USES.join(", ")
            })`,
          );
        }
      }
      const a = await account(store, positionals[0]);
      await a.createMailbox(positionals[1], specialUse ? { specialUse } : undefined);
      return 0;
    }
    case "remove": {
      need(positionals, 2, "imap-mboxes remove [-y] USERNAME NAME");
      const a = await account(store, positionals[0]);
      await mailboxId(a, positionals[1]);
      await confirmDestructive(
        io,
        values.yes,
        `Delete mailbox ${JSON.stringify(positionals[1])} of ${
          JSON.stringify(positionals[0])
        } with all its messages?`,
      );
      await a.deleteMailbox(positionals[1]);
      return 0;
    }
    case "rename": {
      need(positionals, 3, "imap-mboxes rename USERNAME OLD NEW");
      await (await account(store, positionals[0])).renameMailbox(positionals[1], positionals[2]);
      return 0;
    }
    default:
      throw new UsageError("usage: imap-mboxes list|create|remove|rename ...");
  }
}

// ---- imap-msgs ------------------------------------------------------------

const latin1 = new TextDecoder("latin1");

/**
 * The Subject as a reader sees it: UTF-8 (RFC 6532) or Latin-1 bytes and
 * RFC 2047 encoded words decoded by lib/mime; control characters (a tab
 * or line end from an encoded word) become spaces so the line stays one
 * tab-separated row.
 */
function subjectOf(header: Uint8Array | undefined, oneRow = true): string {
  const subject = headerValues(header ?? new Uint8Array(), "subject")[0] ?? "";
  return oneRow ? subject.replace(CONTROLS, " ") : subject;
}

// deno-lint-ignore no-control-regex
const CONTROLS = /[\x00-\x1f\x7f]/g;

async function writeAll(w: { write(p: Uint8Array): Promise<number> }, data: Uint8Array) {
  let off = 0;
  while (off < data.length) off += await w.write(data.subarray(off));
}

async function readAllStdin(): Promise<Uint8Array> {
  return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
}

async function msgs(args: string[], store: MailStore, io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      flag: { type: "string", short: "f", multiple: true },
      date: { type: "string", short: "d" },
      file: { type: "string" },
      out: { type: "string", short: "o" },
      uid: { type: "string", short: "u" },
      yes: { type: "boolean", short: "y" },
      json: { type: "boolean" },
    },
  });
  if (values.json && sub !== "list") throw new UsageError(`imap-msgs ${sub} has no option --json`);
  switch (sub) {
    case "add": {
      need(
        positionals,
        2,
        "imap-msgs add [--flag F]... [--date DATE] [--file PATH] USERNAME MAILBOX",
      );
      const a = await account(store, positionals[0]);
      const id = await mailboxId(a, positionals[1]);
      const content = values.file ? await Deno.readFile(values.file) : await readAllStdin();
      let internalDate: Date | undefined;
      if (values.date !== undefined) {
        internalDate = new Date(values.date);
        if (isNaN(internalDate.getTime())) {
          throw new UsageError(`invalid date ${JSON.stringify(values.date)}`);
        }
      }
      const r = await a.append(id, { content, flags: values.flag ?? [], internalDate });
      io.stdout(`${r.uid}\n`);
      return 0;
    }
    case "list": {
      need(positionals, 2, "imap-msgs list [--uid SET] [--json] USERNAME MAILBOX");
      const a = await account(store, positionals[0]);
      const id = await mailboxId(a, positionals[1]);
      const set = values.uid
        ? await existingUidSet(a, id, positionals[1], values.uid)
        : [{ from: 1, to: 0xffffffff }];
      const out = values.json ? jsonArrayWriter(io.stdout) : null;
      for await (
        const r of a.fetch(id, set, { flags: true, size: true, internalDate: true, header: true })
      ) {
        if (out) {
          out.item({
            uid: r.uid,
            internalDate: r.internalDate?.toISOString() ?? null,
            size: r.size,
            flags: r.flags ?? [],
            subject: subjectOf(r.header, false),
          });
          continue;
        }
        io.stdout(
          `${r.uid}\t${r.internalDate?.toISOString()}\t${r.size}\t${(r.flags ?? []).join(" ")}\t${
            subjectOf(r.header)
          }\n`,
        );
      }
      out?.end();
      return 0;
    }
    case "remove": {
      need(positionals, 3, "imap-msgs remove [-y] USERNAME MAILBOX UIDS");
      const a = await account(store, positionals[0]);
      const id = await mailboxId(a, positionals[1]);
      const set = await existingUidSet(a, id, positionals[1], positionals[2]);
      await confirmDestructive(
        io,
        values.yes,
        `Delete messages ${positionals[2]} of ${JSON.stringify(positionals[1])}?`,
      );
      await a.storeFlags(id, set, "add", ["\\Deleted"]);
      const gone = await a.expunge(id, set);
      io.stdout(`${gone.length} removed\n`);
      return 0;
    }
    case "flags": {
      const usage = "imap-msgs flags USERNAME MAILBOX add|remove|set UIDS FLAG...";
      if (positionals.length < 4) throw new UsageError(`usage: ${usage}`);
      const [user, mbox, mode, uids, ...flags] = positionals;
      const m = mode === "rem" ? "remove" : mode;
      if (m !== "add" && m !== "remove" && m !== "set") throw new UsageError(`usage: ${usage}`);
      const a = await account(store, user);
      const id = await mailboxId(a, mbox);
      const r = await a.storeFlags(id, await existingUidSet(a, id, mbox, uids), m, flags);
      io.stdout(`${r.changed.length} changed\n`);
      return 0;
    }
    case "copy":
    case "move": {
      need(positionals, 4, `imap-msgs ${sub} USERNAME SOURCE UIDS DESTINATION`);
      const a = await account(store, positionals[0]);
      const src = await mailboxId(a, positionals[1]);
      const dst = await mailboxId(a, positionals[3]);
      const set = await existingUidSet(a, src, positionals[1], positionals[2]);
      const r = sub === "copy" ? await a.copy(src, set, dst) : await a.move(src, set, dst);
      for (let i = 0; i < r.sourceUids.length; i++) {
        io.stdout(`${r.sourceUids[i]} -> ${r.destUids[i]}\n`);
      }
      return 0;
    }
    case "dump": {
      need(positionals, 3, "imap-msgs dump [--out FILE] USERNAME MAILBOX UID");
      const a = await account(store, positionals[0]);
      const id = await mailboxId(a, positionals[1]);
      const uid = Number(positionals[2]);
      if (!Number.isInteger(uid) || uid < 1) {
        throw new UsageError(`invalid UID ${JSON.stringify(positionals[2])}`);
      }
      for await (const r of a.fetch(id, [{ from: uid, to: uid }], { content: true })) {
        // The bytes as stored, to a file or to stdout (8-bit bytes untouched).
        if (values.out) await Deno.writeFile(values.out, r.content!);
        else await writeAll(Deno.stdout, r.content!);
        return 0;
      }
      throw new StoreError("NONEXISTENT", `No message with UID ${uid}`);
    }
    default:
      throw new UsageError("usage: imap-msgs add|list|remove|flags|copy|move|dump ...");
  }
}

// ---- import -----------------------------------------------------------------

interface Incoming {
  content: Uint8Array;
  flags: string[];
  internalDate?: Date;
}

/** Bare LF line ends become CRLF (IMAP messages are CRLF, RFC 3501 §2.2). */
export function toCrlf(bytes: Uint8Array): Uint8Array {
  let extra = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10 && bytes[i - 1] !== 13) extra++;
  if (extra === 0) return bytes;
  const out = new Uint8Array(bytes.length + extra);
  let j = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] !== 13) out[j++] = 13;
    out[j++] = bytes[i];
  }
  return out;
}

const MONTHS = "janfebmaraprmayjunjulaugsepoctnovdec";

/** The date of an mbox "From " line ("From a@b Mon Jan  1 00:00:00 2024"), or undefined. */
function fromLineDate(line: string): Date | undefined {
  const m = /([A-Za-z]{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})/.exec(line);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1].toLowerCase()) / 3;
  if (month < 0 || !Number.isInteger(month)) return undefined;
  return new Date(Date.UTC(+m[6], month, +m[2], +m[3], +m[4], +m[5]));
}

/**
 * Splits an mbox (mboxrd: ">From " lines lose one ">") into messages as
 * bytes arrive, holding one message and one partial line at a time, so an
 * import's memory does not grow with the file. Every line that begins with
 * "From " starts a message. Status and X-Status headers give \Seen,
 * \Answered, \Flagged, \Deleted, \Draft; the "From " line gives the date.
 */
export class MboxSplitter {
  #carry: Uint8Array | null = null;
  #fromLine: Uint8Array | null = null;
  #lines: Uint8Array[] = [];
  #size = 0;

  /** The messages completed by `chunk`. */
  push(chunk: Uint8Array): Incoming[] {
    const out: Incoming[] = [];
    let bytes = chunk;
    if (this.#carry) {
      bytes = new Uint8Array(this.#carry.length + chunk.length);
      bytes.set(this.#carry);
      bytes.set(chunk, this.#carry.length);
      this.#carry = null;
    }
    let start = 0;
    for (;;) {
      const nl = bytes.indexOf(10, start);
      if (nl < 0) break;
      this.#line(bytes.subarray(start, nl + 1), out);
      start = nl + 1;
    }
    // Copied, so the chunk is not kept alive by a short tail.
    if (start < bytes.length) this.#carry = bytes.slice(start);
    return out;
  }

  /** The last message, once the input has ended. */
  end(): Incoming[] {
    const out: Incoming[] = [];
    if (this.#carry) {
      const last = this.#carry;
      this.#carry = null;
      this.#line(last, out);
    }
    if (this.#fromLine) out.push(this.#finish());
    return out;
  }

  #line(line: Uint8Array, out: Incoming[]): void {
    if (startsWith(line, 0, FROM_)) {
      if (this.#fromLine) out.push(this.#finish());
      this.#fromLine = line.slice();
      return;
    }
    if (!this.#fromLine) return; // text before the first "From " line
    // mboxrd: ">From ", ">>From "... lose one ">".
    if (line[0] === 0x3e) {
      let i = 0;
      while (line[i] === 0x3e) i++;
      if (startsWith(line, i, FROM_)) line = line.subarray(1);
    }
    this.#lines.push(line);
    this.#size += line.length;
  }

  #finish(): Incoming {
    let msg = new Uint8Array(this.#size);
    let o = 0;
    for (const l of this.#lines) {
      msg.set(l, o);
      o += l.length;
    }
    const fromLine = latin1.decode(this.#fromLine!);
    this.#lines = [];
    this.#size = 0;
    this.#fromLine = null;
    // The blank line that separates messages belongs to the mbox, not the message.
    const n = msg.length;
    if (
      n >= 4 && msg[n - 4] === 13 && msg[n - 3] === 10 && msg[n - 2] === 13 && msg[n - 1] === 10
    ) {
      msg = msg.subarray(0, n - 2);
    } else if (n >= 2 && msg[n - 2] === 10 && msg[n - 1] === 10) {
      msg = msg.subarray(0, n - 1);
    }
    return { content: toCrlf(msg), flags: statusFlags(msg), internalDate: fromLineDate(fromLine) };
  }
}

const FROM_ = [0x46, 0x72, 0x6f, 0x6d, 0x20]; // "From "

function startsWith(bytes: Uint8Array, at: number, prefix: number[]): boolean {
  if (bytes.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/** \Seen, \Answered, \Flagged, \Deleted, \Draft from Status and X-Status. */
function statusFlags(msg: Uint8Array): string[] {
  let end = msg.length;
  for (let i = 0; i + 1 < msg.length; i++) {
    if (msg[i] !== 10) continue;
    if (msg[i + 1] === 10 || (msg[i + 1] === 13 && msg[i + 2] === 10)) {
      end = i;
      break;
    }
  }
  const header = latin1.decode(msg.subarray(0, end));
  const status = (/^status:\s*(.*)$/im.exec(header)?.[1] ?? "") +
    (/^x-status:\s*(.*)$/im.exec(header)?.[1] ?? "");
  const flags: string[] = [];
  if (status.includes("R")) flags.push("\\Seen");
  if (status.includes("A")) flags.push("\\Answered");
  if (status.includes("F")) flags.push("\\Flagged");
  if (status.includes("D")) flags.push("\\Deleted");
  if (status.includes("T")) flags.push("\\Draft");
  return flags;
}

/** Messages of an mbox file held in memory (see `MboxSplitter`). */
export function readMbox(bytes: Uint8Array): Incoming[] {
  const s = new MboxSplitter();
  return [...s.push(bytes), ...s.end()];
}

/** Messages of an mbox read in chunks from `stream`, one at a time. */
export async function* readMboxStream(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<Incoming> {
  const s = new MboxSplitter();
  for await (const chunk of stream) yield* s.push(chunk);
  yield* s.end();
}

/** Maildir info flags (":2,FRS") to IMAP flags. */
function maildirFlags(name: string): string[] {
  const info = /:2,([A-Za-z]*)$/.exec(name)?.[1] ?? "";
  const map: Record<string, string> = {
    D: "\\Draft",
    F: "\\Flagged",
    R: "\\Answered",
    S: "\\Seen",
    T: "\\Deleted",
  };
  return [...info].map((c) => map[c]).filter((f): f is string => f !== undefined);
}

async function* readMaildir(dir: string): AsyncGenerator<Incoming> {
  const files: { path: string; name: string; mtime?: Date }[] = [];
  for (const sub of ["new", "cur"]) {
    try {
      for await (const e of Deno.readDir(`${dir}/${sub}`)) {
        if (!e.isFile || e.name.startsWith(".")) continue;
        const path = `${dir}/${sub}/${e.name}`;
        files.push({ path, name: e.name, mtime: (await Deno.stat(path)).mtime ?? undefined });
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  // Delivery order: Maildir names begin with the delivery time in seconds.
  files.sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
  for (const f of files) {
    yield {
      content: toCrlf(await Deno.readFile(f.path)),
      flags: maildirFlags(f.name),
      internalDate: f.mtime,
    };
  }
}

/**
 * Whether `source` is a Maildir (true) or an mbox file (false); anything
 * else is refused with a message that says why. An mbox begins with a
 * "From " line; an empty file is an empty mbox. A Maildir has cur/ or new/.
 */
async function checkImportSource(source: string): Promise<boolean> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(source);
  } catch (e) {
    throw new CliError(`cannot read ${JSON.stringify(source)}: ${(e as Error).message}`);
  }
  if (info.isDirectory) {
    for (const sub of ["cur", "new"]) {
      if ((await Deno.stat(`${source}/${sub}`).catch(() => null))?.isDirectory) return true;
    }
    throw new CliError(
      `${JSON.stringify(source)} is a directory but not a Maildir (it has no cur/ or new/); ` +
        "nothing was imported",
    );
  }
  const file = await Deno.open(source);
  try {
    const head = new Uint8Array(5);
    let n = 0;
    while (n < head.length) {
      const r = await file.read(head.subarray(n));
      if (r === null) break;
      n += r;
    }
    if (n === 0) return false;
    if (new TextDecoder().decode(head.subarray(0, n)) !== "From ") {
      throw new CliError(
        `${JSON.stringify(source)} is not an mbox file (it does not begin with a "From " line); ` +
          "nothing was imported",
      );
    }
    return false;
  } finally {
    file.close();
  }
}

async function importCmd(args: string[], store: MailStore, io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  need(positionals, 3, "import USERNAME MAILBOX MBOX-FILE|MAILDIR");
  const [user, mbox, source] = positionals;
  // The source is checked before anything is created.
  const isDirectory = await checkImportSource(source);
  const a = await account(store, user);
  const existing = await a.getMailbox(mbox);
  const id = existing?.id ?? (await a.createMailbox(mbox)).id;
  const messages: AsyncIterable<Incoming> | Iterable<Incoming> = isDirectory
    ? readMaildir(source)
    : readMboxStream((await Deno.open(source)).readable);
  let imported = 0;
  let failed = 0;
  for await (const m of messages) {
    try {
      await a.append(id, m);
      imported++;
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      failed++;
      io.stderr(`${io.isTerminal ? "\n" : ""}skipped message ${imported + failed}: ${e.message}\n`);
    }
    if (io.isTerminal && (imported + failed) % 100 === 0) {
      io.stderr(`\rimported ${imported} messages`);
    }
  }
  if (io.isTerminal) io.stderr("\r");
  io.stdout(
    `Imported ${imported} messages into ${JSON.stringify(mbox)}${
      failed ? `, ${failed} skipped` : ""
    }\n`,
  );
  return failed ? 1 : 0;
}
