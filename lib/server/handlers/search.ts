/**
 * SEARCH and UID SEARCH (RFC 3501 §6.4.4, §6.4.8): the client's program is
 * resolved against this session's view (lib/server/search_program.ts) and
 * handed to the store as one domain search. With RETURN (...) the answer
 * is one ESEARCH response (RFC 4731 §3.1), and SAVE keeps the result as
 * "$" (RFC 5182 §2.1, §2.4; with PARTIAL, RFC 9394 §3.2).
 */
import type { CommandContext } from "../context.ts";
import {
  type EsearchData,
  partialSlice,
  type SearchArgs,
  type SearchReturn,
  writeEsearch,
} from "../../protocol/commands/search.ts";
import { modSeqTrailer, searchUids, writeNumbers } from "../search_program.ts";
import { checkCharsetUnderUtf8, rev2, selectedOf } from "../access.ts";
import type { SelectedMailbox } from "../selected_mailbox.ts";

const RETURN_ALL: SearchReturn = {
  min: false,
  max: false,
  all: true,
  count: false,
  save: false,
  partial: null,
};

export function handleSearch(ctx: CommandContext, args: SearchArgs): Promise<void> {
  return search(ctx, args, false);
}

export function handleUidSearch(ctx: CommandContext, args: SearchArgs): Promise<void> {
  return search(ctx, args, true);
}

async function search(ctx: CommandContext, args: SearchArgs, byUid: boolean): Promise<void> {
  const view = selectedOf(ctx);
  let uids: number[];
  try {
    checkCharsetUnderUtf8(ctx, "SEARCH", args.charset, false);
    if (args.failure) throw args.failure;
    uids = await searchUids(ctx, args.key);
  } catch (err) {
    // RFC 5182 §2.1: a SEARCH with SAVE that fails (NO) leaves "$" empty.
    if (args.ret?.save) view.saveResult([]);
    throw err;
  }
  // RFC 9051 §6.4.4, §7.3.4: IMAP4rev2 has no SEARCH response; a SEARCH
  // without RETURN is answered as RETURN (ALL), with ESEARCH.
  if (!args.ret && rev2(ctx)) args = { ...args, ret: { ...RETURN_ALL } };
  if (!args.ret) {
    // RFC 7162 §3.1.5: a search with MODSEQ ends with the highest MODSEQ found.
    const modSeq = await modSeqTrailer(ctx, args.key, uids);
    await writeNumbers(ctx, "SEARCH", byUid ? uids : uids.map((uid) => view.seqOf(uid)), modSeq);
    return;
  }
  await answerExtended(ctx, view, args, uids, byUid);
}

/** The ESEARCH response and the saved result for RETURN options `ret` over ascending `uids`. */
async function answerExtended(
  ctx: CommandContext,
  view: SelectedMailbox,
  args: SearchArgs,
  uids: readonly number[],
  byUid: boolean,
): Promise<void> {
  const ret = args.ret!;
  const ids = byUid ? uids : uids.map((uid) => view.seqOf(uid));
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
  const modSeq = await modSeqTrailer(ctx, args.key, returned);
  if (modSeq !== undefined) data.modSeq = modSeq;
  if (ret.save) view.saveResult(returned);
  // RFC 5182 §2.4: SAVE alone answers with no ESEARCH response.
  const onlySave = !ret.min && !ret.max && !ret.all && !ret.count && !ret.partial;
  if (!onlySave) writeEsearch(ctx.enc, data);
}

/**
 * What "$" holds after SEARCH RETURN (SAVE ...) (RFC 5182 §2.4, RFC 9394
 * §3.2): every match with ALL, COUNT or SAVE alone; otherwise the messages
 * the other options return: the PARTIAL page, the MIN and the MAX message.
 */
function savedUids(
  ret: SearchReturn,
  uids: readonly number[],
  page: [number, number],
): number[] {
  if (ret.all || ret.count || (!ret.min && !ret.max && !ret.partial)) return [...uids];
  if (uids.length === 0) return [];
  const out = new Set<number>(ret.partial ? uids.slice(page[0], page[1]) : []);
  if (ret.min) out.add(uids[0]);
  if (ret.max) out.add(uids[uids.length - 1]);
  return [...out].sort((a, b) => a - b);
}
