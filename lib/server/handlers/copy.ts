import type { CommandContext, Completion } from "../context.ts";
import type { CopyArgs } from "../../protocol/commands/copy.ts";
import { no } from "../../protocol/errors.ts";
import { writeStatus } from "../../protocol/response.ts";
import { existingMailbox, selectedOf, userOf } from "../access.ts";

/** COPY (RFC 3501 §6.4.7) with COPYUID (RFC 4315 §3). */
async function copy(ctx: CommandContext, args: CopyArgs, byUid: boolean): Promise<Completion> {
  const mailbox = selectedOf(ctx);
  const uids = mailbox.resolveSet(args.set, byUid ? "uid" : "seq");
  const dest = await existingMailbox(ctx, args.mailbox, "TRYCREATE");
  if (uids.length === 0) return {};
  const result = await userOf(ctx).account.copy(mailbox.info.id, uids, dest.id);
  // A copy into the selected mailbox is announced (EXISTS, RECENT) before the tagged OK.
  if (dest.id === mailbox.info.id) mailbox.noteAppended(result.destUids);
  if (result.sourceUids.length === 0) return {};
  return {
    code: {
      code: "COPYUID",
      uidValidity: result.uidValidity,
      source: result.sourceUids,
      dest: result.destUids,
    },
    text: "COPY completed",
  };
}

/**
 * MOVE (RFC 6851 §3): atomic in the store; the client sees an untagged
 * OK [COPYUID], then the EXPUNGE responses, then the tagged OK. Once QRESYNC
 * is on, the expunge half is answered as EXPUNGE is (RFC 7162 §3.2.7, which
 * RFC 6851 §4.4 applies to MOVE): VANISHED, and a tagged OK carrying the new
 * HIGHESTMODSEQ once pending changes are sent, so it covers all the client
 * has been told.
 */
async function move(ctx: CommandContext, args: CopyArgs, byUid: boolean): Promise<Completion> {
  const mailbox = selectedOf(ctx);
  if (mailbox.readOnly) throw no("The mailbox is read-only", "READ-ONLY");
  const uids = mailbox.resolveSet(args.set, byUid ? "uid" : "seq");
  const dest = await existingMailbox(ctx, args.mailbox, "TRYCREATE");
  if (uids.length === 0) return {};
  const result = await userOf(ctx).account.move(mailbox.info.id, uids, dest.id);
  if (result.sourceUids.length === 0) return {};
  writeStatus(ctx.enc, null, "OK", {
    code: "COPYUID",
    uidValidity: result.uidValidity,
    source: result.sourceUids,
    dest: result.destUids,
  }, "Moved");
  mailbox.expungeOwn(result.sourceUids, ctx.enc);
  if (dest.id === mailbox.info.id) mailbox.noteAppended(result.destUids);
  if (!mailbox.qresync) return { text: "MOVE completed" };
  await mailbox.writeUpdates(ctx.enc, true);
  return { code: { code: "HIGHESTMODSEQ", modSeq: mailbox.modSeq }, text: "MOVE completed" };
}

export const handleCopy = (ctx: CommandContext, args: CopyArgs) => copy(ctx, args, false);
export const handleUidCopy = (ctx: CommandContext, args: CopyArgs) => copy(ctx, args, true);
export const handleMove = (ctx: CommandContext, args: CopyArgs) => move(ctx, args, false);
export const handleUidMove = (ctx: CommandContext, args: CopyArgs) => move(ctx, args, true);
