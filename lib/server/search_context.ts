/**
 * CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4): a SEARCH or SORT with
 * RETURN (UPDATE) leaves a context in the selected-mailbox view; after each
 * command, and while IDLE, a context whose mailbox changed is searched (and
 * sorted) again and the client told the difference with ESEARCH ADDTO and
 * REMOVEFROM (§4.3.2-4.3.4). Messages that leave by EXPUNGE are taken out
 * by the view itself, before the EXPUNGE (§4.3.4). Also SORT's ordering
 * step, shared with the SORT handler.
 */
import type { CommandContext } from "./context.ts";
import type { SearchProgram } from "../protocol/commands/search.ts";
import { writeEsearch } from "../protocol/commands/search.ts";
import type { SortCriterion } from "../protocol/commands/sort.ts";
import { writeStatus } from "../protocol/response.ts";
import { bad } from "../protocol/errors.ts";
import { type SortInput, sortMessages } from "./sorting.ts";
import { searchUids } from "./search_program.ts";
import { selectedOf, userOf } from "./access.ts";
import { uidSetOf } from "./uid_set.ts";
import { putIn, takeOut } from "./context_updates.ts";

/** Contexts one selection may keep; §4.3.1 asks at least one, SHOULD more. */
export const MAX_CONTEXTS = 16;

/**
 * The messages `uids` (ascending) in SORT order (RFC 5256 §3), from their
 * cached envelope, internal date and size; one expunged meanwhile is absent.
 */
export async function sortUids(
  ctx: CommandContext,
  uids: readonly number[],
  criteria: readonly SortCriterion[],
): Promise<number[]> {
  if (uids.length === 0) return [];
  const messages: SortInput[] = [];
  const records = userOf(ctx).account.fetch(selectedOf(ctx).info.id, uidSetOf(uids), {
    envelope: true,
    internalDate: true,
    size: true,
  });
  for await (const r of records) {
    if (!r.envelope || !r.internalDate || r.size === undefined) continue;
    messages.push({ uid: r.uid, internalDate: r.internalDate, size: r.size, envelope: r.envelope });
  }
  return sortMessages(messages, criteria).map((m) => m.uid);
}

/**
 * §4.3: a tag whose searching command still has UPDATE running cannot be
 * used for another (BAD), checked before the search runs.
 */
export function checkUpdateTag(ctx: CommandContext): void {
  if (selectedOf(ctx).contexts.has(ctx.tag)) {
    throw bad(`Tag "${ctx.tag}" already names a search with UPDATE`);
  }
}

/**
 * Keeps the result `uids` (in the requested order) of the running command
 * as a context, or refuses with an untagged NO [NOUPDATE] when the view
 * holds as many as it may (§4.3.1: the command itself still succeeds).
 */
export function keepContext(
  ctx: CommandContext,
  program: SearchProgram,
  criteria: readonly SortCriterion[] | null,
  uids: readonly number[],
  byUid: boolean,
): void {
  const view = selectedOf(ctx);
  if (view.contexts.size >= MAX_CONTEXTS) {
    writeStatus(ctx.enc, null, "NO", { code: "NOUPDATE", tag: ctx.tag }, "Too many contexts");
    return;
  }
  view.contexts.set(ctx.tag, {
    program,
    byUid,
    criteria,
    uids: [...uids],
    generation: view.generation,
  });
}

/**
 * Searches again every context of the selected mailbox that changed since
 * it was last brought up to date, writing one ESEARCH with REMOVEFROM
 * and/or ADDTO for each whose result moved. Called once the pending
 * EXISTS have been written, so new messages have their numbers (§4.3.3).
 */
export async function refreshContexts(ctx: CommandContext): Promise<void> {
  if (ctx.state.kind !== "selected") return;
  const view = ctx.state.mailbox;
  for (const [tag, c] of view.contexts) {
    if (c.generation === view.generation) continue;
    c.generation = view.generation;
    let next: number[];
    try {
      next = await searchUids(ctx, c.program);
      if (c.criteria) next = await sortUids(ctx, next, c.criteria);
    } catch {
      continue; // the mailbox went away meanwhile: the next command says so
    }
    // The view may have gone (CLOSE in IDLE cannot happen; a deleted mailbox can).
    if (!view.contexts.has(tag)) continue;
    const numberOf = (uid: number) => c.byUid ? uid : view.seqOf(uid);
    const sorted = c.criteria !== null;
    const inNext = new Set(next);
    const removeFrom = takeOut(c.uids, (uid) => !inNext.has(uid), sorted, numberOf);
    let addTo = putIn(c.uids, next, sorted, numberOf);
    if (addTo === null) {
      // Cannot happen with keys that never change; start the client's copy afresh.
      removeFrom.push(...takeOut(c.uids, () => true, true, numberOf));
      addTo = putIn([], next, true, numberOf)!;
    }
    c.uids = next;
    if (removeFrom.length > 0 || addTo.length > 0) {
      writeEsearch(ctx.enc, { tag, uid: c.byUid, removeFrom, addTo });
    }
  }
}
