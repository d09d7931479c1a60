/**
 * A client's SEARCH program resolved against this session's view, shared by
 * SEARCH, SORT and THREAD: sequence sets become UID sets, "*" in UID sets
 * the largest UID the client knows, RECENT / NEW / OLD the messages that
 * are \Recent in this session (RFC 3501 §2.3.2, §6.4.4), "$" the saved
 * result (RFC 5182 §2.1), OLDER / YOUNGER instants before now (RFC 5032 §3).
 */
import type { SearchProgram, SearchReturn } from "../protocol/commands/search.ts";
import {
  checkSearchLimits,
  type EsearchData,
  partialSlice,
  usesModSeq,
  writeEsearch,
  writeModSeqTrailer,
  writeNumbersPart,
  writeNumbersStart,
} from "../protocol/commands/search.ts";
import type { SearchKey } from "../store/mail_store.ts";
import type { SelectedMailbox } from "./selected_mailbox.ts";
import type { CommandContext } from "./context.ts";
import { checkCharsetUnderUtf8, selectedOf, userOf } from "./access.ts";
import { enableCondstore } from "./condstore.ts";
import { uidSetOf } from "./uid_set.ts";
import { indexOf } from "./mailbox_index.ts";
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
 * The UIDs a SEARCH or SORT matches (`searchUids`), after its CHARSET rule
 * under UTF8=ACCEPT (`mandatory`: SORT must name one) and any failure the
 * parser held for the handler. A command with RETURN (SAVE) that fails
 * leaves "$" empty (RFC 5182 §2.1; for SORT, RFC 5267 §3).
 */
export async function matchingUids(
  ctx: CommandContext,
  command: "SEARCH" | "SORT",
  args: {
    charset: string | null;
    failure?: Error;
    key: SearchProgram;
    ret: SearchReturn | null;
  },
  mandatory: boolean,
): Promise<number[]> {
  try {
    checkCharsetUnderUtf8(ctx, command, args.charset, mandatory);
    if (args.failure) throw args.failure;
    return await searchUids(ctx, args.key);
  } catch (err) {
    if (args.ret?.save) selectedOf(ctx).saveResult([]);
    throw err;
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
  const account = userOf(ctx).account;
  const key = toSearchKey(program, view);
  // Flags, UIDs and MODSEQs only: the mailbox's index answers (mailbox_index.ts).
  const found = indexOf(account, view.info.id)?.search(key) ??
    await account.search(view.info.id, key);
  const seqs = view.seqsOf(found);
  return found.filter((uid, i) => seqs[i] > 0 && !view.isExpunged(uid));
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
  const index = indexOf(userOf(ctx).account, selectedOf(ctx).info.id);
  const set = uidSetOf(sorted);
  if (index?.knows(set, true)) {
    for (const uid of sorted) {
      const i = index.indexOf(uid);
      if (i >= 0) highest = Math.max(highest, index.modSeqAt(i));
    }
    return highest > 0 ? highest : undefined;
  }
  const records = userOf(ctx).account.fetch(selectedOf(ctx).info.id, set, {
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

/**
 * The ESEARCH response and the saved result for RETURN options `ret` over
 * `uids`, in the order of the result: ascending for SEARCH (RFC 4731
 * §3.1), the requested order for SORT (RFC 5267 §3.1: MIN and MAX are the
 * first and last sorted messages, ALL lists them in sort order, where a
 * range only stands for numbers that follow each other upwards, §3.2).
 */
export async function answerEsearch(
  ctx: CommandContext,
  program: SearchProgram,
  ret: SearchReturn,
  uids: readonly number[],
  byUid: boolean,
): Promise<void> {
  const view = selectedOf(ctx);
  const ids = byUid ? uids : view.seqsOf(uids);
  const data: EsearchData = { tag: ctx.tag, uid: byUid };
  const n = ids.length;
  if (ret.min && n > 0) data.min = ids[0];
  if (ret.max && n > 0) data.max = ids[n - 1];
  if (ret.all) data.all = ids;
  let page: [number, number] = [0, 0];
  if (ret.partial) {
    page = partialSlice(ret.partial, n);
    data.partial = { range: ret.partial, numbers: ids.slice(page[0], page[1]) };
  }
  if (ret.count) data.count = n;
  // The messages this answer returns: "$" gets them, and with a MODSEQ key
  // the ESEARCH carries the highest MODSEQ among them (RFC 7162 §3.1.5).
  const returned = savedUids(ret, uids, page);
  const modSeq = await modSeqTrailer(ctx, program, returned);
  if (modSeq !== undefined) data.modSeq = modSeq;
  if (ret.save) view.saveResult(returned);
  // RFC 5182 §2.4: SAVE alone answers with no ESEARCH response.
  const onlySave = !ret.min && !ret.max && !ret.all && !ret.count && !ret.partial;
  if (!onlySave) writeEsearch(ctx.enc, data);
}

/**
 * What "$" holds after SEARCH or SORT RETURN (SAVE ...) (RFC 5182 §2.4,
 * RFC 9394 §3.2), ascending: every match with ALL, COUNT or SAVE alone;
 * otherwise the messages the other options return: the PARTIAL page, the
 * MIN and the MAX message.
 */
function savedUids(
  ret: SearchReturn,
  uids: readonly number[],
  page: [number, number],
): number[] {
  const ascending = (list: Iterable<number>) => [...list].sort((a, b) => a - b);
  if (ret.all || ret.count || (!ret.min && !ret.max && !ret.partial)) return ascending(uids);
  if (uids.length === 0) return [];
  const out = new Set<number>(ret.partial ? uids.slice(page[0], page[1]) : []);
  if (ret.min) out.add(uids[0]);
  if (ret.max) out.add(uids[uids.length - 1]);
  return ascending(out);
}
