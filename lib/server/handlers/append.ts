import type { CommandContext, Completion } from "../context.ts";
import type { AppendArgs } from "../../protocol/commands/append.ts";
import { bad, no } from "../../protocol/errors.ts";
import { existingMailbox, userOf, utf8Names } from "../access.ts";
import { appendLimitIn, refreshAppendLimits } from "../append_limit.ts";

/**
 * APPEND (RFC 3501 §6.3.11) of one message or several (MULTIAPPEND, RFC 3502
 * §6.3.11), answering with APPENDUID (RFC 4315 §3). Every message is checked
 * before any is stored, and the store commits them in one transaction: all
 * are appended or none is.
 */
export async function handleAppend(ctx: CommandContext, args: AppendArgs): Promise<Completion> {
  const info = await existingMailbox(ctx, args.mailbox, "TRYCREATE");
  // RFC 7889: the mailbox's limit as the store decides it (a synchronizing
  // literal over it was already refused before its data came, connection.ts,
  // which also read the limits afresh). A LITERAL+ message over the limits the
  // session knows is checked against fresh ones before it is refused; one under
  // them but over a limit lowered meanwhile is refused by the store itself.
  const user = userOf(ctx);
  let limit = appendLimitIn(user.appendLimits, info.id);
  if (args.messages.some((m) => m.content.length > limit)) {
    limit = appendLimitIn(await refreshAppendLimits(user), info.id);
  }
  const utf8 = utf8Names(ctx);
  for (const [i, message] of args.messages.entries()) {
    const which = args.messages.length === 1 ? "Message" : `Message ${i + 1}`;
    // RFC 6855 §4: the UTF8 data item belongs to sessions that enabled UTF8=ACCEPT.
    if (message.form === "utf8" && !utf8) {
      throw bad("APPEND UTF8 needs ENABLE UTF8=ACCEPT first");
    }
    if (message.content.length > limit) {
      throw no(
        `${which} of ${message.content.length} bytes exceeds the APPENDLIMIT of ${limit}`,
        "TOOBIG",
      );
    }
    if (message.content.length === 0) throw no(`${which} is empty`, "CANNOT");
  }
  const results = await userOf(ctx).account.appendAll(
    info.id,
    args.messages.map((m) => ({
      content: m.content,
      flags: m.flags,
      internalDate: m.internalDate ?? undefined,
    })),
  );
  if (ctx.state.kind === "selected" && ctx.state.mailbox.info.id === info.id) {
    ctx.state.mailbox.noteAppended(results.map((r) => r.uid));
    // A keyword new to the selected mailbox is announced now, as STORE does.
    ctx.state.mailbox.announceKeywords(ctx.enc, args.messages.flatMap((m) => m.flags));
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
