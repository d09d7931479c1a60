/**
 * THREAD and UID THREAD (RFC 5256 §4): SEARCH, then per matching message
 * the cached envelope and internal date, and for REFERENCES the header
 * block (References and In-Reply-To); no body is read.
 */
import type { CommandContext } from "../context.ts";
import type { ThreadArgs } from "../../protocol/commands/thread.ts";
import { headerValues } from "../../mime/mod.ts";
import { messageDate } from "../sorting.ts";
import {
  formatThreads,
  type ThreadInput,
  threadOrderedSubject,
  threadReferences,
} from "../threading.ts";
import { searchUids } from "../search_program.ts";
import { uidSetOf } from "../uid_set.ts";
import { checkCharsetUnderUtf8, selectedOf, userOf } from "../access.ts";

/** Threads written between checks for a flush of a long response. */
const FLUSH_EVERY = 512;

async function thread(ctx: CommandContext, args: ThreadArgs, byUid: boolean): Promise<void> {
  checkCharsetUnderUtf8(ctx, "THREAD", args.charset, true);
  const view = selectedOf(ctx);
  const uids = await searchUids(ctx, args.key);
  const references = args.algorithm === "references";
  const messages: ThreadInput[] = [];
  if (uids.length > 0) {
    const records = userOf(ctx).account.fetch(view.info.id, uidSetOf(uids), {
      envelope: true,
      internalDate: true,
      header: references,
    });
    for await (const r of records) {
      if (!r.envelope || !r.internalDate) continue;
      const header = r.header;
      messages.push({
        id: byUid ? r.uid : view.seqOf(r.uid),
        date: messageDate(r.envelope.date, r.internalDate),
        subject: r.envelope.subject,
        messageId: r.envelope.messageId,
        references: header ? headerValues(header, "References").join(" ") || null : null,
        inReplyTo: header ? headerValues(header, "In-Reply-To")[0] ?? null : r.envelope.inReplyTo,
      });
    }
  }
  const threads = references ? threadReferences(messages) : threadOrderedSubject(messages);
  ctx.enc.untagged().atom("THREAD");
  if (threads.length > 0) ctx.enc.sp();
  for (let i = 0; i < threads.length; i++) {
    ctx.enc.atom(formatThreads([threads[i]]));
    if (i % FLUSH_EVERY === FLUSH_EVERY - 1) await ctx.maybeFlush();
  }
  ctx.enc.crlf();
}

export const handleThread = (ctx: CommandContext, args: ThreadArgs) => thread(ctx, args, false);
export const handleUidThread = (ctx: CommandContext, args: ThreadArgs) => thread(ctx, args, true);
