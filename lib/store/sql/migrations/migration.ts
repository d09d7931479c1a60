import type { Kysely } from "kysely";

/** One schema step (see mod.ts). Its own file, so migrations need not import mod.ts. */
export interface Migration {
  version: number;
  name: string;
  // deno-lint-ignore no-explicit-any
  up(db: Kysely<any>): Promise<void>;
}
