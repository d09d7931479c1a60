/**
 * Read-ahead for pipelined FETCH commands: when a client has already sent
 * more FETCH commands behind the running one (a client walking 1,000
 * messages with `FETCH n BODY.PEEK[]`), the running one reads its own
 * messages and theirs from the store in one stream, and those commands are
 * then answered from what was read. Each command is still parsed, resolved
 * and answered in its turn, with its own tag; only the store work moves
 * earlier: one trip to the store thread (two thread wake-ups and a mailbox
 * query) for the run instead of one per command (docs/performance.md).
 *
 * Only what a message never changes is read ahead (its bytes, header,
 * structures, size and dates, EMAILID): RFC 3501 §2.3.1.1 keeps a UID's
 * message the same for as long as the UIDVALIDITY holds, so a record read a
 * moment earlier is the record read now. FLAGS and MODSEQ change, and a
 * command that sets \Seen writes: both are always read at their turn.
 */
import type { MessageFields, MessageRecord, UidSet } from "../store/mail_store.ts";
import type { FetchArgs } from "../protocol/commands/fetch.ts";
import { parseFetch, setsSeen } from "../protocol/commands/fetch.ts";
import { neededFields } from "../protocol/fetch_response.ts";
import { parseCommandHead } from "../protocol/command.ts";
import { CommandParser } from "../wire/parser.ts";
import type { CommandContext } from "./context.ts";
import type { SelectedMailbox } from "./selected_mailbox.ts";
import { countUids, uidSetOf } from "./uid_set.ts";

/** Pipelined commands looked at behind the running one. */
const AHEAD_COMMANDS = 64;
/** Messages one read-ahead names at most (the running command's included). */
const AHEAD_UIDS = 1024;
/** Bytes held for later commands at most; past it, they read for themselves. */
const AHEAD_BYTES = 8 << 20;

/** Fields a message never changes. */
const IMMUTABLE = new Set<keyof MessageFields>([
  "content",
  "header",
  "envelope",
  "bodyStructure",
  "size",
  "internalDate",
  "saveDate",
  "emailId",
]);

/** Records read for commands not yet run, by UID, with the fields they hold. */
interface Held {
  fields: MessageFields;
  records: Map<number, MessageRecord>;
}

/** One per selected-mailbox view: it goes with the view at UNSELECT or the next SELECT. */
const held = new WeakMap<SelectedMailbox, Held>();

/**
 * The fields of a FETCH that may be read ahead or answered from what was,
 * or null: a plain FETCH (no modifiers) of immutable fields that sets no
 * flag.
 */
export function readAheadFields(args: FetchArgs): MessageFields | null {
  if (args.partial || args.changedSince !== undefined || args.vanished) return null;
  if (setsSeen(args.items)) return null;
  const fields = neededFields(args.items);
  for (const [k, v] of Object.entries(fields)) {
    if (v && !IMMUTABLE.has(k as keyof MessageFields)) return null;
  }
  return fields;
}

function covers(have: MessageFields, want: MessageFields): boolean {
  // Structures read in one form do not answer a command that wants the other, or none.
  if (have.wireForm !== want.wireForm && (want.envelope || want.bodyStructure)) return false;
  for (const [k, v] of Object.entries(want)) {
    if (v && !have[k as keyof MessageFields]) return false;
  }
  return true;
}

/**
 * The records of `set` (the running command's known UIDs) when
 * an earlier command read all of them ahead with the fields asked for, or
 * null. Taken records are forgotten; a miss forgets everything held (the
 * run of commands it was read for has ended).
 */
export function takeHeld(
  mailbox: SelectedMailbox,
  set: UidSet,
  fields: MessageFields,
): MessageRecord[] | null {
  const h = held.get(mailbox);
  if (!h) return null;
  const uids = countUids(set) <= h.records.size ? mailbox.knownUids(set) : null;
  if (!uids || !covers(h.fields, fields) || !uids.every((uid) => h.records.has(uid))) {
    held.delete(mailbox);
    return null;
  }
  const out = uids.map((uid) => {
    const r = h.records.get(uid)!;
    h.records.delete(uid);
    return r;
  });
  if (h.records.size === 0) held.delete(mailbox);
  return out;
}

/** Forgets what is held for `mailbox` (a FETCH that did not use it). */
export function dropHeld(mailbox: SelectedMailbox): void {
  held.delete(mailbox);
}

/**
 * What to read for the running command and the plain FETCH commands queued
 * right behind it that read immutable fields of this mailbox: the UIDs
 * (the running command's and theirs) and the fields of all of them. Null
 * when no such command waits. The run stops at the first command that is
 * not one (any other command, a FETCH of flags, a set that does not
 * resolve), so whatever it is runs on data read at its own turn.
 */
export function planReadAhead(
  ctx: CommandContext,
  mailbox: SelectedMailbox,
  own: UidSet,
  fields: MessageFields,
): { uids: UidSet; fields: MessageFields } | null {
  let total = countUids(own);
  if (total >= AHEAD_UIDS) return null;
  const lines = ctx.pipelined(AHEAD_COMMANDS);
  if (lines.length === 0) return null;
  const all: number[] = [];
  const union: MessageFields = { ...fields };
  for (const line of lines) {
    let uids: UidSet;
    try {
      const p = new CommandParser(line);
      const head = parseCommandHead(p);
      if (head.name !== "FETCH" && head.name !== "UID FETCH") break;
      const args = parseFetch(p);
      if (!p.done) break;
      const more = readAheadFields(args);
      if (!more) break;
      uids = mailbox.resolveSet(args.set, head.name === "FETCH" ? "seq" : "uid");
      Object.assign(union, more);
    } catch {
      break;
    }
    total += countUids(uids);
    if (total > AHEAD_UIDS) break;
    all.push(...mailbox.knownUids(uids));
  }
  if (all.length === 0) return null;
  all.push(...mailbox.knownUids(own));
  all.sort((a, b) => a - b);
  return { uids: uidSetOf(all), fields: union };
}

/**
 * The running command's records out of a read-ahead stream; the others are
 * held for the commands behind it, up to AHEAD_BYTES. Reading stops once
 * the running command has its records and nothing more can be held.
 */
export async function* readAhead(
  mailbox: SelectedMailbox,
  records: AsyncIterable<MessageRecord>,
  own: UidSet,
  fields: MessageFields,
): AsyncGenerator<MessageRecord, void, undefined> {
  const mine = new Set(mailbox.knownUids(own));
  let left = mine.size;
  const keep: Held = { fields, records: new Map() };
  held.set(mailbox, keep);
  let bytes = 0;
  for await (const r of records) {
    if (mine.has(r.uid)) {
      left--;
      yield r;
    } else if (bytes < AHEAD_BYTES) {
      bytes += sizeOf(r);
      keep.records.set(r.uid, r);
    } else if (left === 0) break;
  }
}

/** About what a held record costs in memory. */
function sizeOf(r: MessageRecord): number {
  return 256 + (r.content?.length ?? 0) + (r.header?.length ?? 0);
}
