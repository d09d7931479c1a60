import type { CommandContext } from "../context.ts";
import type { CancelUpdateArgs } from "../../protocol/commands/cancelupdate.ts";
import { selectedOf } from "../access.ts";

/**
 * CANCELUPDATE (RFC 5267 §4.3.5): the named contexts send no more updates.
 * A tag that names none is passed over: the client's wish already holds.
 */
export function handleCancelUpdate(ctx: CommandContext, args: CancelUpdateArgs): Promise<void> {
  const view = selectedOf(ctx);
  for (const tag of args.tags) view.contexts.delete(tag);
  return Promise.resolve();
}
