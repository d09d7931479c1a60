/**
 * SEARCH in up to three ways, cheapest first:
 *
 * - Keys on UIDs and system flags alone (UNSEEN, DELETED, any and/or/not of
 *   them) are answered from the compact index (uid_blocks.ts): no message
 *   row is read.
 * - Otherwise SQL answers what it can with a fixed query shape: bounds on
 *   UID, system flags, internal date, size and MODSEQ, and a substring test
 *   on the stored FROM/TO/CC/BCC/SUBJECT text (search_fields.ts), each taken
 *   from the top-level conjunction; then the whole key is evaluated in JS on
 *   each candidate row, reading headers and bodies only when a text key
 *   needs them. The prefilter is implied by the key, so the JS pass alone
 *   decides.
 *
 * Text keys match decoded text (RFC 3501 §6.4.4): header values with their
 * encoded words decoded (RFC 2047), bodies of text parts with their
 * transfer encoding and charset decoded (lib/mime), both compared in the
 * i;unicode-casemap form (RFC 5051) as a substring. Raw encoded bytes
 * ("=E9") do not match.
 */
import type { SearchKey } from "../mail_store.ts";
import { systemFlagBit } from "./flags.ts";
import { casemap, headerText, messageText, parseMessage } from "../../mime/mod.ts";
import type { BodyStructure } from "../../mime/types.ts";
import { inSet, normalizeUidSet, uidSetHas } from "./uid_ranges.ts";
import { type AccountContext, bodyOf, CHUNK, mailboxRow, toBytes } from "./context.ts";
import { BLOCK_SHIFT, BLOCK_SIZE, readBlocks } from "./uid_blocks.ts";
import { searchColumn, type SearchFields } from "./search_fields.ts";

export interface SearchRow extends Partial<SearchFields> {
  uid: number;
  system_flags: number;
  keywords: string;
  internal_date: number;
  size: number;
  modseq: number;
  recent: number;
  sent_day: string | null;
  body_id: number;
  save_date: number | null;
}

export interface Prefilter {
  uidMin: number;
  uidMax: number;
  mustHave: number;
  mustNot: number;
  dateMin: number;
  /** Exclusive. */
  dateMax: number;
  sizeMin: number;
  sizeMax: number;
  modSeqMin: number;
  /** A substring each `body_search` column must contain (top-level FROM, SUBJECT... keys). */
  contains: Partial<SearchFields>;
}

const DAY = 86_400_000;

export function dayStart(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`Invalid date ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

export function prefilter(key: SearchKey): Prefilter {
  const p: Prefilter = {
    uidMin: 1,
    uidMax: Number.MAX_SAFE_INTEGER,
    mustHave: 0,
    mustNot: 0,
    dateMin: -Number.MAX_SAFE_INTEGER,
    dateMax: Number.MAX_SAFE_INTEGER,
    sizeMin: 0,
    sizeMax: Number.MAX_SAFE_INTEGER,
    modSeqMin: 0,
    contains: {},
  };
  const visit = (k: SearchKey): void => {
    switch (k.type) {
      case "and":
        k.keys.forEach(visit);
        return;
      case "uid": {
        const set = normalizeUidSet(k.set);
        if (set.length === 0) {
          p.uidMax = 0;
          return;
        }
        p.uidMin = Math.max(p.uidMin, set[0].from);
        p.uidMax = Math.min(p.uidMax, set[set.length - 1].to);
        return;
      }
      case "flag": {
        const bit = systemFlagBit(k.flag);
        if (!bit) return;
        if (k.present) p.mustHave |= bit;
        else p.mustNot |= bit;
        return;
      }
      case "internalDate": {
        const start = dayStart(k.date);
        if (k.op === "before") p.dateMax = Math.min(p.dateMax, start);
        else if (k.op === "since") p.dateMin = Math.max(p.dateMin, start);
        else {
          p.dateMin = Math.max(p.dateMin, start);
          p.dateMax = Math.min(p.dateMax, start + DAY);
        }
        return;
      }
      case "internalTime":
        if (k.op === "before") p.dateMax = Math.min(p.dateMax, k.time);
        else p.dateMin = Math.max(p.dateMin, k.time);
        return;
      case "size":
        if (k.op === "larger") p.sizeMin = Math.max(p.sizeMin, k.bytes + 1);
        else p.sizeMax = Math.min(p.sizeMax, k.bytes - 1);
        return;
      case "modSeq":
        p.modSeqMin = Math.max(p.modSeqMin, k.min);
        return;
      case "header": {
        const column = searchColumn(k.name);
        const value = needle(k.value);
        // One needle per column in SQL; the JS pass checks any others.
        if (column && value !== "" && p.contains[column] === undefined) {
          p.contains[column] = value;
        }
        return;
      }
      default:
        return;
    }
  };
  visit(key);
  return p;
}

/** What the JS pass must read: the header block, the body, the `body_search` columns. */
export interface Needs {
  header: boolean;
  body: boolean;
  fields: boolean;
}

export function needs(key: SearchKey): Needs {
  switch (key.type) {
    case "header":
      return searchColumn(key.name)
        ? { header: false, body: false, fields: true }
        : { header: true, body: false, fields: false };
    case "body":
      return { header: false, body: true, fields: false };
    case "text":
      return { header: true, body: true, fields: false };
    case "and": {
      const n = key.keys.map(needs);
      return {
        header: n.some((x) => x.header),
        body: n.some((x) => x.body),
        fields: n.some((x) => x.fields),
      };
    }
    case "or": {
      const a = needs(key.left);
      const b = needs(key.right);
      return {
        header: a.header || b.header,
        body: a.body || b.body,
        fields: a.fields || b.fields,
      };
    }
    case "not":
      return needs(key.key);
    default:
      return { header: false, body: false, fields: false };
  }
}

/** Comparison form of the i;unicode-casemap collation (RFC 5051), as I18NLEVEL=1 asks. */
function fold(s: string): string {
  return casemap(s);
}

/** A search string in comparison form. */
export function needle(value: string): string {
  return fold(value);
}

/**
 * The decoded, folded text of a message for text keys: the header block
 * ("Name: value" lines, encoded words decoded) and, when `body` is given,
 * the decoded text of every text part (and embedded message headers),
 * found through the structure cached at APPEND (parsed again if absent).
 */
export function searchText(
  header: Uint8Array,
  body: Uint8Array | null,
  structure: BodyStructure | null = null,
): { header: string; body?: string } {
  const out: { header: string; body?: string } = { header: fold(headerText(header)) };
  if (body) {
    const whole = new Uint8Array(header.length + body.length);
    whole.set(header);
    whole.set(body, header.length);
    const parsed = structure
      ? { headerSize: header.length, body: structure, envelope: parseMessage(header).envelope }
      : parseMessage(whole);
    out.body = fold(messageText(whole, parsed).bodies.join("\n"));
  }
  return out;
}

/** Unfolded header fields as [name, raw value]. */
export function headerFields(header: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of header.replace(/\r?\n[ \t]/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return out;
}

export interface EvalContext {
  disableRecent: boolean;
  /** The body id of each EMAILID the key names, when a body has it (see emailBodies()). */
  emailBodies?: ReadonlyMap<string, number>;
  /** Decoded, folded header block (see searchText()), when needed. */
  header?: string;
  /** Decoded, folded text of the body parts, when needed. */
  body?: string;
}

export function evaluate(key: SearchKey, row: SearchRow, ctx: EvalContext): boolean {
  switch (key.type) {
    case "all":
      return true;
    case "uid":
      return uidSetHas(normalizeUidSet(key.set), row.uid);
    case "flag": {
      const bit = systemFlagBit(key.flag);
      let has: boolean;
      if (bit) has = (row.system_flags & bit) !== 0;
      else if (key.flag.startsWith("\\")) has = false;
      else {
        const want = key.flag.toLowerCase();
        has = (JSON.parse(row.keywords) as string[]).some((k) => k.toLowerCase() === want);
      }
      return has === key.present;
    }
    case "internalDate": {
      const start = dayStart(key.date);
      if (key.op === "before") return row.internal_date < start;
      if (key.op === "since") return row.internal_date >= start;
      return row.internal_date >= start && row.internal_date < start + DAY;
    }
    case "sentDate": {
      if (row.sent_day === null) return false;
      if (key.op === "before") return row.sent_day < key.date;
      if (key.op === "since") return row.sent_day >= key.date;
      return row.sent_day === key.date;
    }
    case "internalTime":
      return key.op === "before" ? row.internal_date < key.time : row.internal_date >= key.time;
    case "saveDate": {
      if (row.save_date === null) return false;
      const start = dayStart(key.date);
      if (key.op === "before") return row.save_date < start;
      if (key.op === "since") return row.save_date >= start;
      return row.save_date >= start && row.save_date < start + DAY;
    }
    case "saveDateSupported":
      // This store keeps a save date for every message (RFC 8514 §4.3).
      return true;
    case "emailId":
      return ctx.emailBodies?.get(key.id) === row.body_id;
    case "threadId":
      // RFC 8474 §5.2: a server that does not compute THREADID matches no message.
      return false;
    case "size":
      return key.op === "larger" ? row.size > key.bytes : row.size < key.bytes;
    case "modSeq":
      return row.modseq >= key.min;
    case "header": {
      const name = key.name.toLowerCase();
      const value = needle(key.value);
      const column = searchColumn(name);
      if (column && row[column] !== undefined) {
        const text = row[column];
        return text !== null && text !== undefined && text.includes(value);
      }
      return headerFields(ctx.header ?? "").some(([n, v]) =>
        n.toLowerCase() === name && v.includes(value)
      );
    }
    case "body":
      return (ctx.body ?? "").includes(needle(key.value));
    case "text": {
      const v = needle(key.value);
      return (ctx.header ?? "").includes(v) || (ctx.body ?? "").includes(v);
    }
    case "and":
      return key.keys.every((k) => evaluate(k, row, ctx));
    case "or":
      return evaluate(key.left, row, ctx) || evaluate(key.right, row, ctx);
    case "not":
      return !evaluate(key.key, row, ctx);
  }
}

/** "YYYY-MM-DD" of an RFC 5322 date as written (its own zone), or null. */
export function sentDay(date: string | null): string | null {
  if (!date) return null;
  const m = /(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+(\d{2,4})/i
    .exec(date);
  if (!m) return null;
  const month = "janfebmaraprmayjunjulaugsepoctnovdec".indexOf(m[2].toLowerCase()) / 3 + 1;
  let year = Number(m[3]);
  // RFC 5322 §4.3: two-digit years below 50 are 20xx, others 19xx.
  if (m[3].length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3].length === 3) year += 1900;
  const day = Number(m[1]);
  if (day < 1 || day > 31) return null;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${
    String(day).padStart(2, "0")
  }`;
}

/** SEARCH over one mailbox: the SQL prefilter in chunks, then the JS pass on each candidate. */
export async function searchMailbox(
  ctx: AccountContext,
  mailboxId: number,
  key: SearchKey,
): Promise<number[]> {
  const box = await mailboxRow(ctx, ctx.db, mailboxId);
  const p = prefilter(key);
  if (p.modSeqMin > 0 && onModSeqIndex(key)) return await changedUids(ctx, mailboxId, key, p);
  if (onSlots(key, ctx.options.disableRecent)) {
    return await searchSlots(ctx, mailboxId, key, p, box.uid_next - 1);
  }
  const need = needs(key);
  const ctxBase: EvalContext = {
    disableRecent: ctx.options.disableRecent,
    emailBodies: await emailBodies(ctx, key),
  };
  const out: number[] = [];
  let cursor = p.uidMin;
  const max = Math.min(p.uidMax, box.uid_next - 1);
  while (cursor <= max) {
    // Two fixed shapes (with or without the search columns) whatever the key:
    // neutral bounds when a term is absent.
    const q = ctx.db.selectFrom("messages as m")
      .select([
        "m.uid",
        "m.system_flags",
        "m.keywords",
        "m.internal_date",
        "m.size",
        "m.modseq",
        "m.recent",
        "m.sent_day",
        "m.body_id",
        "m.save_date",
      ])
      .where("m.mailbox_id", "=", mailboxId)
      .where("m.uid", ">=", cursor).where("m.uid", "<=", max)
      .where((eb) => eb(eb("m.system_flags", "&", p.mustHave), "=", p.mustHave))
      .where((eb) => eb(eb("m.system_flags", "&", p.mustNot), "=", 0))
      .where("m.internal_date", ">=", p.dateMin).where("m.internal_date", "<", p.dateMax)
      .where("m.size", ">=", p.sizeMin).where("m.size", "<=", p.sizeMax)
      .where("m.modseq", ">=", p.modSeqMin)
      .orderBy("m.uid").limit(CHUNK);
    const rows: SearchRow[] = need.fields
      ? await q.leftJoin("body_search as s", "s.body_id", "m.body_id")
        .select(["s.from_text", "s.to_text", "s.cc_text", "s.bcc_text", "s.subject_text"])
        .where(ctx.sql.contains("s.from_text", p.contains.from_text ?? null))
        .where(ctx.sql.contains("s.to_text", p.contains.to_text ?? null))
        .where(ctx.sql.contains("s.cc_text", p.contains.cc_text ?? null))
        .where(ctx.sql.contains("s.bcc_text", p.contains.bcc_text ?? null))
        .where(ctx.sql.contains("s.subject_text", p.contains.subject_text ?? null))
        .execute()
      : await q.execute();
    if (rows.length === 0) break;
    const headers = need.header || need.body
      ? await headersOf(ctx, rows.map((r) => r.body_id))
      : null;
    for (const row of rows) {
      const ectx: EvalContext = { ...ctxBase };
      if (headers) {
        const header = headers.get(row.body_id) ?? new Uint8Array();
        const body = need.body ? await bodyOf(ctx, row.body_id) : null;
        Object.assign(ectx, searchText(header, body?.body ?? null, body?.structure));
      }
      if (evaluate(key, row, ectx)) out.push(row.uid);
    }
    if (rows.length < CHUNK) break;
    cursor = rows[rows.length - 1].uid + 1;
  }
  return out;
}

/**
 * The body ids of the EMAILIDs in `key` (RFC 8474 §6): an EMAILID is "M"
 * and the body's content hash (context.ts), so one indexed read per id
 * finds the body, and the JS pass compares `body_id`.
 */
async function emailBodies(
  ctx: AccountContext,
  key: SearchKey,
): Promise<Map<string, number> | undefined> {
  const ids = new Set<string>();
  const stack = [key];
  while (stack.length > 0) {
    const k = stack.pop()!;
    if (k.type === "emailId") ids.add(k.id);
    else if (k.type === "and") stack.push(...k.keys);
    else if (k.type === "or") stack.push(k.left, k.right);
    else if (k.type === "not") stack.push(k.key);
  }
  if (ids.size === 0) return undefined;
  const out = new Map<string, number>();
  for (const id of ids) {
    if (!id.startsWith("M")) continue;
    const row = await ctx.db.selectFrom("bodies").select("id").where("hash", "=", id.slice(1))
      .executeTakeFirst();
    if (row) out.set(id, row.id);
  }
  return out;
}

async function headersOf(ctx: AccountContext, bodyIds: number[]): Promise<Map<number, Uint8Array>> {
  const rows = await ctx.db.selectFrom("bodies").select(["id", "header"])
    .where(ctx.sql.inSet("id", [...new Set(bodyIds)])).execute();
  return new Map(rows.map((r) => [r.id, toBytes(r.header)]));
}

/**
 * Whether the key needs nothing but UIDs and system flags, so the compact
 * index (uid_blocks.ts) answers it without reading a message row: UNSEEN,
 * DELETED, FLAGGED UNSEEN, UID sets, and any and/or/not of those.
 */
/**
 * A MODSEQ key alone or beside UID sets (CHANGEDSINCE, QRESYNC's resync,
 * SEARCH MODSEQ n; RFC 7162 §3.1.4.1, §3.1.5): answered from the
 * (mailbox_id, modseq) index.
 */
function onModSeqIndex(key: SearchKey): boolean {
  if (key.type === "modSeq") return true;
  return key.type === "and" && key.keys.some((k) => k.type === "modSeq") &&
    key.keys.every((k) => k.type === "modSeq" || k.type === "uid");
}

/**
 * The messages changed at `p.modSeqMin` or later, by the index: the cost
 * follows how many changed, not the mailbox's size; the UID sets are
 * applied in one walk each.
 */
async function changedUids(
  ctx: AccountContext,
  mailboxId: number,
  key: SearchKey,
  p: Prefilter,
): Promise<number[]> {
  const rows = await ctx.db.selectFrom("messages").select("uid")
    .where("mailbox_id", "=", mailboxId).where("modseq", ">=", p.modSeqMin)
    .orderBy("uid").execute();
  let uids = rows.map((r) => r.uid);
  if (key.type === "and") {
    for (const k of key.keys) if (k.type === "uid") uids = inSet(uids, normalizeUidSet(k.set));
  }
  return uids;
}

export function onSlots(key: SearchKey, disableRecent: boolean): boolean {
  switch (key.type) {
    case "all":
    case "uid":
      return true;
    case "flag":
      return systemFlagBit(key.flag) !== 0 || key.flag.startsWith("\\");
    case "and":
      return key.keys.every((k) => onSlots(k, disableRecent));
    case "or":
      return onSlots(key.left, disableRecent) && onSlots(key.right, disableRecent);
    case "not":
      return onSlots(key.key, disableRecent);
    default:
      return false;
  }
}

/** Evaluates a key accepted by onSlots() on one message's slot byte. */
function evalSlot(key: SearchKey, uid: number, slot: number): boolean {
  switch (key.type) {
    case "all":
      return true;
    case "uid":
      return uidSetHas(normalizeUidSet(key.set), uid);
    case "flag": {
      const bit = systemFlagBit(key.flag);
      return ((slot & bit) !== 0 && bit !== 0) === key.present;
    }
    case "and":
      return key.keys.every((k) => evalSlot(k, uid, slot));
    case "or":
      return evalSlot(key.left, uid, slot) || evalSlot(key.right, uid, slot);
    case "not":
      return !evalSlot(key.key, uid, slot);
    default:
      throw new Error(`Key ${key.type} cannot be answered from the index`);
  }
}

async function searchSlots(
  ctx: AccountContext,
  mailboxId: number,
  key: SearchKey,
  p: Prefilter,
  maxUid: number,
): Promise<number[]> {
  const from = Math.max(1, p.uidMin);
  const to = Math.min(maxUid, p.uidMax);
  if (from > to) return [];
  // Only a top-level conjunction of flags is tested without evalSlot (the common case).
  const simple = isFlagConjunction(key);
  const blocks = await readBlocks(ctx.db, mailboxId, from >>> BLOCK_SHIFT, to >>> BLOCK_SHIFT);
  const out: number[] = [];
  for (const { block, slots } of blocks) {
    const base = block * BLOCK_SIZE;
    const lo = Math.max(from - base, 0);
    const hi = Math.min(to - base, slots.length - 1);
    for (let i = lo; i <= hi; i++) {
      const slot = slots[i];
      if (slot === 0) continue;
      if ((slot & p.mustHave) !== p.mustHave || (slot & p.mustNot) !== 0) continue;
      if (simple || evalSlot(key, base + i, slot)) out.push(base + i);
    }
  }
  return out;
}

/** A key that the prefilter's mustHave/mustNot bits and UID bounds decide alone. */
function isFlagConjunction(key: SearchKey): boolean {
  switch (key.type) {
    case "all":
      return true;
    case "flag":
      return systemFlagBit(key.flag) !== 0;
    case "and":
      return key.keys.every(isFlagConjunction);
    default:
      return false;
  }
}
