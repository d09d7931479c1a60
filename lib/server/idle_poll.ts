/**
 * IDLE's look for changes made by other processes (the admin CLI, another
 * node), done once per mailbox rather than once per session.
 *
 * In-process changes reach an IDLE session through the store's watch at
 * once; another process's changes are found only by asking the store
 * (`AccountStore.poll`, `pollAccount`), which then delivers what it found to
 * every watcher. Each session used to wake on its own timer every tick and
 * ask: 1,000 sessions in IDLE made 2,000 wake-ups a second and kept the
 * heaps busy with their garbage (about 180 KB of RSS per connection, issue
 * 18). Now a session in IDLE joins here, one timer polls each mailbox (and
 * each account that a NOTIFY session watches) that has at least one member,
 * and the session itself sleeps until its watch wakes it.
 */
import type { AccountStore } from "../store/mail_store.ts";

/** How often IDLE looks for changes made by other processes. */
export const IDLE_POLL_MS = 500;

interface Members {
  /** Sessions in IDLE by the mailbox they have selected. */
  mailboxes: Map<number, number>;
  /** Sessions in IDLE whose NOTIFY watches the whole account. */
  account: number;
  /** Whether a poll of this account is under way (a slow one is not asked again). */
  busy: boolean;
}

const members = new Map<AccountStore, Members>();
let timer: ReturnType<typeof setInterval> | null = null;

/**
 * Counts a session in IDLE until the returned function is called: its
 * selected mailbox (`mailboxId`), and its account when NOTIFY watches it.
 */
export function joinIdlePoll(
  account: AccountStore,
  mailboxId: number | null,
  wholeAccount: boolean,
): () => void {
  let m = members.get(account);
  if (!m) {
    m = { mailboxes: new Map(), account: 0, busy: false };
    members.set(account, m);
  }
  const own = m;
  if (mailboxId !== null) own.mailboxes.set(mailboxId, (own.mailboxes.get(mailboxId) ?? 0) + 1);
  if (wholeAccount) own.account++;
  timer ??= setInterval(tick, IDLE_POLL_MS);
  let left = false;
  return () => {
    if (left) return;
    left = true;
    if (mailboxId !== null) {
      const n = (own.mailboxes.get(mailboxId) ?? 1) - 1;
      if (n > 0) own.mailboxes.set(mailboxId, n);
      else own.mailboxes.delete(mailboxId);
    }
    if (wholeAccount) own.account--;
    if (own.mailboxes.size === 0 && own.account === 0 && members.get(account) === own) {
      members.delete(account);
    }
    if (members.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** How many accounts have a session in IDLE (for tests). */
export function idlePollAccounts(): number {
  return members.size;
}

function tick(): void {
  for (const [account, m] of members) {
    if (m.busy) continue;
    m.busy = true;
    pollOne(account, m).finally(() => m.busy = false);
  }
}

async function pollOne(account: AccountStore, m: Members): Promise<void> {
  try {
    const polls = [...m.mailboxes.keys()].map((id) => account.poll(id));
    if (m.account > 0) polls.push(account.pollAccount());
    await Promise.all(polls);
  } catch {
    // A failed poll (a mailbox deleted meanwhile, the store closing) is tried
    // again at the next tick; the sessions learn of deletions from their watch.
  }
}
