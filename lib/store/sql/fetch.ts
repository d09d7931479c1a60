/** FETCH: records streamed in UID order, in chunks, loading only the fields asked for. */
import type { MessageFields, MessageRecord, SearchKey, UidRange, UidSet } from "../mail_store.ts";
import type { BodyStructure, Envelope } from "../../mime/types.ts";
import {
  type AccountContext,
  CHUNK,
  emailObjectId,
  mailboxRow,
  messageOf,
  type MessageRow,
  toBytes,
} from "./context.ts";
import { flagList } from "./flags.ts";
import { parseMessage } from "../../mime/parse.ts";
import { messagePreview } from "../../mime/preview.ts";
import { parsedJson } from "./libsql_dialect.ts";
import { normalizeUidSet, uidSteps, uidsToSet } from "./uid_ranges.ts";
import { searchMailbox } from "./search.ts";
import { BLOCK_SHIFT, HAS_KEYWORDS, readBlocks, spansInSet, SYSTEM_BITS } from "./uid_blocks.ts";
import { WIRE_VERSION } from "./body_wire.ts";

type FetchRow = MessageRow & Record<string, unknown>;

/**
 * A record whose envelope and body structure are still their stored JSON
 * text (fetchRaw, for the store thread, which passes them on as they are).
 */
export type RawRecord = Omit<MessageRecord, "envelope" | "bodyStructure"> & {
  envelopeJson?: string;
  bodyStructureJson?: string;
};

/** What fetchChunks builds: either kind of record, as `raw` says. */
type AnyRecord = MessageRecord & RawRecord;

/**
 * FETCH as the interface wants it, one record at a time, over chunks read a
 * query at a time: one async step per record, not one per generator layer
 * (FETCH 1:* of 100,000 messages spent most of its time resuming nested
 * generators).
 */
export function fetchMessages(
  ctx: AccountContext,
  mailboxId: number,
  uids: UidSet,
  fields: MessageFields,
): AsyncIterable<MessageRecord>;
export function fetchMessages(
  ctx: AccountContext,
  mailboxId: number,
  uids: UidSet,
  fields: MessageFields,
  raw: true,
): AsyncIterable<RawRecord>;
export function fetchMessages(
  ctx: AccountContext,
  mailboxId: number,
  uids: UidSet,
  fields: MessageFields,
  raw = false,
): AsyncIterable<AnyRecord> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<AnyRecord> {
      const chunks = fetchChunks(ctx, mailboxId, uids, fields, raw);
      let buffer: AnyRecord[] = [];
      let i = 0;
      return {
        async next(): Promise<IteratorResult<AnyRecord>> {
          while (i >= buffer.length) {
            const r = await chunks.next();
            if (r.done) return { value: undefined, done: true };
            buffer = r.value;
            i = 0;
          }
          return { value: buffer[i++], done: false };
        },
        async return(): Promise<IteratorResult<AnyRecord>> {
          await chunks.return(undefined);
          return { value: undefined, done: true };
        },
      };
    },
  };
}

/** The records of FETCH, a chunk (one query) at a time. */
async function* fetchChunks(
  ctx: AccountContext,
  mailboxId: number,
  uids: UidSet,
  fields: MessageFields,
  raw: boolean,
): AsyncGenerator<AnyRecord[], void, undefined> {
  const box = await mailboxRow(ctx, ctx.db, mailboxId);
  let set = normalizeUidSet(uids, box.uid_next - 1);
  if (fields.changedSince !== undefined) {
    // CHANGEDSINCE (RFC 7162 §3.1.4.1): the changed UIDs as SEARCH MODSEQ
    // finds them (the MODSEQ index), then their records, in one request.
    const key: SearchKey = {
      type: "and",
      keys: [{ type: "uid", set }, { type: "modSeq", min: fields.changedSince + 1 }],
    };
    set = uidsToSet(await searchMailbox(ctx, mailboxId, key));
    fields = { ...fields, changedSince: undefined };
    if (set.length === 0) return;
  }
  if (flagsOnly(fields)) {
    yield* flagChunks(ctx, mailboxId, set, fields);
    return;
  }
  // With the content, everything from `bodies` comes in the one read of the
  // body (messageOf); without, the query joins what it needs. EMAILID
  // (RFC 8474) is the body's content address, read by the join in both cases.
  const structures = !fields.content &&
    !!(fields.envelope || fields.bodyStructure || fields.header);
  // ENVELOPE and BODYSTRUCTURE as FETCH writes them, from `body_wire`
  // (body_wire.ts); `bodies` then only for what else is asked.
  const wire = structures && (fields.envelope || fields.bodyStructure)
    ? fields.wireForm
    : undefined;
  const wantBody = wire ? !!(fields.header || fields.emailId) : structures || !!fields.emailId;
  const json = !wire && structures;
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
          "m.save_date",
        ])
        .where("m.mailbox_id", "=", mailboxId);
      q = step.kind === "range"
        ? q.where("m.uid", ">=", cursor).where("m.uid", "<=", step.to)
        : q.where(ctx.sql.inSet("m.uid", step.uids));
      if (wire) {
        q = q.leftJoin(
          "body_wire as w",
          (j) => j.onRef("w.body_id", "=", "m.body_id").on("w.version", "=", WIRE_VERSION),
        )
          .select("w.body_id as wire_id")
          .$if(!!fields.envelope, (qb) => qb.select("w.envelope as wire_envelope"))
          .$if(!!fields.bodyStructure, (qb) => qb.select("w.body_structure as wire_structure"))
          .$if(
            !!fields.envelope && wire === "ascii",
            (qb) => qb.select("w.envelope_ascii as wire_envelope_ascii"),
          )
          .$if(
            !!fields.bodyStructure && wire === "ascii",
            (qb) => qb.select("w.body_structure_ascii as wire_structure_ascii"),
          );
      }
      // PREVIEW from its own table (migration 12): a page of previews reads
      // no body rows. A body without one is computed below.
      if (fields.preview) {
        q = q.leftJoin("body_preview as p", "p.body_id", "m.body_id").select("p.preview");
      }
      const rows = wantBody
        ? await q.innerJoin("bodies as b", "b.id", "m.body_id")
          // Raw: the text as it is (no JSON_SUFFIX, so the reader does not parse it).
          .$if(json && !!fields.envelope && raw, (qb) => qb.select("b.envelope as envelope_text"))
          .$if(json && !!fields.envelope && !raw, (qb) => qb.select("b.envelope as envelope_json"))
          .$if(
            json && !!fields.bodyStructure && raw,
            (qb) => qb.select("b.body_structure as structure_text"),
          )
          .$if(
            json && !!fields.bodyStructure && !raw,
            (qb) => qb.select("b.body_structure as structure_json"),
          )
          .$if(structures && !!fields.header, (qb) => qb.select("b.header"))
          .$if(!!fields.emailId, (qb) => qb.select("b.hash"))
          .orderBy("m.uid").limit(CHUNK).execute()
        : await q.orderBy("m.uid").limit(CHUNK).execute();
      if (wire) await structuresWithoutWire(ctx, rows as FetchRow[], fields, raw);
      if (fields.content) {
        // One record per chunk: bodies are read one at a time (see ONE_ROW),
        // and a chunk of 5 MB bodies held at once would not fit.
        for (const row of rows as FetchRow[]) {
          const rec = await content(ctx, record(row, fields, raw), row, fields, raw);
          if (fields.preview === true && rec.preview === null) {
            rec.preview = await computePreview(ctx, row.body_id, rec.content);
          }
          yield [rec];
        }
      } else if (rows.length) {
        const recs = (rows as FetchRow[]).map((row) => record(row, fields, raw));
        if (fields.preview === true) await fillPreviews(ctx, recs, rows as FetchRow[]);
        yield recs;
      }
      if (step.kind === "list" || rows.length < CHUNK) break;
      cursor = rows[rows.length - 1].uid + 1;
    }
  }
}

function flagsOnly(fields: MessageFields): boolean {
  for (const [k, v] of Object.entries(fields)) {
    if (v && k !== "flags" && k !== "wireForm") return false;
  }
  return true;
}

/**
 * For the rows whose body has no `body_wire` row of this WIRE_VERSION
 * (stored before migration 10, or by another version of the writer): the
 * structures from `bodies`, in the columns record() reads without wire
 * forms, so FETCH writes them as it did before.
 */
async function structuresWithoutWire(
  ctx: AccountContext,
  rows: FetchRow[],
  fields: MessageFields,
  raw: boolean,
): Promise<void> {
  const missing = rows.filter((r) => r.wire_id == null);
  if (missing.length === 0) return;
  const ids = [...new Set(missing.map((r) => r.body_id))];
  const found = await ctx.db.selectFrom("bodies").select(["id", "envelope", "body_structure"])
    .where(ctx.sql.inSet("id", ids)).execute();
  const byId = new Map(found.map((b) => [b.id, b]));
  for (const row of missing) {
    const b = byId.get(row.body_id);
    if (!b) continue;
    if (fields.envelope) row[raw ? "envelope_text" : "envelope_json"] = b.envelope;
    if (fields.bodyStructure) row[raw ? "structure_text" : "structure_json"] = b.body_structure;
  }
}

/** Flag lists of messages without keywords, one per system flag combination, shared. */
const SYSTEM_ONLY: readonly string[][] = Array.from(
  { length: SYSTEM_BITS + 1 },
  (_, bits) => Object.freeze(flagList(bits, [])) as string[],
);

/**
 * UIDs and flags (FETCH 1:* (UID FLAGS), the STORE handler's reads) from the
 * compact index: the blocks the set spans, plus the keyword lists of the
 * messages marked as having keywords, a chunk at a time. Records of
 * messages without keywords share one frozen flag list per combination.
 */
async function* flagChunks(
  ctx: AccountContext,
  mailboxId: number,
  set: readonly UidRange[],
  fields: MessageFields,
): AsyncGenerator<MessageRecord[], void, undefined> {
  if (set.length === 0) return;
  const blocks = await readBlocks(
    ctx.db,
    mailboxId,
    set[0].from >>> BLOCK_SHIFT,
    set[set.length - 1].to >>> BLOCK_SHIFT,
  );
  const wantFlags = !!fields.flags;
  let chunk: MessageRecord[] = [];
  let keywordUids: number[] = [];
  let keywordSlots: number[] = [];
  const finish = async (): Promise<MessageRecord[]> => {
    const out = chunk;
    if (keywordUids.length) {
      const rows = await ctx.db.selectFrom("messages").select(["uid", "system_flags", "keywords"])
        .where("mailbox_id", "=", mailboxId).where(ctx.sql.inSet("uid", keywordUids)).execute();
      const byUid = new Map(rows.map((r) => [r.uid, r]));
      const slotOf = new Map(keywordUids.map((uid, i) => [uid, keywordSlots[i]]));
      for (const rec of out) {
        if (rec.flags !== undefined) continue;
        const r = byUid.get(rec.uid);
        // A message expunged meanwhile has no row: the index's system flags stand.
        rec.flags = r
          ? flagList(r.system_flags, JSON.parse(r.keywords))
          : SYSTEM_ONLY[(slotOf.get(rec.uid) ?? 0) & SYSTEM_BITS];
      }
    }
    chunk = [];
    keywordUids = [];
    keywordSlots = [];
    return out;
  };
  for (const { slots, base, from, to } of spansInSet(blocks, set)) {
    for (let uid = from; uid <= to; uid++) {
      const slot = slots[uid - base];
      if (slot === 0) continue;
      if (!wantFlags) chunk.push({ uid });
      else if (slot & HAS_KEYWORDS) {
        chunk.push({ uid });
        keywordUids.push(uid);
        keywordSlots.push(slot);
      } else chunk.push({ uid, flags: SYSTEM_ONLY[slot & SYSTEM_BITS] });
      if (chunk.length >= CHUNK) yield await finish();
    }
  }
  if (chunk.length) yield await finish();
}

/** The record's fields from the FETCH query (with the content, those of `bodies` come later). */
function record(row: FetchRow, fields: MessageFields, raw: boolean): AnyRecord {
  const rec: AnyRecord = { uid: row.uid };
  if (fields.flags) {
    rec.flags = flagList(row.system_flags, row.keywords === "[]" ? [] : JSON.parse(row.keywords));
  }
  if (fields.internalDate) rec.internalDate = new Date(row.internal_date);
  if (fields.size) rec.size = row.size;
  if (fields.modSeq) rec.modSeq = row.modseq;
  if (fields.saveDate) rec.saveDate = row.save_date == null ? null : new Date(row.save_date);
  if (fields.emailId) rec.emailId = emailObjectId(row.hash as string);
  if (fields.preview) rec.preview = (row.preview as string | null) ?? null;
  if (fields.content) return rec;
  if (row.wire_id != null) {
    if (fields.envelope) {
      rec.envelopeWire = toBytes(row.wire_envelope_ascii ?? row.wire_envelope);
    }
    if (fields.bodyStructure) {
      rec.bodyStructureWire = toBytes(row.wire_structure_ascii ?? row.wire_structure);
    }
  } else if (raw) {
    if (fields.envelope) rec.envelopeJson = row.envelope_text as string;
    if (fields.bodyStructure) rec.bodyStructureJson = row.structure_text as string;
  } else {
    if (fields.envelope) rec.envelope = parsedJson<Envelope>(row.envelope_json);
    if (fields.bodyStructure) rec.bodyStructure = parsedJson<BodyStructure>(row.structure_json);
  }
  if (fields.header) rec.header = toBytes(row.header);
  return rec;
}

/**
 * Previews of bodies stored before migration 8 (no `body_preview` row),
 * computed from the message and stored, so each is computed once (RFC 8970 §3.1 lets a server
 * compute them when first asked). `recs[i]` comes from `rows[i]`.
 */
async function fillPreviews(
  ctx: AccountContext,
  recs: AnyRecord[],
  rows: FetchRow[],
): Promise<void> {
  for (let i = 0; i < recs.length; i++) {
    if (recs[i].preview === null) recs[i].preview = await computePreview(ctx, rows[i].body_id);
  }
}

async function computePreview(
  ctx: AccountContext,
  bodyId: number,
  content?: Uint8Array,
): Promise<string> {
  const bytes = content ?? (await messageOf(ctx, bodyId)).content;
  const text = messagePreview(bytes, parseMessage(bytes));
  // A read that cannot write (the database busy) still answers; a later FETCH stores it.
  await ctx.db.insertInto("body_preview").values({ body_id: bodyId, preview: text })
    .onConflict((oc) => oc.column("body_id").doNothing()).execute().catch(() => undefined);
  return text;
}

/** Adds the message's bytes, and the structures and header that come from the same row. */
async function content(
  ctx: AccountContext,
  rec: AnyRecord,
  row: FetchRow,
  fields: MessageFields,
  raw: boolean,
): Promise<AnyRecord> {
  // Bodies are read one at a time (see ONE_ROW): a chunk of 5 MB bodies in one read would not fit.
  const m = await messageOf(ctx, row.body_id, fields);
  rec.content = m.content;
  if (m.nulFree) rec.nulFree = true;
  if (fields.header) rec.header = m.header;
  if (raw) {
    rec.envelopeJson = m.envelope;
    rec.bodyStructureJson = m.bodyStructure;
  } else {
    if (m.envelope !== undefined) rec.envelope = JSON.parse(m.envelope) as Envelope;
    if (m.bodyStructure !== undefined) {
      rec.bodyStructure = JSON.parse(m.bodyStructure) as BodyStructure;
    }
  }
  return rec;
}
