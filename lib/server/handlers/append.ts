import type { CommandContext, Completion } from "../context.ts";
import type { AppendArgs } from "../../protocol/commands/append.ts";
import { no } from "../../protocol/errors.ts";
import { existingMailbox, userOf } from "../access.ts";
import { appendLimitIn, refreshAppendLimits } from "../append_limit.ts";

/** APPEND (RFC 3501 §6.3.11) answering with APPENDUID (RFC 4315 §3). */
export async function handleAppend(ctx: CommandContext, args: AppendArgs): Promise<Completion> {
  const info = await existingMailbox(ctx, args.mailbox, "TRYCREATE");
  // RFC 7889: the mailbox's limit as the store decides it (a synchronizing
  // literal over it was already refused before its data came, connection.ts,
  // which also read the limits afresh). A LITERAL+ message over the limits the
  // session knows is checked against fresh ones before it is refused; one under
  // them but over a limit lowered meanwhile is refused by the store itself.
  const user = userOf(ctx);
  let limit = appendLimitIn(user.appendLimits, info.id);
  if (args.message.length > limit) {
    limit = appendLimitIn(await refreshAppendLimits(user), info.id);
  }
  if (args.message.length > limit) {
    throw no(
      `Message of ${args.message.length} bytes exceeds the APPENDLIMIT of ${limit}`,
      "TOOBIG",
    );
  }
  if (args.message.length === 0) throw no("Empty message", "CANNOT");
  const result = await userOf(ctx).account.append(info.id, {
    content: args.message,
    flags: args.flags,
    internalDate: args.internalDate ?? undefined,
  });
  if (ctx.state.kind === "selected" && ctx.state.mailbox.info.id === info.id) {
    ctx.state.mailbox.noteAppended([result.uid]);
    // A keyword new to the selected mailbox is announced now, as STORE does.
    ctx.state.mailbox.announceKeywords(ctx.enc, args.flags);
  }
  return {
    code: { code: "APPENDUID", uidValidity: result.uidValidity, uid: result.uid },
    text: "APPEND completed",
  };
}
