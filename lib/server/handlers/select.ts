import type { CommandContext, Completion } from "../context.ts";
import { type SelectArgs, writeSelectResponses } from "../../protocol/commands/select.ts";
import { SelectedMailbox } from "../selected_mailbox.ts";
import { selectedState } from "../session.ts";
import { authenticatedOf, deselect, existingMailbox } from "../access.ts";

/**
 * SELECT (RFC 3501 §6.3.1) and, with readOnly, EXAMINE (§6.3.2). SELECT
 * claims \Recent for the messages no session holds yet; EXAMINE shows
 * them as recent without taking the flag away (§2.3.2).
 */
async function open(ctx: CommandContext, args: SelectArgs, readOnly: boolean): Promise<Completion> {
  // A SELECT that fails leaves no mailbox selected (§6.3.1).
  deselect(ctx);
  const session = authenticatedOf(ctx);
  const account = session.user.account;
  const info = await existingMailbox(ctx, args.mailbox);
  const snap = await account.select(info.id, { readOnly });
  const mailbox = new SelectedMailbox(snap.mailbox, snap.uids, readOnly, {
    keywords: snap.flagsInUse,
    claimRecent: (uid, peek) => account.claimRecent(info.id, uid, { peek }),
  });
  mailbox.setUnwatch(account.watch(info.id, (e) => mailbox.handleEvent(e)));
  ctx.state = selectedState(session, mailbox);
  const recent = await mailbox.claimInitialRecent();

  writeSelectResponses(ctx.enc, {
    flags: mailbox.flagList,
    readOnly,
    exists: snap.uids.length,
    recent,
    firstUnseen: snap.firstUnseenUid === null ? 0 : mailbox.seqOf(snap.firstUnseenUid),
    uidValidity: snap.mailbox.uidValidity,
    uidNext: snap.mailbox.uidNext,
    objectId: snap.mailbox.objectId,
  });
  return {
    code: readOnly ? "READ-ONLY" : "READ-WRITE",
    text: `${readOnly ? "EXAMINE" : "SELECT"} completed`,
  };
}

export function handleSelect(ctx: CommandContext, args: SelectArgs): Promise<Completion> {
  return open(ctx, args, false);
}

export function handleExamine(ctx: CommandContext, args: SelectArgs): Promise<Completion> {
  return open(ctx, args, true);
}
