/**
 * REPLACE and UID REPLACE (RFC 8508 §3): the message is checked as APPEND
 * checks it, then the store appends it to the named mailbox and expunges
 * the replaced message from the selected one in one transaction. The client
 * sees an untagged OK [APPENDUID] (RFC 4315, as the RFC's example shows),
 * the EXPUNGE (or VANISHED), then the tagged OK.
 */
import type { CommandContext, Completion } from "../context.ts";
import type { ReplaceArgs } from "../../protocol/commands/replace.ts";
import { no } from "../../protocol/errors.ts";
import { writeStatus } from "../../protocol/response.ts";
import { existingMailbox, selectedOf, userOf } from "../access.ts";
import { appendInputOf, checkMessages, storeMessages } from "../append_limit.ts";
import { catenateMessages } from "../catenate.ts";

async function replace(
  ctx: CommandContext,
  args: ReplaceArgs,
  byUid: boolean,
): Promise<Completion> {
  const mailbox = selectedOf(ctx);
  // §3.3: the replaced message is expunged, which a read-only mailbox does not allow.
  if (mailbox.readOnly) throw no("The mailbox is read-only", "READ-ONLY");
  // A sequence number past the end is BAD (resolveSet), as for any command.
  const uids = mailbox.resolveSet(args.target, byUid ? "uid" : "seq");
  const dest = await existingMailbox(ctx, args.mailbox, "TRYCREATE");
  const uid = uids.length === 1 && uids[0].from === uids[0].to ? uids[0].from : 0;
  if (uid === 0 || mailbox.isExpunged(uid)) {
    throw no(`No message with UID ${args.target[0].from} to replace`, "NONEXISTENT");
  }
  // RFC 8508 §4: REPLACE takes CATENATE too.
  const [m] = await catenateMessages(ctx, dest.id, [args.message]);
  await checkMessages(ctx, "REPLACE", dest.id, [m]);
  const user = userOf(ctx);
  const result = await storeMessages(
    user,
    () => user.account.replace(mailbox.info.id, uid, dest.id, appendInputOf(m)),
  );
  writeStatus(ctx.enc, null, "OK", {
    code: "APPENDUID",
    uidValidity: result.uidValidity,
    uids: [result.uid],
  }, "Replacement message ready");
  mailbox.expungeOwn([uid], ctx.enc);
  if (dest.id === mailbox.info.id) {
    mailbox.noteAppended([result.uid]);
    mailbox.announceKeywords(ctx.enc, m.flags);
  }
  return {};
}

export const handleReplace = (ctx: CommandContext, args: ReplaceArgs) => replace(ctx, args, false);
export const handleUidReplace = (ctx: CommandContext, args: ReplaceArgs) =>
  replace(ctx, args, true);
