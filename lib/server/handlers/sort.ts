/**
 * SORT and UID SORT (RFC 5256 §3): SEARCH, then the matching messages'
 * cached envelope, internal date and size (no body reads), ordered by
 * `sortMessages`. With RETURN (...) (ESORT, RFC 5267 §3.1) the answer is
 * one ESEARCH response in sort order, and SAVE keeps the result as "$"
 * (RFC 5182 §2.4).
 */
import type { CommandContext } from "../context.ts";
import type { SortArgs } from "../../protocol/commands/sort.ts";
import { type SortInput, sortMessages } from "../sorting.ts";
import { answerEsearch, modSeqTrailer, searchUids, writeNumbers } from "../search_program.ts";
import { uidSetOf } from "../uid_set.ts";
import { checkCharsetUnderUtf8, selectedOf, userOf } from "../access.ts";

async function sort(ctx: CommandContext, args: SortArgs, byUid: boolean): Promise<void> {
  const view = selectedOf(ctx);
  let uids: number[];
  try {
    checkCharsetUnderUtf8(ctx, "SORT", args.charset, true);
    if (args.failure) throw args.failure;
    uids = await searchUids(ctx, args.key);
  } catch (err) {
    // RFC 5182 §2.1 (with ESORT, RFC 5267 §3): a SORT with SAVE that fails leaves "$" empty.
    if (args.ret?.save) view.saveResult([]);
    throw err;
  }
  const messages: SortInput[] = [];
  if (uids.length > 0) {
    const records = userOf(ctx).account.fetch(view.info.id, uidSetOf(uids), {
      envelope: true,
      internalDate: true,
      size: true,
    });
    for await (const r of records) {
      // A message expunged between the search and the fetch is simply absent.
      if (!r.envelope || !r.internalDate || r.size === undefined) continue;
      messages.push({
        uid: r.uid,
        internalDate: r.internalDate,
        size: r.size,
        envelope: r.envelope,
      });
    }
  }
  const sorted = sortMessages(messages, args.criteria);
  if (args.ret) {
    await answerEsearch(ctx, args.key, args.ret, sorted.map((m) => m.uid), byUid);
    return;
  }
  const modSeq = await modSeqTrailer(ctx, args.key, sorted.map((m) => m.uid));
  await writeNumbers(ctx, "SORT", sorted.map((m) => byUid ? m.uid : view.seqOf(m.uid)), modSeq);
}

export const handleSort = (ctx: CommandContext, args: SortArgs) => sort(ctx, args, false);
export const handleUidSort = (ctx: CommandContext, args: SortArgs) => sort(ctx, args, true);
