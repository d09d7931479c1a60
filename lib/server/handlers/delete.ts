import type { CommandContext } from "../context.ts";
import type { DeleteArgs } from "../../protocol/commands/delete.ts";
import { mailboxFromWire } from "../../protocol/mailbox_name.ts";
import { no } from "../../protocol/errors.ts";
import { deselect, userOf, utf8Names } from "../access.ts";

/**
 * DELETE (RFC 3501 §6.3.4): INBOX cannot be deleted; a mailbox with
 * children is removed with its messages and its children stay (LIST then
 * shows the name as \Noselect); deleting such a \Noselect name is NO.
 */
export async function handleDelete(ctx: CommandContext, args: DeleteArgs): Promise<void> {
  const name = mailboxFromWire(args.mailbox, utf8Names(ctx));
  if (name === "INBOX") throw no("INBOX cannot be deleted", "CANNOT");
  const account = userOf(ctx).account;
  const info = await account.getMailbox(name);
  if (!info) {
    const all = await account.listMailboxes();
    if (all.some((m) => m.name.startsWith(name + "/"))) {
      // RFC 9051 §6.3.4, §7.1: a \Noselect name with inferiors cannot be deleted.
      throw no(
        `Mailbox "${args.mailbox}" has children and holds no messages of its own`,
        "HASCHILDREN",
      );
    }
    throw no(`Mailbox "${args.mailbox}" does not exist`, "NONEXISTENT");
  }
  if (ctx.state.kind === "selected" && ctx.state.mailbox.info.id === info.id) deselect(ctx);
  await account.deleteMailbox(name);
}
