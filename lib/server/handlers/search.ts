/**
 * SEARCH and UID SEARCH (RFC 3501 §6.4.4, §6.4.8): the client's program is
 * resolved against this session's view (lib/server/search_program.ts) and
 * handed to the store as one domain search. With RETURN (...) the answer
 * is one ESEARCH response (RFC 4731 §3.1), and SAVE keeps the result as
 * "$" (RFC 5182 §2.1, §2.4; with PARTIAL, RFC 9394 §3.2); UPDATE keeps
 * the result live (CONTEXT=SEARCH, RFC 5267 §4.3, search_context.ts).
 */
import type { CommandContext } from "../context.ts";
import type { SearchArgs, SearchReturn } from "../../protocol/commands/search.ts";
import { answerEsearch, matchingUids, modSeqTrailer, writeNumbers } from "../search_program.ts";
import { rev2, selectedOf } from "../access.ts";
import { checkUpdateTag, keepContext } from "../search_context.ts";

const RETURN_ALL: SearchReturn = {
  min: false,
  max: false,
  all: true,
  count: false,
  save: false,
  partial: null,
  context: false,
  update: false,
};

export function handleSearch(ctx: CommandContext, args: SearchArgs): Promise<void> {
  return search(ctx, args, false);
}

export function handleUidSearch(ctx: CommandContext, args: SearchArgs): Promise<void> {
  return search(ctx, args, true);
}

async function search(ctx: CommandContext, args: SearchArgs, byUid: boolean): Promise<void> {
  const view = selectedOf(ctx);
  if (args.ret?.update) checkUpdateTag(ctx);
  const uids = await matchingUids(ctx, "SEARCH", args, false);
  // RFC 9051 §6.4.4, §7.3.4: IMAP4rev2 has no SEARCH response; a SEARCH
  // without RETURN is answered as RETURN (ALL), with ESEARCH.
  if (!args.ret && rev2(ctx)) args = { ...args, ret: { ...RETURN_ALL } };
  if (!args.ret) {
    // RFC 7162 §3.1.5: a search with MODSEQ ends with the highest MODSEQ found.
    const modSeq = await modSeqTrailer(ctx, args.key, uids);
    await writeNumbers(ctx, "SEARCH", byUid ? uids : view.seqsOf(uids), modSeq);
    return;
  }
  await answerEsearch(ctx, args.key, args.ret, uids, byUid);
  // RFC 5267 §4.3: UPDATE keeps the result as a context (CONTEXT=SEARCH).
  if (args.ret.update) keepContext(ctx, args.key, null, uids, byUid);
}
