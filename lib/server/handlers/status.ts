import type { CommandContext } from "../context.ts";
import { type StatusArgs, writeStatusResponse } from "../../protocol/commands/status.ts";
import { mailboxToWire } from "../../protocol/mailbox_name.ts";
import { existingMailbox, userOf, utf8Names } from "../access.ts";
import { enableCondstore } from "../condstore.ts";

/**
 * STATUS (RFC 3501 §6.3.10), with APPENDLIMIT (RFC 7889 §4) and
 * HIGHESTMODSEQ (RFC 7162 §3.1.7). RECENT counts
 * the messages no session holds as \Recent yet (§2.3.2): those a SELECT
 * now would get.
 */
export async function handleStatus(ctx: CommandContext, args: StatusArgs): Promise<void> {
  const info = await existingMailbox(ctx, args.mailbox);
  const status = await userOf(ctx).account.status(info.id);
  const values: Record<string, number | null> = {
    MESSAGES: status.messages,
    RECENT: status.recent,
    UIDNEXT: status.uidNext,
    UIDVALIDITY: status.uidValidity,
    UNSEEN: status.unseen,
    APPENDLIMIT: status.appendLimit,
    HIGHESTMODSEQ: status.highestModSeq,
  };
  // RFC 7162 §3.1: STATUS (HIGHESTMODSEQ) is a CONDSTORE enabling command.
  if (args.items.includes("HIGHESTMODSEQ")) enableCondstore(ctx);
  writeStatusResponse(
    ctx.enc,
    mailboxToWire(info.name, utf8Names(ctx)),
    args.items.map((i) => [i, values[i]] as [string, number | null]),
  );
}
