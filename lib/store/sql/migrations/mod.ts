/**
 * Migrations: static objects applied at open, in `version` order, each once,
 * each in its own transaction with its row in `schema_migrations`. Append new
 * ones to MIGRATIONS; never edit one that has shipped. New ones import the
 * Migration type from migration.ts (0001 imports it from here, unchanged).
 */
import type { Migration } from "./migration.ts";
import { initial } from "./0001_initial.ts";
import { uidBlocks } from "./0002_uid_blocks.ts";
import { bodySearch } from "./0003_body_search.ts";
import { recentClaim } from "./0004_recent_claim.ts";
import { expungedModseq } from "./0005_expunged_modseq.ts";
import { quota } from "./0006_quota.ts";
import { savedateObjectid } from "./0007_savedate_objectid.ts";
import { preview } from "./0008_preview.ts";
import { metadata } from "./0009_metadata.ts";
import { bodyNulWire } from "./0010_body_nul_wire.ts";
import { mailboxNotify } from "./0011_mailbox_notify.ts";
import { bodyPreview } from "./0012_body_preview.ts";

export const MIGRATIONS: readonly Migration[] = [
  initial,
  uidBlocks,
  bodySearch,
  recentClaim,
  expungedModseq,
  quota,
  savedateObjectid,
  preview,
  metadata,
  bodyNulWire,
  mailboxNotify,
  bodyPreview,
];

export type { Migration };
