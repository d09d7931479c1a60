/**
 * A client's SEARCH program resolved against this session's view, shared by
 * SEARCH, SORT and THREAD: sequence sets become UID sets, "*" in UID sets
 * the largest UID the client knows, RECENT / NEW / OLD the messages that
 * are \Recent in this session (RFC 3501 §2.3.2, §6.4.4), "$" the saved
 * result (RFC 5182 §2.1), OLDER / YOUNGER instants before now (RFC 5032 §3).
 */
import type { SearchProgram } from "../protocol/commands/search.ts";
import {
  checkSearchLimits,
  usesModSeq,
  writeModSeqTrailer,
  writeNumbersPart,
  writeNumbersStart,
} from "../protocol/commands/search.ts";
import type { SearchKey } from "../store/mail_store.ts";
import type { SelectedMailbox } from "./selected_mailbox.ts";
import type { CommandContext } from "./context.ts";
import { selectedOf, userOf } from "./access.ts";
import { enableCondstore } from "./condstore.ts";
import { uidSetOf } from "./uid_set.ts";
import { SAVED_RESULT } from "../protocol/sequence_set.ts";
import { bad } from "../protocol/errors.ts";

/** Numbers written between checks for a flush of a long response. */
const FLUSH_EVERY = 4096;

/** The store's search key for `program`, sequence numbers and \Recent resolved with `view`. */
export function toSearchKey(
  program: SearchProgram,
  view: SelectedMailbox,
  now: number = Date.now(),
): SearchKey {
  switch (program.type) {
    case "within": {
      // RFC 5032 §3: OLDER n matches an internal date at least n seconds
      // before now, YOUNGER n one less than n seconds before: each message
      // matches exactly one of the two.
      const edge = now - program.seconds * 1000 + 1;
      return { type: "internalTime", op: program.op === "older" ? "before" : "since", time: edge };
    }
    case "seq":
      // RFC 9586 §3: a sequence-set key is a message number, refused under
      // UIDONLY; "$" (RFC 5182) holds UIDs and stays allowed.
      if (view.uidOnly && program.set !== SAVED_RESULT) {
        throw bad(
          "A message number search key is not allowed with UIDONLY: use UID",
          "UIDREQUIRED",
        );
      }
      return { type: "uid", set: view.resolveSet(program.set, "search") };
    case "uid":
      return { type: "uid", set: view.resolveSet(program.set, "uid") };
    case "recent": {
      const recent: SearchKey = { type: "uid", set: view.recentUids };
      return program.present ? recent : { type: "not", key: recent };
    }
    case "new":
      // RFC 3501 §6.4.4: NEW is "functionally equivalent to (RECENT UNSEEN)".
      return {
        type: "and",
        keys: [
          { type: "uid", set: view.recentUids },
          { type: "flag", flag: "\\Seen", present: false },
        ],
      };
    case "old":
      // OLD is "functionally equivalent to NOT RECENT".
      return { type: "not", key: { type: "uid", set: view.recentUids } };
    case "and":
      return { type: "and", keys: program.keys.map((k) => toSearchKey(k, view, now)) };
    case "or":
      return {
        type: "or",
        left: toSearchKey(program.left, view, now),
        right: toSearchKey(program.right, view, now),
      };
    case "not":
      return { type: "not", key: toSearchKey(program.key, view, now) };
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
export async function searchUids(ctx: CommandContext, program: SearchProgram): Promise<number[]> {
  const view = selectedOf(ctx);
  const cfg = ctx.endpoint.config;
  checkSearchLimits(program, { maxKeys: cfg.maxSearchKeys, maxOctets: cfg.maxSearchSize });
  const found = await userOf(ctx).account.search(view.info.id, toSearchKey(program, view));
  return found.filter((uid) => view.seqOf(uid) > 0 && !view.isExpunged(uid));
}

/**
 * RFC 7162 §3.1.5, §3.1.6, §3.1.9: a program with MODSEQ turns CONDSTORE
 * on, and its SEARCH or SORT answer ends with the highest MODSEQ of the
 * messages found (none when nothing matched). Undefined when the program
 * has no MODSEQ key.
 */
export async function modSeqTrailer(
  ctx: CommandContext,
  program: SearchProgram,
  uids: readonly number[],
): Promise<number | undefined> {
  if (!usesModSeq(program)) return undefined;
  enableCondstore(ctx);
  if (uids.length === 0) return undefined;
  const sorted = [...uids].sort((a, b) => a - b);
  let highest = 0;
  const records = userOf(ctx).account.fetch(selectedOf(ctx).info.id, uidSetOf(sorted), {
    modSeq: true,
  });
  for await (const r of records) highest = Math.max(highest, r.modSeq ?? 0);
  return highest > 0 ? highest : undefined;
}

/** Writes "* SEARCH n n n" (or "* SORT ..."), flushing as it grows, and a (MODSEQ n) trailer. */
export async function writeNumbers(
  ctx: CommandContext,
  name: "SEARCH" | "SORT",
  numbers: readonly number[],
  modSeq?: number,
): Promise<void> {
  writeNumbersStart(ctx.enc, name);
  for (let i = 0; i < numbers.length; i += FLUSH_EVERY) {
    writeNumbersPart(ctx.enc, numbers, i, Math.min(numbers.length, i + FLUSH_EVERY));
    await ctx.maybeFlush();
  }
  if (modSeq !== undefined) writeModSeqTrailer(ctx.enc, modSeq);
  ctx.enc.crlf();
}
