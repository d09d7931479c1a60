import type { CommandContext } from "../context.ts";
import { type EnableArgs, writeEnabled } from "../../protocol/commands/enable.ts";
import { authenticatedOf } from "../access.ts";
import { enableCondstore } from "../condstore.ts";

/** Extensions ENABLE can turn on (RFC 5161 §3.1); unknown names are ignored, as the RFC says. */
export const ENABLEABLE = new Set<string>([
  "CONDSTORE",
  "QRESYNC",
  "UTF8=ACCEPT",
  "UIDONLY",
  "IMAP4REV2",
]);

/** ENABLED's spelling of a name its RFC writes in mixed case (names compare case-insensitively). */
const SPELLING: Record<string, string> = { IMAP4REV2: "IMAP4rev2" };

/**
 * ENABLE (RFC 5161): the extensions live in the session state, for the
 * rest of the session. IMAP4rev2 (RFC 9051 §6.3.1) switches the session
 * to that protocol's rules (handlers ask `rev2()` in access.ts). QRESYNC
 * implies CONDSTORE (RFC 7162 §3.2.3); the ENABLED response names what
 * this command turned on of what it asked for.
 */
export function handleEnable(ctx: CommandContext, args: EnableArgs): Promise<void> {
  const enabled = authenticatedOf(ctx).enabled;
  const newly: string[] = [];
  for (const cap of args.capabilities) {
    if (!ENABLEABLE.has(cap) || enabled.has(cap) || newly.includes(cap)) continue;
    // RFC 6855 §3: from now on quoted strings and mailbox names carry UTF-8
    // (access.ts utf8Names() reads the same state for names on the way in).
    // RFC 9051 §4.3, §5.1: IMAP4rev2 strings and mailbox names are UTF-8 too.
    if (cap === "UTF8=ACCEPT" || cap === "IMAP4REV2") ctx.enc.utf8 = true;
    if (cap === "CONDSTORE" || cap === "QRESYNC") {
      // Announces HIGHESTMODSEQ when a mailbox is selected (RFC 7162 §3.1.2.1).
      enableCondstore(ctx);
    }
    enabled.add(cap);
    newly.push(SPELLING[cap] ?? cap);
  }
  writeEnabled(ctx.enc, newly);
  return Promise.resolve();
}
