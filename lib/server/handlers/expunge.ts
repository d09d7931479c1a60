import type { CommandContext } from "../context.ts";
import type { ExpungeArgs } from "../../protocol/commands/expunge.ts";
import { no } from "../../protocol/errors.ts";
import { selectedOf, userOf } from "../access.ts";

/** EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1). */
export async function handleExpunge(ctx: CommandContext, args: ExpungeArgs): Promise<void> {
  const mailbox = selectedOf(ctx);
  if (mailbox.readOnly) throw no("The mailbox is read-only", "READ-ONLY");
  const uids = args.uids ? mailbox.resolveSet(args.uids, "uid") : undefined;
  if (uids && uids.length === 0) return;
  const expunged = await userOf(ctx).account.expunge(mailbox.info.id, uids);
  mailbox.expungeOwn(expunged, ctx.enc);
}
