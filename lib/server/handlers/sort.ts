/**
 * SORT and UID SORT (RFC 5256 §3): SEARCH, then the matching messages'
 * cached envelope, internal date and size (no body reads), ordered by
 * `sortMessages`. With RETURN (...) (ESORT, RFC 5267 §3.1) the answer is
 * one ESEARCH response in sort order, SAVE keeps the result as "$"
 * (RFC 5182 §2.4) and UPDATE keeps it live (CONTEXT=SORT, RFC 5267 §4.3).
 */
import type { CommandContext } from "../context.ts";
import type { SortArgs } from "../../protocol/commands/sort.ts";
import { checkUpdateTag, keepContext, sortUids } from "../search_context.ts";
import { answerEsearch, matchingUids, modSeqTrailer, writeNumbers } from "../search_program.ts";
import { selectedOf } from "../access.ts";

async function sort(ctx: CommandContext, args: SortArgs, byUid: boolean): Promise<void> {
  const view = selectedOf(ctx);
  if (args.ret?.update) checkUpdateTag(ctx);
  const uids = await matchingUids(ctx, "SORT", args, true);
  const sorted = await sortUids(ctx, uids, args.criteria);
  if (args.ret) {
    await answerEsearch(ctx, args.key, args.ret, sorted, byUid);
    // RFC 5267 §4.3: UPDATE keeps the result as a context, kept in sort order.
    if (args.ret.update) keepContext(ctx, args.key, args.criteria, sorted, byUid);
    return;
  }
  const modSeq = await modSeqTrailer(ctx, args.key, sorted);
  await writeNumbers(ctx, "SORT", byUid ? sorted : sorted.map((uid) => view.seqOf(uid)), modSeq);
}

export const handleSort = (ctx: CommandContext, args: SortArgs) => sort(ctx, args, false);
export const handleUidSort = (ctx: CommandContext, args: SortArgs) => sort(ctx, args, true);
