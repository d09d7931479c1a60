/**
 * One waiter for "something changed" (IDLE, NOTIFY between commands): the
 * selected mailbox's view and the NOTIFY session each hold one. One waiter
 * at a time: a new wait releases the one before (its caller has moved on),
 * so no timer outlives its use.
 */
export class ChangeWaiter {
  #wake: (() => void) | null = null;

  /** Resolves on the next `wake()`, or after `timeoutMs` when given. */
  wait(timeoutMs?: number): Promise<void> {
    this.#wake?.();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
      this.#wake = done;
    });
  }

  /** Releases the waiter, if any. */
  wake(): void {
    this.#wake?.();
  }
}
