/** STORE: flag changes, grouped into one UPDATE per resulting flag set. */
import type { FlagChange, FlagMode, StoreFlagsResult, UidSet } from "../mail_store.ts";
import { type AccountContext, CHUNK, mailboxRow, selectRows } from "./context.ts";
import { applyFlags, flagList, parseFlags, sameFlags } from "./flags.ts";
import { normalizeUidSet } from "./uid_ranges.ts";
import { addKeywords, applySlots, slotOf } from "./uid_blocks.ts";

export async function storeFlags(
  ctx: AccountContext,
  mailboxId: number,
  uids: UidSet,
  mode: FlagMode,
  flags: readonly string[],
  options?: { unchangedSince?: number },
): Promise<StoreFlagsResult> {
  const change = parseFlags(flags);
  const unchangedSince = options?.unchangedSince;
  const result = await ctx.write(async (trx) => {
    const box = await mailboxRow(ctx, trx, mailboxId);
    const set = normalizeUidSet(uids, box.uid_next - 1);
    const rows = await selectRows(ctx, trx, mailboxId, set);
    const changed: { uid: number; bits: number; keywords: string[] }[] = [];
    const modified: number[] = [];
    for (const row of rows) {
      if (unchangedSince !== undefined && row.modseq > unchangedSince) {
        modified.push(row.uid);
        continue;
      }
      const current = { bits: row.system_flags, keywords: JSON.parse(row.keywords) as string[] };
      const next = applyFlags(current, mode, change);
      if (!sameFlags(current, next)) changed.push({ uid: row.uid, ...next });
    }
    if (changed.length === 0) return { changed: [], modified, modSeq: box.highest_modseq, box };
    const modSeq = box.highest_modseq + 1;
    await trx.updateTable("mailboxes").set({ highest_modseq: modSeq }).where("id", "=", mailboxId)
      .execute();
    // One UPDATE per distinct resulting flag set (usually one: "+FLAGS \Seen" on
    // messages that had the same flags), each over a JSON list of UIDs looked up
    // by primary key. (UPDATE ... FROM json_each made SQLite scan the mailbox
    // once per changed message.)
    const groups = new Map<string, { bits: number; keywords: string; uids: number[] }>();
    for (const c of changed) {
      const keywords = JSON.stringify(c.keywords);
      const key = `${c.bits} ${keywords}`;
      let g = groups.get(key);
      if (!g) groups.set(key, g = { bits: c.bits, keywords, uids: [] });
      g.uids.push(c.uid);
    }
    const slots = new Map<number, number>();
    const keywords = new Set<string>();
    for (const c of changed) {
      slots.set(c.uid, slotOf(c.bits, c.keywords.length > 0));
      for (const k of c.keywords) keywords.add(k);
    }
    await applySlots(trx, mailboxId, slots);
    await addKeywords(trx, mailboxId, keywords);
    for (const g of groups.values()) {
      for (let i = 0; i < g.uids.length; i += CHUNK) {
        await trx.updateTable("messages")
          .set({ system_flags: g.bits, keywords: g.keywords, modseq: modSeq })
          .where("mailbox_id", "=", mailboxId)
          .where(ctx.sql.inSet("uid", g.uids.slice(i, i + CHUNK)))
          .execute();
      }
    }
    return { changed, modified, modSeq, box };
  });
  const changes: FlagChange[] = result.changed.map((c) => ({
    uid: c.uid,
    flags: flagList(c.bits, c.keywords),
    modSeq: result.modSeq,
  }));
  if (changes.length) {
    ctx.bus.publish({ type: "flags", mailboxId, changes }, result.box.highest_modseq, {
      modSeq: result.modSeq,
      uidNext: result.box.uid_next,
      name: result.box.name,
    });
  }
  return { changed: changes, modified: result.modified };
}
