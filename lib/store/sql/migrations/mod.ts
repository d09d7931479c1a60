/**
 * Migrations: static objects applied at open, in `version` order, each once,
 * each in its own transaction with its row in `schema_migrations`. Append new
 * ones to MIGRATIONS; never edit one that has shipped.
 */
import type { Kysely } from "kysely";
import { initial } from "./0001_initial.ts";
import { recentClaim } from "./0002_recent_claim.ts";

export interface Migration {
  version: number;
  name: string;
  // deno-lint-ignore no-explicit-any
  up(db: Kysely<any>): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [initial, recentClaim];
