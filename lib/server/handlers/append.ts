import type { CommandContext, Completion } from "../context.ts";
import type { AppendArgs } from "../../protocol/commands/append.ts";
import type { AppendResult } from "../../store/mail_store.ts";
import { mailboxFromWire } from "../../protocol/mailbox_name.ts";
import { existingMailbox, missingMailbox, userOf, utf8Names } from "../access.ts";
import { appendInputOf, checkMessages, storeMessages } from "../append_limit.ts";
import { catenateMessages } from "../catenate.ts";

/**
 * APPEND (RFC 3501 §6.3.11) of one message or several (MULTIAPPEND, RFC 3502
 * §6.3.11), answering with APPENDUID (RFC 4315 §3). Every message is checked
 * before any is stored, and the store commits them in one transaction: all
 * are appended or none is. A message may be put together with CATENATE
 * (RFC 4469, catenate.ts).
 *
 * Into the selected mailbox, the APPEND's own transaction claims \Recent
 * for this session, which then announces the messages without another
 * commit. When nothing needs the mailbox's id before the messages are
 * stored (no CATENATE, no mailbox with an APPEND limit of its own), the
 * store finds the mailbox by name as it appends: one request, not two.
 */
export async function handleAppend(ctx: CommandContext, args: AppendArgs): Promise<Completion> {
  const user = userOf(ctx);
  const selected = ctx.state.kind === "selected" ? ctx.state.mailbox : null;
  const claimRecentIn = selected?.claimsRecent ? selected.info.id : undefined;
  let mailboxId: number;
  let results: AppendResult[];
  if (
    args.messages.some((m) => m.form === "catenate") ||
    Object.keys(user.appendLimits.mailboxes).length > 0
  ) {
    const info = await existingMailbox(ctx, args.mailbox, "TRYCREATE");
    // RFC 4469: CATENATE's parts are put together before any message is checked or stored.
    const messages = await catenateMessages(ctx, info.id, args.messages);
    await checkMessages(ctx, "APPEND", info.id, messages);
    mailboxId = info.id;
    const claimRecent = info.id === claimRecentIn;
    results = await storeMessages(
      user,
      () => user.account.appendAll(info.id, messages.map(appendInputOf), { claimRecent }),
    );
  } else {
    // Every mailbox takes the account's limit: the checks need no mailbox.
    await checkMessages(ctx, "APPEND", null, args.messages);
    const name = mailboxFromWire(args.mailbox, utf8Names(ctx));
    const done = await storeMessages(
      user,
      () => user.account.appendByName(name, args.messages.map(appendInputOf), { claimRecentIn }),
    );
    if (!done) throw missingMailbox(args.mailbox, "TRYCREATE");
    ({ mailboxId, results } = done);
  }
  if (selected && selected.info.id === mailboxId) {
    const uids = results.map((r) => r.uid);
    if (mailboxId === claimRecentIn) selected.noteOwnAppend(uids, results[0].recent ?? null);
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
