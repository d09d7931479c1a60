import type { CommandContext } from "../context.ts";

/**
 * NOOP does nothing; pending mailbox updates go out before its tagged OK
 * (RFC 3501 §6.1.2). Under NOTIFY (RFC 5465) it also looks for what other
 * processes changed in the account's other mailboxes.
 */
export async function handleNoop(ctx: CommandContext): Promise<void> {
  if (ctx.state.kind === "selected") await ctx.pollMailbox();
  if ((ctx.state.kind === "authenticated" || ctx.state.kind === "selected") && ctx.state.notify) {
    await ctx.state.user.account.pollAccount();
  }
}
