import type { CommandContext } from "../context.ts";
import type { RenameArgs } from "../../protocol/commands/rename.ts";
import { mailboxFromWire, newMailboxFromWire } from "../../protocol/mailbox_name.ts";
import { no } from "../../protocol/errors.ts";
import { userOf, utf8Names } from "../access.ts";

/** RENAME (RFC 3501 §6.3.5): the hierarchy moves along; RENAME INBOX moves its messages. */
export async function handleRename(ctx: CommandContext, args: RenameArgs): Promise<void> {
  const utf8 = utf8Names(ctx);
  const from = mailboxFromWire(args.from, utf8);
  const to = newMailboxFromWire(args.to, utf8);
  if (to === "INBOX") throw no("Cannot rename to INBOX", "ALREADYEXISTS");
  const account = userOf(ctx).account;
  if (!(await account.getMailbox(from))) {
    throw no(`Mailbox "${args.from}" does not exist`, "NONEXISTENT");
  }
  if (await account.getMailbox(to)) {
    throw no(`Mailbox "${args.to}" already exists`, "ALREADYEXISTS");
  }
  await account.renameMailbox(from, to);
}
