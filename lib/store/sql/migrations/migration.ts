import type { Kysely } from "kysely";

/** One schema step; migrations import this file, never the list (mod.ts), so the list stays acyclic. */
export interface Migration {
  version: number;
  name: string;
  // deno-lint-ignore no-explicit-any
  up(db: Kysely<any>): Promise<void>;
}
