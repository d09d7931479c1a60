/**
 * Read-ahead for pipelined FETCH commands: when a client has already sent
 * more FETCH commands behind the running one (a client walking 1,000
 * messages with `FETCH n BODY.PEEK[]`), the running one reads its own
 * messages and theirs from the store in one stream, and those commands then
 * take their records from that stream as it brings them. Each command is
 * still parsed, resolved and answered in its turn, with its own tag; only
 * the store work moves earlier: one trip to the store thread (two thread
 * wake-ups and a mailbox query) for the run instead of one per command, and
 * the store thread reads the next messages while this thread writes the
 * previous ones (docs/performance.md).
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

/**
 * What a read-ahead holds for the commands not yet run: the records read and
 * not yet taken, and the store stream the rest still comes from, with the
 * UIDs it has yet to give. Later commands take their records as the stream
 * brings them, so the store thread reads the next messages while this
 * thread writes the previous ones.
 */
interface Held {
  fields: MessageFields;
  records: Map<number, MessageRecord>;
  /** UIDs of the plan not read from `source` yet. */
  pending: Set<number>;
  source: AsyncIterator<MessageRecord> | null;
  /** About what `records` costs in memory (sizeOf). */
  bytes: number;
}

/** One per selected-mailbox view: dropped (its stream cancelled) when the view closes. */
const held = new WeakMap<SelectedMailbox, Held>();
const watched = new WeakSet<SelectedMailbox>();

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
 * The records of `set` when an earlier command's read-ahead holds or
 * brings all of them with the fields asked for, in UID order; or null.
 * A miss drops everything held and cancels its stream (the run of
 * commands it was read for has ended).
 */
export function takeHeld(
  mailbox: SelectedMailbox,
  set: UidSet,
  fields: MessageFields,
): AsyncIterable<MessageRecord> | null {
  const h = held.get(mailbox);
  if (!h) return null;
  const uids = countUids(set) <= h.records.size + h.pending.size ? mailbox.knownUids(set) : null;
  if (
    !uids || !covers(h.fields, fields) ||
    !uids.every((uid) => h.records.has(uid) || h.pending.has(uid))
  ) {
    dropHeld(mailbox);
    return null;
  }
  return take(mailbox, h, uids);
}

/** Forgets what is held for `mailbox` and stops its stream (a FETCH that did not use it). */
export function dropHeld(mailbox: SelectedMailbox): void {
  const h = held.get(mailbox);
  if (!h) return;
  held.delete(mailbox);
  end(h);
}

function end(h: Held): void {
  const source = h.source;
  h.source = null;
  h.pending.clear();
  source?.return?.().catch(() => {});
}

/** `uids`' records, from what is held or, as they come, from the stream. */
async function* take(
  mailbox: SelectedMailbox,
  h: Held,
  uids: readonly number[],
): AsyncGenerator<MessageRecord, void, undefined> {
  for (const uid of uids) {
    let r = h.records.get(uid);
    if (r) {
      h.records.delete(uid);
      h.bytes -= sizeOf(r);
    } else if (h.pending.has(uid)) {
      r = await pull(h, uid);
    }
    // A UID the store no longer has (expunged meanwhile) is left out, as a read now would.
    if (r) yield r;
  }
  if (h.records.size === 0 && h.pending.size === 0 && held.get(mailbox) === h) {
    held.delete(mailbox);
    end(h);
  }
}

/**
 * Reads the stream up to `uid`'s record, keeping the others read on the way
 * for their commands, up to AHEAD_BYTES; past it they are let go, and
 * their commands read for themselves.
 */
async function pull(h: Held, uid: number): Promise<MessageRecord | undefined> {
  while (h.source) {
    const next = await h.source.next();
    if (next.done) {
      h.source = null;
      h.pending.clear();
      return undefined;
    }
    const r = next.value;
    h.pending.delete(r.uid);
    if (r.uid === uid) return r;
    if (h.bytes < AHEAD_BYTES) {
      h.records.set(r.uid, r);
      h.bytes += sizeOf(r);
    }
  }
  return undefined;
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
 * Starts a read-ahead: `records` is the store stream of `plan` (the UIDs of
 * the running command and of the commands behind it); the running
 * command's own records come back, and the rest stay held in the stream
 * for the commands behind it (takeHeld).
 */
export function readAhead(
  mailbox: SelectedMailbox,
  records: AsyncIterable<MessageRecord>,
  own: UidSet,
  plan: { uids: UidSet; fields: MessageFields },
): AsyncIterable<MessageRecord> {
  dropHeld(mailbox);
  if (!watched.has(mailbox)) {
    watched.add(mailbox);
    mailbox.onClose(() => dropHeld(mailbox));
  }
  const h: Held = {
    fields: plan.fields,
    records: new Map(),
    pending: new Set(mailbox.knownUids(plan.uids)),
    source: records[Symbol.asyncIterator](),
    bytes: 0,
  };
  held.set(mailbox, h);
  return take(mailbox, h, mailbox.knownUids(own));
}

/** About what a held record costs in memory. */
function sizeOf(r: MessageRecord): number {
  return 256 + (r.content?.length ?? 0) + (r.header?.length ?? 0);
}
