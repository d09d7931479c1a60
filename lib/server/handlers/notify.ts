import type { CommandContext, Completion } from "../context.ts";
import { type NotifyArgs, SUPPORTED_EVENTS } from "../../protocol/commands/notify.ts";
import { no } from "../../protocol/errors.ts";
import { mailboxFromWire } from "../../protocol/mailbox_name.ts";
import { authenticatedOf, utf8Names } from "../access.ts";
import { Notifier, type WatchGroup } from "../notify.ts";

/**
 * NOTIFY (RFC 5465 §3): NONE turns notifications off; SET replaces the
 * groups in force. An event this server does not deliver gets
 * NO [BADEVENT (the events it does)] and leaves the earlier NOTIFY in
 * force (§6). SET STATUS first answers STATUS for every watched mailbox.
 */
export async function handleNotify(
  ctx: CommandContext,
  args: NotifyArgs,
): Promise<Completion | void> {
  const session = authenticatedOf(ctx);
  if (args.kind === "none") {
    session.notify?.stop();
    session.notify = null;
    return;
  }
  if (args.unsupported.length > 0) {
    throw no(`Unsupported event ${args.unsupported[0]}`, {
      code: "BADEVENT",
      events: SUPPORTED_EVENTS,
    });
  }
  const utf8 = utf8Names(ctx);
  const groups: WatchGroup[] = args.groups.map((g) => ({
    ...g,
    names: "names" in g.filter ? g.filter.names.map((n) => mailboxFromWire(n, utf8)) : [],
  }));
  const notifier = new Notifier(
    session.user.account,
    groups,
    () => ctx.state.kind === "selected" ? ctx.state.mailbox.info.id : null,
  );
  await notifier.start();
  session.notify?.stop();
  session.notify = notifier;
  if (args.status) {
    await notifier.writeInitialStatus(ctx.enc, utf8, session.enabled.has("CONDSTORE"));
  }
}
