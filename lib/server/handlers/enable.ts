import type { CommandContext } from "../context.ts";
import { type EnableArgs, writeEnabled } from "../../protocol/commands/enable.ts";
import { authenticatedOf } from "../access.ts";
import { enableCondstore } from "../condstore.ts";

/** Extensions ENABLE can turn on (RFC 5161 §3.1); unknown names are ignored, as the RFC says. */
export const ENABLEABLE = new Set<string>(["CONDSTORE", "QRESYNC", "UTF8=ACCEPT", "UIDONLY"]);

/**
 * ENABLE (RFC 5161): the extensions live in the session state, for the
 * rest of the session. QRESYNC implies CONDSTORE (RFC 7162 §3.2.3); the
 * ENABLED response names what this command turned on of what it asked for.
 */
export function handleEnable(ctx: CommandContext, args: EnableArgs): Promise<void> {
  const enabled = authenticatedOf(ctx).enabled;
  const newly: string[] = [];
  for (const cap of args.capabilities) {
    if (!ENABLEABLE.has(cap) || enabled.has(cap) || newly.includes(cap)) continue;
    // RFC 6855 §3: from now on quoted strings and mailbox names carry UTF-8
    // (access.ts utf8Names() reads the same state for names on the way in).
    if (cap === "UTF8=ACCEPT") ctx.enc.utf8 = true;
    if (cap === "CONDSTORE" || cap === "QRESYNC") {
      // Announces HIGHESTMODSEQ when a mailbox is selected (RFC 7162 §3.1.2.1).
      enableCondstore(ctx);
    }
    enabled.add(cap);
    newly.push(cap);
  }
  writeEnabled(ctx.enc, newly);
  return Promise.resolve();
}
