/**
 * Graceful shutdown shared by every endpoint: stop accepting, ask each open
 * session to finish (`shutdown()`), wait up to `timeoutMs`, then cut the
 * rest (`abort()`) and give them a short grace to end.
 */
import type { Listener } from "./listener.ts";

export interface DrainableSession {
  shutdown(): void;
  abort(): void;
  readonly done: Promise<void>;
}

const ABORT_GRACE_MS = 500;

/** Resolves when `promise` settles or after `ms`, whichever comes first; leaves no timer behind. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export async function drain(
  listeners: readonly Listener[],
  sessions: ReadonlySet<DrainableSession>,
  timeoutMs: number,
): Promise<void> {
  for (const l of listeners) l.close();
  const open = [...sessions];
  for (const s of open) s.shutdown();
  const all = Promise.all(open.map((s) => s.done));
  await within(all, timeoutMs);
  for (const s of sessions) s.abort();
  await within(all, ABORT_GRACE_MS);
}
