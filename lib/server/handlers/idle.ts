import type { CommandContext } from "../context.ts";
import { bad } from "../../protocol/errors.ts";
import { writeStatus } from "../../protocol/response.ts";
import { decodeUtf8 } from "../../wire/parser.ts";
import { authenticatedOf } from "../access.ts";
import { refreshContexts } from "../search_context.ts";
import { writePending } from "../notify_delivery.ts";

/** How often IDLE looks for changes made by other processes (the admin CLI). */
export const IDLE_POLL_MS = 500;

/**
 * IDLE (RFC 2177): "+ idling", then updates as they happen until DONE. The
 * session may idle up to idle_timeout (30 minutes at least) before the
 * server ends it. The session state says it idles, so a shutdown answers
 * with BYE at once.
 */
export async function handleIdle(ctx: CommandContext): Promise<void> {
  await ctx.continuation("idling");
  const session = authenticatedOf(ctx);
  session.idling = true;
  const deadline = Date.now() + ctx.endpoint.config.idleTimeoutMs;
  try {
    for (;;) {
      // The selected mailbox's updates, and NOTIFY's (RFC 5465) for the others;
      // then live SEARCH/SORT results (RFC 5267 §4.3).
      await writePending(ctx, true, true);
      await refreshContexts(ctx);
      await ctx.flush();
      const left = deadline - Date.now();
      if (left <= 0) {
        writeStatus(ctx.enc, null, "BYE", undefined, "IDLE lasted too long");
        ctx.endSession();
        return;
      }
      const waits: Promise<void>[] = [];
      if (ctx.state.kind === "selected") waits.push(ctx.state.mailbox.waitForChange(IDLE_POLL_MS));
      if (session.notify) waits.push(session.notify.waitForChange(IDLE_POLL_MS));
      const changed = waits.length > 0
        ? Promise.race(waits)
        : new Promise<void>((r) => setTimeout(r, IDLE_POLL_MS));
      const what = await ctx.waitInput(changed, left);
      if (what === "eof") return;
      if (what === "signal") {
        await ctx.pollMailbox();
        // Other processes' changes to the account's other mailboxes (NOTIFY).
        if (session.notify) await session.user.account.pollAccount();
        continue;
      }
      const line = await ctx.readLine();
      if (line === null) return;
      const text = decodeUtf8(line);
      if (text.toUpperCase() === "DONE") return;
      throw bad(`Expected DONE, got "${text.slice(0, 40)}"`);
    }
  } finally {
    session.idling = false;
  }
}
