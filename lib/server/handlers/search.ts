/**
 * SEARCH and UID SEARCH (RFC 3501 §6.4.4, §6.4.8): the client's program is
 * resolved against this session's view (sequence sets to UID sets, "*" in
 * UID sets to the largest UID the client knows, NEW and OLD to their
 * meaning) and handed to the store as one domain search.
 */
import type { Connection } from "../connection.ts";
import {
  checkSearchLimits,
  type SearchArgs,
  type SearchProgram,
} from "../../protocol/commands/search.ts";
import type { SearchKey, UidSet } from "../../store/mail_store.ts";
import type { SelectedMailbox } from "../selected_mailbox.ts";
import { selectedOf, userOf } from "./_mailbox.ts";

/** Numbers written between checks for a flush of a long response. */
const FLUSH_EVERY = 4096;

/** The store's search key for `program`, sequence numbers resolved with `view`. */
export function toSearchKey(program: SearchProgram, view: SelectedMailbox): SearchKey {
  switch (program.type) {
    case "seq":
      // Numbers past the last message match nothing (RFC 3501 leaves SEARCH lenient here).
      return { type: "uid", set: view.uidsForSeqSet(program.set) };
    case "uid":
      return { type: "uid", set: view.uidsForUidSet(program.set) };
    case "new":
      // RFC 3501 §6.4.4: NEW is "functionally equivalent to (RECENT UNSEEN)".
      return {
        type: "and",
        keys: [{ type: "recent", present: true }, { type: "flag", flag: "\\Seen", present: false }],
      };
    case "old":
      // OLD is "functionally equivalent to NOT RECENT".
      return { type: "recent", present: false };
    case "and":
      return { type: "and", keys: program.keys.map((k) => toSearchKey(k, view)) };
    case "or":
      return {
        type: "or",
        left: toSearchKey(program.left, view),
        right: toSearchKey(program.right, view),
      };
    case "not":
      return { type: "not", key: toSearchKey(program.key, view) };
    default:
      return program;
  }
}

/**
 * UIDs matching `program`, ascending, limited to the messages this client
 * knows and that are still there: messages appended since the last EXISTS
 * have no sequence number yet, and those expunged by another session but
 * not yet reported are left out.
 */
export async function searchUids(conn: Connection, program: SearchProgram): Promise<number[]> {
  const view = selectedOf(conn);
  const cfg = conn.endpoint.config;
  checkSearchLimits(program, { maxKeys: cfg.maxSearchKeys, maxOctets: cfg.maxSearchSize });
  const found = await userOf(conn).account.search(view.info.id, toSearchKey(program, view));
  return found.filter((uid) => view.seqOf(uid) > 0 && !view.isExpunged(uid));
}

/** Writes "* NAME n n n" (or "* NAME" for none), flushing as it grows. */
export async function writeNumbers(
  conn: Connection,
  name: string,
  numbers: readonly number[],
): Promise<void> {
  conn.enc.untagged().atom(name);
  for (let i = 0; i < numbers.length; i++) {
    conn.enc.sp().number(numbers[i]);
    if (i % FLUSH_EVERY === FLUSH_EVERY - 1) await conn.maybeFlush();
  }
  conn.enc.crlf();
}

/** Ascending UIDs as a UID set of ranges. */
export function uidSetOf(uids: readonly number[]): UidSet {
  const out: { from: number; to: number }[] = [];
  for (const uid of uids) {
    const last = out[out.length - 1];
    if (last && uid === last.to + 1) last.to = uid;
    else out.push({ from: uid, to: uid });
  }
  return out;
}

export async function handleSearch(conn: Connection, args: SearchArgs): Promise<void> {
  const view = selectedOf(conn);
  const uids = await searchUids(conn, args.key);
  await writeNumbers(conn, "SEARCH", uids.map((uid) => view.seqOf(uid)));
}

export async function handleUidSearch(conn: Connection, args: SearchArgs): Promise<void> {
  await writeNumbers(conn, "SEARCH", await searchUids(conn, args.key));
}
