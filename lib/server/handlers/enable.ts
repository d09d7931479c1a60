import type { CommandContext } from "../context.ts";
import { type EnableArgs, writeEnabled } from "../../protocol/commands/enable.ts";
import { authenticatedOf } from "../access.ts";

/** Extensions ENABLE can turn on (RFC 5161 §3.1); unknown names are ignored, as the RFC says. */
export const ENABLEABLE = new Set<string>(["UTF8=ACCEPT"]);

/** ENABLE (RFC 5161): the extensions live in the session state, for the rest of the session. */
export function handleEnable(ctx: CommandContext, args: EnableArgs): Promise<void> {
  const enabled = authenticatedOf(ctx).enabled;
  const newly: string[] = [];
  for (const cap of args.capabilities) {
    if (ENABLEABLE.has(cap) && !enabled.has(cap)) {
      enabled.add(cap);
      newly.push(cap);
      // RFC 6855 §3: from now on quoted strings and mailbox names carry UTF-8
      // (access.ts utf8Names() reads the same state for names on the way in).
      if (cap === "UTF8=ACCEPT") ctx.enc.utf8 = true;
    }
  }
  writeEnabled(ctx.enc, newly);
  return Promise.resolve();
}
