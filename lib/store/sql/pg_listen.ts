/**
 * Cross-node wake-ups on PostgreSQL. Every change to a mailbox bumps its
 * row's highest_modseq (the change log CONDSTORE/QRESYNC read is the
 * messages' modseq plus the expunge tombstones); migration 11 adds a trigger
 * that sends `pg_notify('imapd_mailbox', 'account:mailbox:modseq')` inside
 * that writing transaction, so the hint goes out at commit and never for a
 * rolled-back write. This file keeps one dedicated connection, outside the
 * pool, LISTENing on that channel, and reconnects with backoff when it
 * drops. A notification is only a hint: the receiver polls the database for
 * what changed (sync.ts poll()), and sessions poll on their own as well
 * (IDLE every IDLE_POLL_MS, NOOP, every command), which covers
 * notifications lost while this connection was down.
 */
import pg from "pg";

export const CHANNEL = "imapd_mailbox";

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;

export class PgChangeListener {
  #url: string;
  #onChange: (accountId: number, mailboxId: number, modSeq: number) => void;
  #client: pg.Client | null = null;
  #closed = false;
  #backoff = MIN_BACKOFF_MS;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    url: string,
    onChange: (accountId: number, mailboxId: number, modSeq: number) => void,
  ) {
    this.#url = url;
    this.#onChange = onChange;
  }

  /** Connects in the background; failures are retried with backoff, never thrown. */
  start(): void {
    void this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: 10_000 });
    this.#client = client;
    let dropped = false;
    const drop = () => {
      if (dropped) return;
      dropped = true;
      if (this.#client === client) this.#client = null;
      client.end().catch(() => {});
      this.#retry();
    };
    client.on("error", drop);
    client.on("end", drop);
    client.on("notification", (msg: { channel: string; payload?: string }) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      const [account, mailbox, modSeq] = msg.payload.split(":").map(Number);
      if (Number.isSafeInteger(account) && Number.isSafeInteger(mailbox)) {
        // A payload without a MODSEQ (an older trigger) always polls.
        this.#onChange(account, mailbox, Number.isSafeInteger(modSeq) ? modSeq : Infinity);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.#backoff = MIN_BACKOFF_MS;
    } catch {
      drop();
    }
  }

  #retry(): void {
    if (this.#closed) return;
    const wait = this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
    this.#timer = setTimeout(() => void this.#connect(), wait);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }
}
