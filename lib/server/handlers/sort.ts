/**
 * SORT and UID SORT (RFC 5256 §3): SEARCH, then the matching messages'
 * cached envelope, internal date and size (no body reads), ordered by
 * `sortMessages`.
 */
import type { Connection } from "../connection.ts";
import type { SortArgs } from "../../protocol/commands/sort.ts";
import { type SortInput, sortMessages } from "../sorting.ts";
import { searchUids, uidSetOf, writeNumbers } from "./search.ts";
import { selectedOf, userOf } from "./_mailbox.ts";

async function sort(conn: Connection, args: SortArgs, byUid: boolean): Promise<void> {
  const view = selectedOf(conn);
  const uids = await searchUids(conn, args.key);
  const messages: SortInput[] = [];
  if (uids.length > 0) {
    const records = userOf(conn).account.fetch(view.info.id, uidSetOf(uids), {
      envelope: true,
      internalDate: true,
      size: true,
    });
    for await (const r of records) {
      // A message expunged between the search and the fetch is simply absent.
      if (!r.envelope || !r.internalDate || r.size === undefined) continue;
      messages.push({
        uid: r.uid,
        internalDate: r.internalDate,
        size: r.size,
        envelope: r.envelope,
      });
    }
  }
  const sorted = sortMessages(messages, args.criteria);
  await writeNumbers(conn, "SORT", sorted.map((m) => byUid ? m.uid : view.seqOf(m.uid)));
}

export const handleSort = (conn: Connection, args: SortArgs) => sort(conn, args, false);
export const handleUidSort = (conn: Connection, args: SortArgs) => sort(conn, args, true);
