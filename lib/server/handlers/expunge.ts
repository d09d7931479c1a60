import type { CommandContext, Completion } from "../context.ts";
import type { ExpungeArgs } from "../../protocol/commands/expunge.ts";
import { no } from "../../protocol/errors.ts";
import { selectedOf, userOf } from "../access.ts";

/**
 * EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1). Once QRESYNC
 * is on, the removed messages go out as VANISHED (the view does that) and,
 * when at least one went, the tagged OK carries the new HIGHESTMODSEQ
 * (RFC 7162 §3.2.7, §3.2.9): pending changes are sent first, so the value
 * covers everything the client has been told.
 */
export async function handleExpunge(
  ctx: CommandContext,
  args: ExpungeArgs,
): Promise<Completion | void> {
  const mailbox = selectedOf(ctx);
  if (mailbox.readOnly) throw no("The mailbox is read-only", "READ-ONLY");
  const uids = args.uids ? mailbox.resolveSet(args.uids, "uid") : undefined;
  if (uids && uids.length === 0) return;
  const expunged = await userOf(ctx).account.expunge(mailbox.info.id, uids);
  mailbox.expungeOwn(expunged, ctx.enc);
  if (expunged.length === 0 || !mailbox.qresync) return;
  await mailbox.writeUpdates(ctx.enc, true);
  return { code: { code: "HIGHESTMODSEQ", modSeq: mailbox.modSeq } };
}
