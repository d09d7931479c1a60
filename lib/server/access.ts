/**
 * What handlers share to reach the session's user, its selected mailbox
 * and mailboxes named on the wire (kept out of lib/server/handlers so no
 * handler imports another).
 */
import type { CommandContext } from "./context.ts";
import { type Authenticated, deselectedState } from "./session.ts";
import type { MailboxInfo } from "../store/mail_store.ts";
import { mailboxFromWire } from "../protocol/mailbox_name.ts";
import { bad, no } from "../protocol/errors.ts";
import type { SelectedMailbox } from "./selected_mailbox.ts";

/** The authenticated session; the command table admits these commands only there. */
export function authenticatedOf(ctx: CommandContext): Authenticated {
  const s = ctx.state;
  if (s.kind !== "authenticated" && s.kind !== "selected") throw new Error("Not authenticated");
  return s;
}

export function userOf(ctx: CommandContext): Authenticated["user"] {
  return authenticatedOf(ctx).user;
}

export function selectedOf(ctx: CommandContext): SelectedMailbox {
  if (ctx.state.kind !== "selected") throw new Error("No mailbox selected");
  return ctx.state.mailbox;
}

function enabled(ctx: CommandContext, cap: string): boolean {
  const s = ctx.state;
  return (s.kind === "authenticated" || s.kind === "selected") && s.enabled.has(cap);
}

/** Whether the session has ENABLEd IMAP4rev2 (RFC 9051 §6.3.1) and speaks it from now on. */
export function rev2(ctx: CommandContext): boolean {
  return enabled(ctx, "IMAP4REV2");
}

/**
 * Whether names travel as UTF-8: after ENABLE UTF8=ACCEPT (RFC 6855), and
 * in IMAP4rev2, whose mailbox names are UTF-8 (RFC 9051 §5.1; modified
 * UTF-7 is IMAP4rev1's convention, Appendix A of RFC 9051).
 */
export function utf8Names(ctx: CommandContext): boolean {
  return enabled(ctx, "UTF8=ACCEPT") || rev2(ctx);
}

/**
 * RFC 6855 §3 with erratum 4029: once UTF8=ACCEPT is enabled, strings are
 * UTF-8, so SEARCH must not name a charset and SORT and THREAD (whose
 * charset is mandatory) may name only UTF-8; anything else is BAD.
 */
export function checkCharsetUnderUtf8(
  ctx: CommandContext,
  command: string,
  charset: string | null,
  mandatory: boolean,
): void {
  if (!enabled(ctx, "UTF8=ACCEPT") || charset === null) return;
  if (!mandatory) throw bad(`${command} takes no CHARSET after ENABLE UTF8=ACCEPT`);
  if (charset.trim().toUpperCase() !== "UTF-8") {
    throw bad(`${command} takes only the UTF-8 charset after ENABLE UTF8=ACCEPT`);
  }
}

/** Looks up an existing mailbox by its wire name; NO [NONEXISTENT] (or TRYCREATE) when absent. */
export async function existingMailbox(
  ctx: CommandContext,
  wire: string,
  missingCode: "NONEXISTENT" | "TRYCREATE" = "NONEXISTENT",
): Promise<MailboxInfo> {
  const info = await userOf(ctx).account.getMailbox(mailboxFromWire(wire, utf8Names(ctx)));
  if (!info) throw missingMailbox(wire, missingCode);
  return info;
}

/** The NO for a mailbox named `wire` that does not exist. */
export function missingMailbox(
  wire: string,
  code: "NONEXISTENT" | "TRYCREATE" = "NONEXISTENT",
): Error {
  return no(`Mailbox "${wire}" does not exist`, code);
}

/** Leaves the selected state (no EXPUNGE responses), going back to authenticated. */
export function deselect(ctx: CommandContext): void {
  if (ctx.state.kind !== "selected") return;
  ctx.state.mailbox.close();
  ctx.state = deselectedState(ctx.state);
}
