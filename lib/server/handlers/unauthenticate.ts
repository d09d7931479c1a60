import type { CommandContext, Completion } from "../context.ts";

/**
 * UNAUTHENTICATE (RFC 8437 §3), from the authenticated or selected state:
 * the selected mailbox is closed without expunging (as UNSELECT), the
 * account let go, and the session is back in the not-authenticated state
 * with nothing of the old login kept (enabled extensions, failed logins),
 * ready for LOGIN or AUTHENTICATE again.
 */
export function handleUnauthenticate(ctx: CommandContext): Promise<Completion> {
  const s = ctx.state;
  if (s.kind === "authenticated" || s.kind === "selected") {
    ctx.log.info("unauthenticated", { username: s.user.authName });
  }
  ctx.unauthenticate();
  return Promise.resolve({ text: "UNAUTHENTICATE completed" });
}
