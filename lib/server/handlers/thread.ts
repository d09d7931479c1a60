/**
 * THREAD and UID THREAD (RFC 5256 §4): SEARCH, then per matching message
 * the cached envelope and internal date, and for REFERENCES the header
 * block (References and In-Reply-To); no body is read.
 */
import type { Connection } from "../connection.ts";
import type { ThreadArgs } from "../../protocol/commands/thread.ts";
import { headerValues } from "../../mime/mod.ts";
import { messageDate } from "../sorting.ts";
import {
  formatThreads,
  type ThreadInput,
  threadOrderedSubject,
  threadReferences,
} from "../threading.ts";
import { searchUids, uidSetOf } from "./search.ts";
import { selectedOf, userOf } from "./_mailbox.ts";

/** Threads written between checks for a flush of a long response. */
const FLUSH_EVERY = 512;

async function thread(conn: Connection, args: ThreadArgs, byUid: boolean): Promise<void> {
  const view = selectedOf(conn);
  const uids = await searchUids(conn, args.key);
  const references = args.algorithm === "references";
  const messages: ThreadInput[] = [];
  if (uids.length > 0) {
    const records = userOf(conn).account.fetch(view.info.id, uidSetOf(uids), {
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
  conn.enc.untagged().atom("THREAD");
  if (threads.length > 0) conn.enc.sp();
  for (let i = 0; i < threads.length; i++) {
    conn.enc.atom(formatThreads([threads[i]]));
    if (i % FLUSH_EVERY === FLUSH_EVERY - 1) await conn.maybeFlush();
  }
  conn.enc.crlf();
}

export const handleThread = (conn: Connection, args: ThreadArgs) => thread(conn, args, false);
export const handleUidThread = (conn: Connection, args: ThreadArgs) => thread(conn, args, true);
