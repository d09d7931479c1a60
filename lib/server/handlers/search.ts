/**
 * SEARCH and UID SEARCH (RFC 3501 §6.4.4, §6.4.8): the client's program is
 * resolved against this session's view (lib/server/search_program.ts) and
 * handed to the store as one domain search.
 */
import type { CommandContext } from "../context.ts";
import type { SearchArgs } from "../../protocol/commands/search.ts";
import { modSeqTrailer, searchUids, writeNumbers } from "../search_program.ts";
import { selectedOf } from "../access.ts";

export async function handleSearch(ctx: CommandContext, args: SearchArgs): Promise<void> {
  const view = selectedOf(ctx);
  const uids = await searchUids(ctx, args.key);
  const modSeq = await modSeqTrailer(ctx, args.key, uids);
  await writeNumbers(ctx, "SEARCH", uids.map((uid) => view.seqOf(uid)), modSeq);
}

export async function handleUidSearch(ctx: CommandContext, args: SearchArgs): Promise<void> {
  const uids = await searchUids(ctx, args.key);
  await writeNumbers(ctx, "SEARCH", uids, await modSeqTrailer(ctx, args.key, uids));
}
