/**
 * A compact, per-mailbox index of which UIDs exist and their system flags,
 * kept in the writing transaction beside the `messages` rows it mirrors.
 *
 * UIDs are grouped in blocks of 2,048 (block = uid >> 11); a block is one
 * row of `uid_blocks` whose `slots` BLOB holds one byte per UID of the
 * block (trailing empty slots left out): 0 when no message has that UID,
 * else PRESENT | HAS_KEYWORDS? | the system flag bits of flags.ts. A cold
 * SELECT of a 100,000-message mailbox then reads about 50 rows (100 KB)
 * instead of 100,000, and so do STATUS, FETCH 1:* (UID FLAGS) and SEARCH
 * on flags. Keywords in use are the rows of `mailbox_keywords`.
 *
 * Every write that adds, removes or re-flags messages calls `applySlots()`
 * in its transaction; the migration that created the table filled it from
 * the existing rows.
 */
import type { Transaction } from "kysely";
import { FLAG_HAS_KEYWORDS } from "../mail_store.ts";
import type { Runner } from "./context.ts";
import type { Db } from "./schema.ts";

export const BLOCK_SHIFT = 11;
export const BLOCK_SIZE = 1 << BLOCK_SHIFT;
export const PRESENT = 0x80;
export const HAS_KEYWORDS = FLAG_HAS_KEYWORDS;
/** The system flag bits of a slot (flags.ts: SEEN..DRAFT). */
export const SYSTEM_BITS = 0x1f;

/** The slot byte of a message with these system flags and keywords. */
export function slotOf(systemFlags: number, hasKeywords: boolean): number {
  return PRESENT | (systemFlags & SYSTEM_BITS) | (hasKeywords ? HAS_KEYWORDS : 0);
}

/** One block as read: its number and its slots (index = uid - block * BLOCK_SIZE). */
export interface Block {
  block: number;
  slots: Uint8Array;
}

function bytesOf(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (v === null || v === undefined) return new Uint8Array();
  throw new TypeError(`Expected a blob, got ${typeof v}`);
}

/** The blocks of a mailbox (those from `first` to `last` inclusive), in UID order. */
export async function readBlocks(
  db: Runner,
  mailboxId: number,
  first = 0,
  last = 0x1fffff,
): Promise<Block[]> {
  const rows = await db.selectFrom("uid_blocks").select(["block", "slots"])
    .where("mailbox_id", "=", mailboxId).where("block", ">=", first).where("block", "<=", last)
    .orderBy("block").execute();
  return rows.map((r) => ({ block: r.block, slots: bytesOf(r.slots) }));
}

/**
 * Sets the slots of `changes` (uid → slot byte, 0 to remove) in the
 * mailbox's blocks: one read and one write per block touched.
 */
export async function applySlots(
  trx: Transaction<Db>,
  mailboxId: number,
  changes: ReadonlyMap<number, number>,
): Promise<void> {
  if (changes.size === 0) return;
  const byBlock = new Map<number, [number, number][]>();
  for (const [uid, slot] of changes) {
    const b = uid >>> BLOCK_SHIFT;
    let list = byBlock.get(b);
    if (!list) byBlock.set(b, list = []);
    list.push([uid & (BLOCK_SIZE - 1), slot]);
  }
  for (const [block, list] of byBlock) {
    const row = await trx.selectFrom("uid_blocks").select("slots")
      .where("mailbox_id", "=", mailboxId).where("block", "=", block).executeTakeFirst();
    const old = bytesOf(row?.slots);
    let length = old.length;
    for (const [i, slot] of list) if (slot !== 0 && i + 1 > length) length = i + 1;
    const slots = new Uint8Array(length);
    slots.set(old);
    for (const [i, slot] of list) if (i < length) slots[i] = slot;
    let end = slots.length;
    while (end > 0 && slots[end - 1] === 0) end--;
    if (end === 0) {
      if (row) {
        await trx.deleteFrom("uid_blocks").where("mailbox_id", "=", mailboxId)
          .where("block", "=", block).execute();
      }
      continue;
    }
    const value = end === slots.length ? slots : slots.slice(0, end);
    if (row) {
      await trx.updateTable("uid_blocks").set({ slots: value })
        .where("mailbox_id", "=", mailboxId).where("block", "=", block).execute();
    } else {
      await trx.insertInto("uid_blocks").values({ mailbox_id: mailboxId, block, slots: value })
        .execute();
    }
  }
}

/** Records keywords as in use in a mailbox (they stay listed, as in Dovecot's index). */
export async function addKeywords(
  trx: Transaction<Db>,
  mailboxId: number,
  keywords: Iterable<string>,
): Promise<void> {
  const list = [...new Set(keywords)];
  for (const keyword of list) {
    await trx.insertInto("mailbox_keywords").values({ mailbox_id: mailboxId, keyword })
      .onConflict((oc) => oc.doNothing()).execute();
  }
}

/** Counts over a mailbox's blocks. */
export interface BlockSummary {
  messages: number;
  unseen: number;
  firstUnseenUid: number | null;
}

export function summarize(blocks: readonly Block[], seenBit: number): BlockSummary {
  let messages = 0;
  let unseen = 0;
  let firstUnseenUid: number | null = null;
  for (const { block, slots } of blocks) {
    const base = block * BLOCK_SIZE;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s === 0) continue;
      messages++;
      if ((s & seenBit) === 0) {
        unseen++;
        if (firstUnseenUid === null) firstUnseenUid = base + i;
      }
    }
  }
  return { messages, unseen, firstUnseenUid };
}

/** Messages whose slot has `bit` (a FLAG_BITS value): STATUS DELETED from the index. */
export function countFlagged(blocks: readonly Block[], bit: number): number {
  let n = 0;
  for (const { slots } of blocks) {
    for (let i = 0; i < slots.length; i++) if ((slots[i] & bit) !== 0) n++;
  }
  return n;
}

/**
 * Messages with a UID above `uid`, counted from the blocks (for \Recent as a
 * claim counter: the messages above the largest UID a session has claimed).
 */
export function countAbove(blocks: readonly Block[], uid: number): number {
  let n = 0;
  for (const { block, slots } of blocks) {
    const base = block * BLOCK_SIZE;
    if (base + slots.length - 1 <= uid) continue;
    for (let i = Math.max(0, uid + 1 - base); i < slots.length; i++) if (slots[i] !== 0) n++;
  }
  return n;
}

/**
 * The UIDs present, ascending, and beside each its slot without the
 * PRESENT bit (system flags and HAS_KEYWORDS: MailboxSnapshot.flags).
 */
export function uidsOf(
  blocks: readonly Block[],
  count: number,
): { uids: Uint32Array; flags: Uint8Array } {
  const uids = new Uint32Array(count);
  const flags = new Uint8Array(count);
  let n = 0;
  for (const { block, slots } of blocks) {
    const base = block * BLOCK_SIZE;
    for (let i = 0; i < slots.length && n < count; i++) {
      const s = slots[i];
      if (s === 0) continue;
      uids[n] = base + i;
      flags[n++] = s & ~PRESENT;
    }
  }
  return n === count ? { uids, flags } : { uids: uids.subarray(0, n), flags: flags.subarray(0, n) };
}

/** A run of UIDs `from..to` of one block that lies in a set; the slot of `uid` is `slots[uid - base]`. */
export interface SlotSpan {
  slots: Uint8Array;
  base: number;
  from: number;
  to: number;
}

/**
 * Where the normalized, ascending `set` meets `blocks` (ascending too): one
 * span per block and range that overlap, so callers loop over UIDs without
 * walking the two lists themselves.
 */
export function spansInSet(
  blocks: readonly Block[],
  set: readonly { from: number; to: number }[],
): SlotSpan[] {
  const spans: SlotSpan[] = [];
  let r = 0;
  for (const { block, slots } of blocks) {
    const base = block * BLOCK_SIZE;
    const end = base + slots.length - 1;
    while (r < set.length && set[r].to < base) r++;
    for (let k = r; k < set.length && set[k].from <= end; k++) {
      spans.push({ slots, base, from: Math.max(set[k].from, base), to: Math.min(set[k].to, end) });
    }
  }
  return spans;
}

/** UIDs in the normalized `set` whose slot has all of `bits`, ascending. */
export async function flaggedUids(
  db: Runner,
  mailboxId: number,
  set: readonly { from: number; to: number }[],
  bits: number,
): Promise<number[]> {
  if (set.length === 0) return [];
  const blocks = await readBlocks(
    db,
    mailboxId,
    set[0].from >>> BLOCK_SHIFT,
    set[set.length - 1].to >>> BLOCK_SHIFT,
  );
  const out: number[] = [];
  for (const { slots, base, from, to } of spansInSet(blocks, set)) {
    for (let uid = from; uid <= to; uid++) {
      if ((slots[uid - base] & bits) === bits && slots[uid - base] !== 0) out.push(uid);
    }
  }
  return out;
}
