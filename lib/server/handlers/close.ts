import type { CommandContext } from "../context.ts";
import { bad } from "../../protocol/errors.ts";
import { deselect, rev2, selectedOf, userOf } from "../access.ts";

/** CLOSE (RFC 3501 §6.4.2): expunges silently unless read-only, then deselects. */
export async function handleClose(ctx: CommandContext): Promise<void> {
  const mailbox = selectedOf(ctx);
  if (!mailbox.readOnly && !mailbox.deleted) {
    await userOf(ctx).account.expunge(mailbox.info.id);
  }
  deselect(ctx);
}

/** UNSELECT (RFC 3691): deselects without expunging. */
export function handleUnselect(ctx: CommandContext): Promise<void> {
  deselect(ctx);
  return Promise.resolve();
}

/** CHECK (RFC 3501 §6.4.1): a checkpoint; we use it to deliver pending updates. */
export async function handleCheck(ctx: CommandContext): Promise<void> {
  // RFC 9051 Appendix E: IMAP4rev2 removed CHECK (NOOP does its work).
  if (rev2(ctx)) throw bad("CHECK is not part of IMAP4rev2; use NOOP");
  await ctx.pollMailbox();
}
