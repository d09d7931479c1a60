/** FETCH: records streamed in UID order, in chunks, loading only the fields asked for. */
import type { MessageFields, MessageRecord, UidSet } from "../mail_store.ts";
import type { BodyStructure, Envelope } from "../../mime/types.ts";
import {
  type AccountContext,
  bodyOf,
  CHUNK,
  concat,
  mailboxRow,
  type MessageRow,
  toBytes,
} from "./context.ts";
import { flagList } from "./flags.ts";
import { normalizeUidSet, uidSteps } from "./uid_ranges.ts";

type FetchRow = MessageRow & Record<string, unknown>;

export async function* fetchMessages(
  ctx: AccountContext,
  mailboxId: number,
  uids: UidSet,
  fields: MessageFields,
): AsyncIterable<MessageRecord> {
  const box = await mailboxRow(ctx, ctx.db, mailboxId);
  const set = normalizeUidSet(uids, box.uid_next - 1);
  const wantBody = !!(fields.envelope || fields.bodyStructure || fields.header || fields.content);
  for (const step of uidSteps(set, CHUNK)) {
    let cursor = step.kind === "range" ? step.from : 0;
    for (;;) {
      let q = ctx.db.selectFrom("messages as m")
        .select([
          "m.uid",
          "m.system_flags",
          "m.keywords",
          "m.internal_date",
          "m.size",
          "m.modseq",
          "m.body_id",
        ])
        .where("m.mailbox_id", "=", mailboxId);
      q = step.kind === "range"
        ? q.where("m.uid", ">=", cursor).where("m.uid", "<=", step.to)
        : q.where(ctx.sql.inSet("m.uid", step.uids));
      const rows = wantBody
        ? await q.innerJoin("bodies as b", "b.id", "m.body_id")
          .$if(!!fields.envelope, (qb) => qb.select("b.envelope"))
          .$if(!!fields.bodyStructure, (qb) => qb.select("b.body_structure"))
          .$if(!!(fields.header || fields.content), (qb) => qb.select("b.header"))
          .$if(!!fields.content, (qb) => qb.select(["b.compression", "b.hash"]))
          .orderBy("m.uid").limit(CHUNK).execute()
        : await q.orderBy("m.uid").limit(CHUNK).execute();
      for (const row of rows as FetchRow[]) {
        // Only content may need a file read: skip the await otherwise.
        const rec = record(row, fields);
        yield fields.content ? await content(ctx, rec, row) : rec;
      }
      if (step.kind === "list" || rows.length < CHUNK) break;
      cursor = rows[rows.length - 1].uid + 1;
    }
  }
}

function record(row: FetchRow, fields: MessageFields): MessageRecord {
  const rec: MessageRecord = { uid: row.uid };
  if (fields.flags) {
    rec.flags = flagList(row.system_flags, row.keywords === "[]" ? [] : JSON.parse(row.keywords));
  }
  if (fields.internalDate) rec.internalDate = new Date(row.internal_date);
  if (fields.size) rec.size = row.size;
  if (fields.modSeq) rec.modSeq = row.modseq;
  if (fields.envelope) rec.envelope = JSON.parse(row.envelope as string) as Envelope;
  if (fields.bodyStructure) {
    rec.bodyStructure = JSON.parse(row.body_structure as string) as BodyStructure;
  }
  if (fields.header) rec.header = toBytes(row.header);
  return rec;
}

async function content(
  ctx: AccountContext,
  rec: MessageRecord,
  row: FetchRow,
): Promise<MessageRecord> {
  // Bodies are read one at a time (see ONE_ROW): a chunk of 5 MB bodies in one read would not fit.
  const { body } = await bodyOf(ctx, row.body_id);
  rec.content = concat(toBytes(row.header), body);
  return rec;
}
