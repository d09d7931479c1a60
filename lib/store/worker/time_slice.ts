/**
 * CPU budget for the store thread. libSQL calls are synchronous and Kysely's
 * awaits resolve as microtasks, so a SEARCH over 100,000 messages would run
 * as one task from its first query to its last, and every other session's
 * request (a NOOP's poll, a FETCH of one message) would wait behind it.
 *
 * This Kysely plugin runs after every query: once the current task has used
 * its budget, it waits for one macrotask turn before returning the rows, so
 * requests that arrived meanwhile run first. A long command is thereby cut
 * into slices of about `budgetMs` at query boundaries; a short one never
 * yields. Nothing else changes: a query inside a transaction still holds the
 * connection (other queries wait for it in the dialect's FIFO), so
 * atomicity and the group commit are untouched.
 */
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";

/** Default slice: short enough that a NOOP behind a SEARCH waits a few ms. */
export const SLICE_MS = 4;

export class TimeSlice {
  readonly budgetMs: number;
  #start = performance.now();
  #channel = new MessageChannel();
  #waiting: (() => void)[] = [];
  /** Slices given up so far (a figure for tests and benchmarks). */
  yields = 0;

  constructor(budgetMs = SLICE_MS) {
    this.budgetMs = budgetMs;
    this.#channel.port1.onmessage = () => {
      this.#start = performance.now();
      this.#waiting.shift()?.();
    };
  }

  /** Marks the start of a task (a request message arrived). */
  begin(): void {
    this.#start = performance.now();
  }

  /** Whether the current task has used its budget. */
  get spent(): boolean {
    return performance.now() - this.#start >= this.budgetMs;
  }

  /** Lets queued tasks run when the budget is spent; resolves at once otherwise. */
  maybeYield(): Promise<void> | undefined {
    if (!this.spent) return undefined;
    this.yields++;
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#channel.port2.postMessage(0);
    });
  }

  /**
   * Resolves one task turn later, budget or not: requests that arrived
   * meanwhile run first (the append queue's group commit waits for this).
   * The channel is this thread's for its life; one made per turn cost
   * memory (about 1 KB each until collected, measured).
   */
  nextTask(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#channel.port2.postMessage(0);
    });
  }

  close(): void {
    this.#channel.port1.close();
    this.#channel.port2.close();
    for (const w of this.#waiting.splice(0)) w();
  }

  plugin(): KyselyPlugin {
    const maybeYield = () => this.maybeYield();
    return {
      transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
        return args.node;
      },
      async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
        await maybeYield();
        return args.result;
      },
    };
  }
}
