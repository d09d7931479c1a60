/**
 * SEARCH and UID SEARCH (RFC 3501 §6.4.4, §6.4.8): the client's program is
 * resolved against this session's view (lib/server/search_program.ts) and
 * handed to the store as one domain search.
 */
import type { CommandContext } from "../context.ts";
import type { SearchArgs } from "../../protocol/commands/search.ts";
import { searchUids, writeNumbers } from "../search_program.ts";
import { checkCharsetUnderUtf8, selectedOf } from "../access.ts";

export async function handleSearch(ctx: CommandContext, args: SearchArgs): Promise<void> {
  checkCharsetUnderUtf8(ctx, "SEARCH", args.charset, false);
  const view = selectedOf(ctx);
  const uids = await searchUids(ctx, args.key);
  await writeNumbers(ctx, "SEARCH", uids.map((uid) => view.seqOf(uid)));
}

export async function handleUidSearch(ctx: CommandContext, args: SearchArgs): Promise<void> {
  checkCharsetUnderUtf8(ctx, "SEARCH", args.charset, false);
  await writeNumbers(ctx, "SEARCH", await searchUids(ctx, args.key));
}
