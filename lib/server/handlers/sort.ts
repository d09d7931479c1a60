/**
 * SORT and UID SORT (RFC 5256 §3): SEARCH, then the matching messages'
 * cached envelope, internal date and size (no body reads), ordered by
 * `sortMessages`.
 */
import type { CommandContext } from "../context.ts";
import type { SortArgs } from "../../protocol/commands/sort.ts";
import { type SortInput, sortMessages } from "../sorting.ts";
import { modSeqTrailer, searchUids, writeNumbers } from "../search_program.ts";
import { uidSetOf } from "../uid_set.ts";
import { checkCharsetUnderUtf8, selectedOf, userOf } from "../access.ts";

async function sort(ctx: CommandContext, args: SortArgs, byUid: boolean): Promise<void> {
  checkCharsetUnderUtf8(ctx, "SORT", args.charset, true);
  const view = selectedOf(ctx);
  const uids = await searchUids(ctx, args.key);
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
  const modSeq = await modSeqTrailer(ctx, args.key, sorted.map((m) => m.uid));
  await writeNumbers(ctx, "SORT", sorted.map((m) => byUid ? m.uid : view.seqOf(m.uid)), modSeq);
}

export const handleSort = (ctx: CommandContext, args: SortArgs) => sort(ctx, args, false);
export const handleUidSort = (ctx: CommandContext, args: SortArgs) => sort(ctx, args, true);
