import type { CommandContext, Completion } from "../context.ts";
import type { AppendArgs } from "../../protocol/commands/append.ts";
import { existingMailbox, userOf } from "../access.ts";
import { checkMessages, storeMessages } from "../append_limit.ts";
import { catenateMessages } from "../catenate.ts";

/**
 * APPEND (RFC 3501 §6.3.11) of one message or several (MULTIAPPEND, RFC 3502
 * §6.3.11), answering with APPENDUID (RFC 4315 §3). Every message is checked
 * before any is stored, and the store commits them in one transaction: all
 * are appended or none is. A message may be put together with CATENATE
 * (RFC 4469, catenate.ts).
 */
export async function handleAppend(ctx: CommandContext, args: AppendArgs): Promise<Completion> {
  const info = await existingMailbox(ctx, args.mailbox, "TRYCREATE");
  // RFC 4469: CATENATE's parts are put together before any message is checked or stored.
  const messages = await catenateMessages(ctx, info.id, args.messages);
  await checkMessages(ctx, "APPEND", info.id, messages);
  const user = userOf(ctx);
  // Into the selected mailbox: the APPEND's own transaction claims \Recent
  // for this session, which then announces the message without another commit.
  const selected = ctx.state.kind === "selected" && ctx.state.mailbox.info.id === info.id
    ? ctx.state.mailbox
    : null;
  const claimRecent = selected?.claimsRecent ?? false;
  const results = await storeMessages(user, () =>
    user.account.appendAll(
      info.id,
      messages.map((m) => ({
        content: m.content,
        flags: m.flags,
        internalDate: m.internalDate ?? undefined,
      })),
      { claimRecent },
    ));
  if (selected) {
    const uids = results.map((r) => r.uid);
    if (claimRecent) selected.noteOwnAppend(uids, results[0].recent ?? null);
    else selected.noteAppended(uids);
    // A keyword new to the selected mailbox is announced now, as STORE does.
    selected.announceKeywords(ctx.enc, args.messages.flatMap((m) => m.flags));
  }
  return {
    code: {
      code: "APPENDUID",
      uidValidity: results[0].uidValidity,
      uids: results.map((r) => r.uid),
    },
    text: "APPEND completed",
  };
}
