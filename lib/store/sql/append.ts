/**
 * APPEND: the message is parsed, hashed, compressed (and its file written)
 * before any transaction; the store-wide append queue then commits it with
 * whatever other appends are waiting (group commit).
 */
import { type Kysely, sql, type Transaction } from "kysely";
import type {
  AppendInput,
  AppendOptions,
  AppendResult,
  QuotaLimits,
  UidRange,
} from "../mail_store.ts";
import { appendedFlags, StoreError } from "../mail_store.ts";
import { parseMessage } from "../../mime/parse.ts";
import { messagePreview } from "../../mime/preview.ts";
import { type BodyFiles, compress, sha256Hex } from "./body_files.ts";
import { type AccountContext, appendLimitOf } from "./context.ts";
import { parseFlags } from "./flags.ts";
import { overQuota } from "./quota.ts";
import type { Db } from "./schema.ts";
import { sentDay } from "./search.ts";
import { type SearchFields, searchFieldsOf } from "./search_fields.ts";
import { addKeywords, applySlots, slotOf } from "./uid_blocks.ts";
import { transact } from "./retry.ts";
import { insertWire, type WireForms, wireOf } from "./body_wire.ts";

export interface AppendJobInput {
  accountId: number;
  mailboxId: number;
  hash: string;
  size: number;
  header: Uint8Array;
  body: Uint8Array | null;
  compression: string;
  envelope: string;
  bodyStructure: string;
  /** PREVIEW text (RFC 8970). */
  preview: string;
  /** 1 when the message holds a NUL octet (FETCH then maps it, see migration 10), else 0. */
  hasNul: number;
  /** ENVELOPE and BODYSTRUCTURE as FETCH writes them (body_wire.ts). */
  wire: WireForms;
  bits: number;
  keywords: string;
  internalDate: number;
  sentDay: string | null;
  search: SearchFields;
  /** With msg_store fs: the file's data, written again inside the transaction if it went missing. */
  fileData?: Uint8Array;
}

export interface AppendCommitted {
  uid: number;
  uidValidity: number;
  modSeq: number;
  name: string;
  /** The \Recent range its job claimed (AppendOptions.claimRecent), on each row of the job. */
  recent?: UidRange | null;
}

/** One caller's messages: committed in one transaction, all or none (RFC 3502 MULTIAPPEND). */
interface AppendJob {
  kind: "append";
  messages: readonly AppendJobInput[];
  /** Claim \Recent up to the last new UID in the same transaction. */
  claimRecent: boolean;
  resolve: (r: AppendCommitted[]) => void;
  reject: (e: unknown) => void;
}

/** A small write of another kind (a flag change, a \Recent claim), see `AppendQueue.write()`. */
interface WriteJob {
  kind: "write";
  run: (trx: Transaction<Db>) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type Job = AppendJob | WriteJob;

/** Jobs per transaction at most. */
const BATCH = 256;

/**
 * Commits prepared APPENDs. Appends that arrive while a commit is under way
 * are committed together in the next transaction (group commit): one fsync
 * for many sessions' messages. Each caller's promise settles after the
 * transaction holding its message has committed, so an OK still means
 * durable. A job whose mailbox is gone fails alone; a database error fails
 * its whole batch (nothing of it was committed). On SQLite the other small
 * writes (flag changes, \Recent claims) go through it too (`write()`).
 */
export class AppendQueue {
  #db: Kysely<Db>;
  #disableRecent: boolean;
  #files: BodyFiles | null;
  #quota: QuotaLimits;
  #queue: Job[] = [];
  #flushing: Promise<void> | null = null;
  #nextTask: (() => Promise<void>) | null;
  /** Transactions committed so far (a figure for tests and benchmarks). */
  commits = 0;

  constructor(
    db: Kysely<Db>,
    disableRecent: boolean,
    files: BodyFiles | null = null,
    quota: QuotaLimits = { storage: null, messages: null },
    nextTask: (() => Promise<void>) | null = null,
  ) {
    this.#db = db;
    this.#disableRecent = disableRecent;
    this.#files = files;
    this.#quota = quota;
    this.#nextTask = nextTask;
  }

  commit(job: AppendJobInput): Promise<AppendCommitted> {
    return this.commitAll([job]).then((r) => r[0]);
  }

  /**
   * Commits several messages as one unit: the same transaction holds all of
   * them, with consecutive UIDs in the order given, or none of them.
   */
  commitAll(
    messages: readonly AppendJobInput[],
    options?: AppendOptions,
  ): Promise<AppendCommitted[]> {
    const claimRecent = !!options?.claimRecent;
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: "append", messages, claimRecent, resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  /**
   * Runs `fn` in the next group commit, beside other writes queued with it
   * (SQLite's one writer: a flag change or a \Recent claim then shares its
   * fsync instead of paying its own). Its own work is isolated by a
   * savepoint: a StoreError it throws undoes it alone and rejects its
   * promise; any other error fails the batch. Resolves after the commit.
   * Like `transact()`'s, `fn` must be safe to run again.
   *
   * Jobs settle in batch order, which is their MODSEQ order, and each
   * caller publishes its events as soon as its job settles, so the events
   * follow the MODSEQ order too.
   */
  write<T>(fn: (trx: Transaction<Db>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        kind: "write",
        run: fn,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.#flushing ??= this.#flush();
    });
  }

  /**
   * The jobs at the head of the queue, up to BATCH, of both kinds: in the
   * mixed load a batch of one kind only ended at each change of kind, and
   * an APPEND between two flag changes cost a transaction and an fsync of
   * its own.
   */
  #take(): Job[] {
    return this.#queue.splice(0, BATCH);
  }

  /** Resolves once every append queued so far has committed or failed. */
  async drain(): Promise<void> {
    await this.#flushing;
  }

  async #flush(): Promise<void> {
    try {
      // One task turn before the first transaction (a store thread's
      // `nextTask`): APPENDs whose requests are already waiting are prepared
      // and queued meanwhile, and ride in the same commit. Without it the
      // first transaction held only the append that started it.
      if (this.#nextTask) await this.#nextTask();
      while (this.#queue.length > 0) {
        let batch: Job[] = [];
        let taken = false;
        try {
          const results = await transact(this.#db, async (trx) => {
            // Taken once the connection is ours: everything queued meanwhile rides along.
            // A second run (retry.ts) commits the same batch.
            if (!taken) batch = this.#take();
            taken = true;
            const out: ({ value: unknown } | StoreError)[] = [];
            const inserted: AppendJobInput[] = [];
            const committed: AppendCommitted[] = [];
            for (const job of batch) {
              if (job.kind === "write") {
                // The index (uid_blocks) first learns of the messages appended
                // so far: this job may change or expunge one of them.
                await indexAppends(trx, inserted.splice(0), committed.splice(0));
                out.push(await runIsolated(trx, job.run));
                continue;
              }
              const rows: AppendCommitted[] = [];
              // RFC 9208: the quota is checked in the transaction that adds to the
              // usage, so appends committed before (in this batch too) are counted;
              // a job's messages together (RFC 3502), so a MULTIAPPEND that does
              // not fit stores none of them.
              let failed: StoreError | null = await overQuota(
                trx,
                job.messages[0].accountId,
                this.#quota,
                job.messages.length,
                job.messages.reduce((n, m) => n + m.size, 0),
              );
              for (const message of failed ? [] : job.messages) {
                // Under the write lock no other process can remove the file: make
                // sure it is there before the row that names it commits (body_files.ts).
                if (message.fileData && this.#files) {
                  await this.#files.write(message.hash, message.fileData);
                }
                const r = await insertAppend(trx, message, this.#disableRecent);
                if (r instanceof StoreError) {
                  failed = r;
                  break;
                }
                rows.push(r);
              }
              if (failed && rows.length > 0) {
                // A job's messages share one mailbox, so only the first can find it
                // gone; anything else would leave half a job: undo the whole batch.
                throw new Error("Append job failed part way; the batch is rolled back");
              }
              if (!failed && job.claimRecent) {
                const recent = this.#disableRecent
                  ? null
                  : await claimRecentIn(trx, job.messages[0], rows[rows.length - 1].uid);
                for (const row of rows) row.recent = recent;
              }
              out.push(failed ?? { value: rows });
              if (!failed) {
                inserted.push(...job.messages);
                committed.push(...rows);
              }
            }
            await indexAppends(trx, inserted, committed);
            return out;
          });
          this.commits++;
          batch.forEach((job, i) => {
            const r = results[i];
            if (r instanceof StoreError) job.reject(r);
            else (job.resolve as (v: unknown) => void)(r.value);
          });
        } catch (e) {
          // Failed before taking its batch (closed database...): fail what waits.
          const failed = batch.length > 0 ? batch : this.#queue.splice(0);
          for (const job of failed) job.reject(e);
        }
      }
    } finally {
      this.#flushing = null;
    }
  }
}

/**
 * Moves the mailbox's \Recent claim counter up to `uid` inside `trx` and
 * returns the range claimed, or null when it was there already: sync.ts's
 * claimRecent() as part of an APPEND's own transaction.
 */
export async function claimRecentIn(
  trx: Transaction<Db>,
  mailbox: { accountId: number; mailboxId: number },
  uid: number,
): Promise<UidRange | null> {
  const row = await trx.updateTable("mailboxes")
    .set((eb) => ({ recent_prev: eb.ref("recent_uid"), recent_uid: uid }))
    .where("id", "=", mailbox.mailboxId).where("account_id", "=", mailbox.accountId)
    .where("recent_uid", "<", uid)
    .returning("recent_prev").executeTakeFirst();
  return row ? { from: row.recent_prev + 1, to: uid } : null;
}

/** One write job under a savepoint: its StoreError undoes its own work only. */
async function runIsolated(
  trx: Transaction<Db>,
  run: (trx: Transaction<Db>) => Promise<unknown>,
): Promise<{ value: unknown } | StoreError> {
  await sql`savepoint write_job`.execute(trx);
  try {
    const value = await run(trx);
    await sql`release savepoint write_job`.execute(trx);
    return { value };
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    await sql`rollback to savepoint write_job`.execute(trx);
    await sql`release savepoint write_job`.execute(trx);
    return e;
  }
}

/** Records a batch's new messages in the compact index (uid_blocks.ts), per mailbox. */
export async function indexAppends(
  trx: Transaction<Db>,
  batch: readonly AppendJobInput[],
  results: readonly AppendCommitted[],
): Promise<void> {
  const slots = new Map<number, Map<number, number>>();
  const keywords = new Map<number, string[]>();
  batch.forEach((job, i) => {
    const r = results[i];
    let m = slots.get(job.mailboxId);
    if (!m) slots.set(job.mailboxId, m = new Map());
    const kw = job.keywords === "[]" ? [] : JSON.parse(job.keywords) as string[];
    m.set(r.uid, slotOf(job.bits, kw.length > 0));
    if (kw.length) {
      const list = keywords.get(job.mailboxId) ?? [];
      keywords.set(job.mailboxId, list.concat(kw));
    }
  });
  for (const [mailboxId, m] of slots) await applySlots(trx, mailboxId, m);
  for (const [mailboxId, kw] of keywords) await addKeywords(trx, mailboxId, kw);
}

/**
 * One message of an APPEND inside a group-commit transaction (its job's
 * quota already checked); a missing mailbox is returned, not thrown (the
 * batch's other jobs go on).
 */
export async function insertAppend(
  trx: Transaction<Db>,
  job: AppendJobInput,
  disableRecent: boolean,
): Promise<AppendCommitted | StoreError> {
  // The mailbox first: if it is gone, nothing of this job is written. Its
  // message count and size (quota usage, STATUS SIZE) change with it.
  const box = await trx.updateTable("mailboxes")
    .set((eb) => ({
      uid_next: eb("uid_next", "+", 1),
      highest_modseq: eb("highest_modseq", "+", 1),
      message_count: eb("message_count", "+", 1),
      total_size: eb("total_size", "+", job.size),
    }))
    .where("id", "=", job.mailboxId).where("account_id", "=", job.accountId)
    .returning(["uid_next", "highest_modseq", "uid_validity", "name"]).executeTakeFirst();
  if (!box) return new StoreError("NONEXISTENT", `No mailbox with id ${job.mailboxId}`);
  const existing = await trx.selectFrom("bodies").select("id").where("hash", "=", job.hash)
    .executeTakeFirst();
  let bodyId = existing?.id;
  if (bodyId === undefined) {
    bodyId = (await trx.insertInto("bodies").values({
      hash: job.hash,
      size: job.size,
      header: job.header,
      body: job.body,
      compression: job.compression,
      envelope: job.envelope,
      body_structure: job.bodyStructure,
      has_nul: job.hasNul,
    }).returning("id").executeTakeFirstOrThrow()).id;
    await trx.insertInto("body_search").values({ body_id: bodyId, ...job.search }).execute();
    await insertWire(trx, bodyId, job.wire);
    await trx.insertInto("body_preview").values({ body_id: bodyId, preview: job.preview })
      .execute();
  }
  const uid = box.uid_next - 1;
  await trx.insertInto("messages").values({
    mailbox_id: job.mailboxId,
    uid,
    body_id: bodyId,
    internal_date: job.internalDate,
    size: job.size,
    system_flags: job.bits,
    keywords: job.keywords,
    modseq: box.highest_modseq,
    recent: disableRecent ? 0 : 1,
    sent_day: job.sentDay,
    save_date: Date.now(),
  }).execute();
  return { uid, uidValidity: box.uid_validity, modSeq: box.highest_modseq, name: box.name };
}

export async function appendMessage(
  ctx: AccountContext,
  appends: AppendQueue,
  mailboxId: number,
  input: AppendInput,
): Promise<AppendResult> {
  return (await appendMessages(ctx, appends, mailboxId, [input]))[0];
}

/**
 * Stores `inputs` in one transaction, all or none (RFC 3502 §6.3.11: a
 * MULTIAPPEND is atomic), with ascending consecutive UIDs in their order.
 */
export async function appendMessages(
  ctx: AccountContext,
  appends: AppendQueue,
  mailboxId: number,
  inputs: readonly AppendInput[],
  options?: AppendOptions,
): Promise<AppendResult[]> {
  if (inputs.length === 0) return [];
  return await appendPrepared(
    ctx,
    appends,
    mailboxId,
    await prepareAppends(ctx, mailboxId, inputs),
    options,
  );
}

/**
 * The second half of `appendMessages()`: commits what `prepareAppends()`
 * made, here or on another thread of the same store (a store thread's
 * reader parses while the writer commits, store_thread.ts). The account and
 * mailbox are this call's, whatever the jobs say; body files are written
 * here, where the writer's holds keep them from a concurrent EXPUNGE's sweep.
 */
export async function appendPrepared(
  ctx: AccountContext,
  appends: AppendQueue,
  mailboxId: number,
  prepared: readonly AppendJobInput[],
  options?: AppendOptions,
): Promise<AppendResult[]> {
  if (prepared.length === 0) return [];
  const jobs = prepared.map((job) => ({ ...job, accountId: ctx.accountId, mailboxId }));
  const files = ctx.options.files;
  for (const job of jobs) files?.hold(job.hash);
  try {
    if (files) {
      for (const job of jobs) await files.write(job.hash, job.fileData!);
    }
    const results = await appends.commitAll(jobs, options);
    const first = results[0];
    const last = results[results.length - 1];
    if (last.recent) ctx.bus.noteRecentClaimed(mailboxId, last.recent.to);
    // One transaction gave the messages consecutive MODSEQs: the bus moves
    // from the one before the first to the last.
    ctx.bus.publish(
      {
        type: "append",
        mailboxId,
        uids: results.map((r) => r.uid),
        modSeq: results[results.length - 1].modSeq,
        flags: appendedFlags(
          results.map((r, i) => ({
            bits: jobs[i].bits,
            keywords: jobs[i].keywords,
            modSeq: r.modSeq,
          })),
        ),
      },
      first.modSeq - 1,
      {
        modSeq: last.modSeq,
        uidNext: last.uid + 1,
        name: last.name,
      },
    );
    return results.map((r) => {
      const result: AppendResult = { uid: r.uid, uidValidity: r.uidValidity, modSeq: r.modSeq };
      if (options?.claimRecent) result.recent = r.recent ?? null;
      return result;
    });
  } finally {
    for (const job of jobs) files?.unhold(job.hash);
  }
}

/**
 * What an APPEND stores, computed before any transaction: each message
 * checked against the mailbox's APPEND limit (TOOBIG), parsed, hashed and
 * compressed. Shared with REPLACE (replace.ts).
 */
export async function prepareAppends(
  ctx: AccountContext,
  mailboxId: number,
  inputs: readonly AppendInput[],
): Promise<AppendJobInput[]> {
  const { options } = ctx;
  const limit = await appendLimitOf(ctx, mailboxId);
  for (const input of inputs) {
    if (input.content.length > limit) {
      throw new StoreError(
        "TOOBIG",
        `Message of ${input.content.length} bytes exceeds the limit of ${limit}`,
      );
    }
  }
  // Everything slow happens before the transaction begins.
  const jobs: AppendJobInput[] = [];
  for (const input of inputs) {
    const content = input.content;
    const parsed = parseMessage(content);
    const header = content.slice(0, parsed.headerSize);
    const body = content.subarray(parsed.headerSize);
    const hash = sha256Hex(content);
    const packed = compress(body, options.compression);
    const flags = parseFlags(input.flags ?? []);
    jobs.push({
      accountId: ctx.accountId,
      mailboxId,
      hash,
      size: content.length,
      header,
      body: options.files ? null : packed.data,
      fileData: options.files ? packed.data : undefined,
      compression: packed.algorithm,
      envelope: JSON.stringify(parsed.envelope),
      bodyStructure: JSON.stringify(parsed.body),
      preview: messagePreview(content, parsed),
      hasNul: content.indexOf(0) < 0 ? 0 : 1,
      wire: wireOf(parsed.envelope, parsed.body),
      bits: flags.bits,
      keywords: JSON.stringify(flags.keywords),
      internalDate: (input.internalDate ?? new Date()).getTime(),
      sentDay: sentDay(parsed.envelope.date),
      search: searchFieldsOf(header, ctx.sql.searchSeparator),
    });
  }
  return jobs;
}
