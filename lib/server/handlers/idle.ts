import type { CommandContext } from "../context.ts";
import { bad } from "../../protocol/errors.ts";
import { writeStatus } from "../../protocol/response.ts";
import { decodeUtf8 } from "../../wire/parser.ts";
import { authenticatedOf } from "../access.ts";
import { refreshContexts } from "../search_context.ts";
import { writePending } from "../notify_delivery.ts";
import { joinIdlePoll } from "../idle_poll.ts";

export { IDLE_POLL_MS } from "../idle_poll.ts";

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
  // Other processes' changes: idle_poll.ts polls for every session in IDLE on
  // the mailbox, and what it finds wakes this one through its watch.
  const leave = joinIdlePoll(
    session.user.account,
    ctx.state.kind === "selected" ? ctx.state.mailbox.info.id : null,
    session.notify !== null,
  );
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
      // One timer for the deadline, none per tick: a session in IDLE sleeps
      // until a change, its deadline or its client wakes it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waits: Promise<void>[] = [new Promise((r) => timer = setTimeout(r, left))];
      if (ctx.state.kind === "selected") waits.push(ctx.state.mailbox.waitForChange());
      if (session.notify) waits.push(session.notify.waitForChange());
      const what = await ctx.waitInput(Promise.race(waits), left);
      clearTimeout(timer);
      if (what === "eof") return;
      if (what === "signal") continue;
      const line = await ctx.readLine();
      if (line === null) return;
      const text = decodeUtf8(line);
      if (text.toUpperCase() === "DONE") return;
      throw bad(`Expected DONE, got "${text.slice(0, 40)}"`);
    }
  } finally {
    leave();
    session.idling = false;
  }
}
