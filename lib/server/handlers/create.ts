import type { CommandContext, Completion } from "../context.ts";
import type { CreateArgs } from "../../protocol/commands/create.ts";
import { newMailboxFromWire } from "../../protocol/mailbox_name.ts";
import { no } from "../../protocol/errors.ts";
import { SPECIAL_USES, type SpecialUse } from "../../store/mail_store.ts";
import { userOf, utf8Names } from "../access.ts";

/**
 * CREATE (RFC 3501 §6.3.3) with CREATE-SPECIAL-USE's USE parameter (RFC 6154 §3);
 * the tagged OK carries the new mailbox's MAILBOXID (RFC 8474 §4.1).
 */
export async function handleCreate(ctx: CommandContext, args: CreateArgs): Promise<Completion> {
  const name = newMailboxFromWire(args.mailbox, utf8Names(ctx));
  if (name === "INBOX") throw no("INBOX already exists", "ALREADYEXISTS");
  if (args.use.length > 1) throw no("Only one special use per mailbox", "USEATTR");
  let specialUse: SpecialUse | undefined;
  if (args.use.length === 1) {
    const use = SPECIAL_USES.find((u) => u.toLowerCase() === args.use[0].toLowerCase());
    // RFC 6154 §3: an attribute the server does not support gets NO [USEATTR].
    if (!use || use === "\\All" || use === "\\Flagged") {
      throw no(`Special use ${args.use[0]} is not supported`, "USEATTR");
    }
    specialUse = use as SpecialUse;
  }
  const account = userOf(ctx).account;
  if (await account.getMailbox(name)) {
    throw no(`Mailbox "${args.mailbox}" already exists`, "ALREADYEXISTS");
  }
  const info = await account.createMailbox(name, specialUse ? { specialUse } : undefined);
  return { code: { code: "MAILBOXID", objectId: info.objectId }, text: "CREATE completed" };
}
