/**
 * Import from another server (`imapd import-maddy`): mailboxes keep their
 * UIDVALIDITY and UIDNEXT, messages keep their UIDs, flags and internal
 * dates, so clients that synced with the old server do not download
 * everything again. Both operations are idempotent: a re-run finds what a
 * previous run stored and adds only what is missing.
 */
import type { MailboxInfo, RestoreMailboxState, RestoreMessage } from "../mail_store.ts";
import { StoreError } from "../mail_store.ts";
import { parseMessage } from "../../mime/parse.ts";
import { messagePreview } from "../../mime/preview.ts";
import { compress, sha256Hex } from "./body_files.ts";
import { type AccountContext, mailboxByName, mailboxInfo, mailboxRow } from "./context.ts";
import { parseFlags } from "./flags.ts";
import { normalizeMailboxName } from "./mailboxes.ts";
import { sentDay } from "./search.ts";
import { searchFieldsOf } from "./search_fields.ts";
import { countInto } from "./quota.ts";
import { addKeywords, applySlots, slotOf } from "./uid_blocks.ts";
import { transact } from "./retry.ts";
import { insertWire, wireOf } from "./body_wire.ts";

/** Messages per transaction. */
const BATCH = 200;

export async function restoreMailbox(
  ctx: AccountContext,
  name: string,
  state: RestoreMailboxState,
): Promise<MailboxInfo> {
  const normalized = normalizeMailboxName(name);
  const row = await transact(ctx.db, async (trx) => {
    const existing = await mailboxByName(ctx, trx, normalized);
    if (!existing) {
      return await trx.insertInto("mailboxes").values({
        account_id: ctx.accountId,
        name: normalized,
        uid_validity: state.uidValidity,
        uid_next: state.uidNext,
        highest_modseq: 1,
        special_use: state.specialUse,
        append_limit: null,
      }).returningAll().executeTakeFirstOrThrow();
    }
    if (existing.uid_validity !== state.uidValidity) {
      const any = await trx.selectFrom("messages").select("uid")
        .where("mailbox_id", "=", existing.id).limit(1).executeTakeFirst();
      if (any || existing.uid_next !== 1) {
        throw new StoreError(
          "CANNOT",
          `Mailbox ${JSON.stringify(normalized)} already exists with UIDVALIDITY ` +
            `${existing.uid_validity} and has held messages; it cannot take UIDVALIDITY ` +
            `${state.uidValidity}`,
        );
      }
    }
    // An empty mailbox made at account creation takes the imported identity.
    return await trx.updateTable("mailboxes").set({
      uid_validity: state.uidValidity,
      uid_next: Math.max(existing.uid_next, state.uidNext),
      special_use: state.specialUse ?? existing.special_use,
    }).where("id", "=", existing.id).returningAll().executeTakeFirstOrThrow();
  });
  return await mailboxInfo(ctx, row);
}

/** Stores `messages` under their own UIDs; UIDs the mailbox already has are skipped. */
export async function restoreMessages(
  ctx: AccountContext,
  mailboxId: number,
  messages: readonly RestoreMessage[],
): Promise<number> {
  await mailboxRow(ctx, ctx.db, mailboxId);
  let stored = 0;
  for (let i = 0; i < messages.length; i += BATCH) {
    stored += await restoreBatch(ctx, mailboxId, messages.slice(i, i + BATCH));
  }
  return stored;
}

async function restoreBatch(
  ctx: AccountContext,
  mailboxId: number,
  batch: readonly RestoreMessage[],
): Promise<number> {
  const uids = batch.map((m) => m.uid);
  const present = new Set(
    (await ctx.db.selectFrom("messages").select("uid").where("mailbox_id", "=", mailboxId)
      .where("uid", ">=", Math.min(...uids)).where("uid", "<=", Math.max(...uids)).execute())
      .map((r) => r.uid),
  );
  const todo = batch.filter((m) => !present.has(m.uid));
  if (todo.length === 0) return 0;
  const { options } = ctx;
  const files = options.files;
  // Parsing, hashing, compression and body files happen before the transaction.
  const prepared: {
    m: RestoreMessage;
    parsed: ReturnType<typeof parseMessage>;
    hash: string;
    packed: { data: Uint8Array; algorithm: string };
  }[] = [];
  for (const m of todo) {
    if (!Number.isInteger(m.uid) || m.uid < 1 || m.uid > 0xffffffff) {
      throw new StoreError("CANNOT", `Invalid UID ${m.uid}`);
    }
    const parsed = parseMessage(m.content);
    const hash = sha256Hex(m.content);
    const packed = compress(m.content.subarray(parsed.headerSize), options.compression);
    files?.hold(hash);
    prepared.push({ m, parsed, hash, packed });
  }
  try {
    if (files) { for (const p of prepared) await files.write(p.hash, p.packed.data); }
    await transact(ctx.db, async (trx) => {
      const box = await trx.updateTable("mailboxes")
        .set((eb) => ({ highest_modseq: eb("highest_modseq", "+", prepared.length) }))
        .where("id", "=", mailboxId).where("account_id", "=", ctx.accountId)
        .returning(["highest_modseq", "uid_next", "recent_uid"]).executeTakeFirst();
      if (!box) throw new StoreError("NONEXISTENT", `No mailbox with id ${mailboxId}`);
      let modseq = box.highest_modseq - prepared.length;
      let uidNext = box.uid_next;
      let restoredUpTo = 0;
      // The compact UID/flag index and the keywords in use (uid_blocks.ts), as APPEND keeps them.
      const slots = new Map<number, number>();
      const keywords: string[] = [];
      for (const { m, parsed, hash, packed } of prepared) {
        // Under the write lock no other process can remove the file (body_files.ts).
        if (files) await files.write(hash, packed.data);
        const existing = await trx.selectFrom("bodies").select("id").where("hash", "=", hash)
          .executeTakeFirst();
        let bodyId = existing?.id;
        if (bodyId === undefined) {
          const header = m.content.slice(0, parsed.headerSize);
          bodyId = (await trx.insertInto("bodies").values({
            hash,
            size: m.content.length,
            header,
            body: files ? null : packed.data,
            compression: packed.algorithm,
            envelope: JSON.stringify(parsed.envelope),
            body_structure: JSON.stringify(parsed.body),
            has_nul: m.content.indexOf(0) < 0 ? 0 : 1,
          }).returning("id").executeTakeFirstOrThrow()).id;
          await trx.insertInto("body_search").values({
            body_id: bodyId,
            ...searchFieldsOf(header, ctx.sql.searchSeparator),
          }).execute();
          await insertWire(trx, bodyId, wireOf(parsed.envelope, parsed.body));
          await trx.insertInto("body_preview")
            .values({ body_id: bodyId, preview: messagePreview(m.content, parsed) }).execute();
        }
        const flags = parseFlags(m.flags);
        slots.set(m.uid, slotOf(flags.bits, flags.keywords.length > 0));
        keywords.push(...flags.keywords);
        await trx.insertInto("messages").values({
          mailbox_id: mailboxId,
          uid: m.uid,
          body_id: bodyId,
          internal_date: m.internalDate.getTime(),
          size: m.content.length,
          system_flags: flags.bits,
          keywords: JSON.stringify(flags.keywords),
          modseq: ++modseq,
          recent: 0,
          sent_day: sentDay(parsed.envelope.date),
          save_date: Date.now(),
        }).execute();
        uidNext = Math.max(uidNext, m.uid + 1);
        restoredUpTo = Math.max(restoredUpTo, m.uid);
      }
      await applySlots(trx, mailboxId, slots);
      if (keywords.length > 0) await addKeywords(trx, mailboxId, keywords);
      // Quota usage and STATUS SIZE (migration 6); an import is the admin's and not refused.
      await countInto(
        trx,
        mailboxId,
        prepared.length,
        prepared.reduce((n, p) => n + p.m.content.length, 0),
      );
      // Restored messages are old mail: not \Recent for the next session (the \Recent
      // claim counter of migration 4 moves past them).
      const recentUid = Math.max(box.recent_uid, restoredUpTo);
      if (uidNext !== box.uid_next || recentUid !== box.recent_uid) {
        await trx.updateTable("mailboxes").set({ uid_next: uidNext, recent_uid: recentUid })
          .where("id", "=", mailboxId).execute();
      }
    });
  } finally {
    for (const p of prepared) files?.unhold(p.hash);
  }
  return prepared.length;
}
