import type { CommandContext } from "../context.ts";

/** NOOP does nothing; pending mailbox updates go out before its tagged OK (RFC 3501 §6.1.2). */
export async function handleNoop(ctx: CommandContext): Promise<void> {
  if (ctx.state.kind === "selected") await ctx.pollMailbox();
}
