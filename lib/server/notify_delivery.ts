/**
 * Delivery of what a session has not been told yet: the selected
 * mailbox's updates and NOTIFY's notifications (RFC 5465), at the end of
 * each command, between commands and in IDLE. Apart from notify.ts so
 * that session.ts may name the Notifier without an import cycle.
 */
import type { CommandContext } from "./context.ts";
import { utf8Names } from "./access.ts";

/**
 * Writes what the session has not been told: the selected mailbox's
 * updates (when `selected`; EXPUNGE only when `allowExpunge`), FETCH of
 * MessageNew's attributes for its new messages, then the NOTIFY
 * notifications of other mailboxes. An overflow turns NOTIFY off.
 */
export async function writePending(
  ctx: CommandContext,
  allowExpunge: boolean,
  selected: boolean,
  allowFlags = true,
): Promise<void> {
  const s = ctx.state;
  if (s.kind !== "authenticated" && s.kind !== "selected") return;
  if (selected && s.kind === "selected") {
    const before = s.mailbox.count;
    await s.mailbox.writeUpdates(ctx.enc, allowExpunge, allowFlags);
    if (s.notify) await s.notify.writeNewMessages(ctx.enc, s.mailbox, before);
  }
  const notify = s.notify;
  if (!notify?.hasPending) return;
  if (!await notify.write(ctx.enc, utf8Names(ctx), s.enabled.has("CONDSTORE"))) {
    notify.stop();
    if (s.notify === notify) s.notify = null;
  }
}

/**
 * Between commands (RFC 5465 §3: notifications may come at any time):
 * the selected mailbox's updates when a "selected" group asks for them
 * (EXPUNGE too for "selected", held for a command under
 * "selected-delayed"; flag changes only with FlagChange), and the other
 * mailboxes' notifications.
 */
export function writeBetweenCommands(ctx: CommandContext): Promise<void> {
  const s = ctx.state;
  if ((s.kind !== "authenticated" && s.kind !== "selected") || !s.notify) {
    return Promise.resolve();
  }
  const group = s.notify.selectedGroup;
  const pushSelected = group !== null && group.events.size > 0;
  return writePending(
    ctx,
    group?.filter.kind === "selected",
    pushSelected,
    group?.events.has("FlagChange") ?? false,
  );
}
