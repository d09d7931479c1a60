import type { CommandContext } from "../context.ts";
import type { SubscribeArgs } from "../../protocol/commands/subscribe.ts";
import { mailboxFromWire } from "../../protocol/mailbox_name.ts";
import { no } from "../../protocol/errors.ts";
import { userOf, utf8Names } from "../access.ts";

/** SUBSCRIBE (RFC 3501 §6.3.6): only existing mailboxes may be subscribed to. */
export async function handleSubscribe(ctx: CommandContext, args: SubscribeArgs): Promise<void> {
  const name = mailboxFromWire(args.mailbox, utf8Names(ctx));
  const account = userOf(ctx).account;
  if (!(await account.getMailbox(name))) {
    throw no(`Mailbox "${args.mailbox}" does not exist`, "NONEXISTENT");
  }
  await account.setSubscribed(name, true);
}

/** UNSUBSCRIBE (§6.3.7): works for names that no longer exist too. */
export async function handleUnsubscribe(ctx: CommandContext, args: SubscribeArgs): Promise<void> {
  const name = mailboxFromWire(args.mailbox, utf8Names(ctx));
  const account = userOf(ctx).account;
  const subs = await account.listSubscriptions();
  if (!subs.includes(name)) throw no(`Not subscribed to "${args.mailbox}"`, "NONEXISTENT");
  await account.setSubscribed(name, false);
}
