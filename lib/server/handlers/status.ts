import type { CommandContext } from "../context.ts";
import type { StatusArgs } from "../../protocol/commands/status.ts";
import { existingMailbox } from "../access.ts";
import { checkStatusItems, writeMailboxStatus } from "../mailbox_status.ts";

/**
 * STATUS (RFC 3501 §6.3.10), with APPENDLIMIT (RFC 7889 §4), SIZE (RFC 8438)
 * and DELETED, DELETED-STORAGE (RFC 9051 §6.3.11, RFC 9208); the items are answered in
 * mailbox_status.ts, shared with LIST-STATUS. RECENT counts the messages no
 * session holds as \Recent yet (§2.3.2): those a SELECT now would get.
 */
export async function handleStatus(ctx: CommandContext, args: StatusArgs): Promise<void> {
  checkStatusItems(ctx, args.items);
  const info = await existingMailbox(ctx, args.mailbox);
  await writeMailboxStatus(ctx, info, args.items);
}
