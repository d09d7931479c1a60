import type { CommandContext, Completion } from "../context.ts";
import {
  type GetMetadataArgs,
  type SetMetadataArgs,
  writeMetadata,
} from "../../protocol/commands/metadata.ts";
import { no } from "../../protocol/errors.ts";
import { mailboxToWire } from "../../protocol/mailbox_name.ts";
import { StoreError } from "../../store/mail_store.ts";
import { existingMailbox, userOf, utf8Names } from "../access.ts";

/** The largest value SETMETADATA stores, in octets ([METADATA MAXSIZE n], RFC 5464 §4.3). */
export const METADATA_MAX_SIZE = 16 * 1024;
/** Entries a mailbox (or the server) may hold ([METADATA TOOMANY], RFC 5464 §4.3). */
export const METADATA_MAX_ENTRIES = 100;

/** The mailbox id ("" is the server: null) and its name as the response spells it. */
async function target(
  ctx: CommandContext,
  wire: string,
): Promise<{ id: number | null; name: string }> {
  if (wire === "") return { id: null, name: "" };
  const info = await existingMailbox(ctx, wire);
  return { id: info.id, name: mailboxToWire(info.name, utf8Names(ctx)) };
}

/**
 * GETMETADATA (RFC 5464 §4.2): one METADATA response with the entries
 * found (an entry asked for by name and without a value comes back NIL).
 * Values over MAXSIZE are left out and the tagged OK says how long the
 * longest of them is ([METADATA LONGENTRIES n], §4.2.1).
 */
export async function handleGetMetadata(
  ctx: CommandContext,
  args: GetMetadataArgs,
): Promise<Completion | void> {
  const { id, name } = await target(ctx, args.mailbox);
  const found = await userOf(ctx).account.getMetadata(id, args.entries, args.depth);
  let longest = 0;
  const shown = found.filter((e) => {
    if (args.maxSize === null || e.value === null || e.value.length <= args.maxSize) return true;
    longest = Math.max(longest, e.value.length);
    return false;
  });
  if (shown.length > 0) writeMetadata(ctx.enc, name, shown);
  if (longest > 0) return { code: { code: "METADATA", kind: "LONGENTRIES", size: longest } };
}

/**
 * SETMETADATA (RFC 5464 §4.3): all entries or none. A value over
 * METADATA_MAX_SIZE is refused with [METADATA MAXSIZE n], more than
 * METADATA_MAX_ENTRIES entries in the mailbox with [METADATA TOOMANY].
 * Private and shared entries are both kept ([METADATA NOPRIVATE] is never
 * needed): the account is the only user of its mailboxes.
 */
export async function handleSetMetadata(
  ctx: CommandContext,
  args: SetMetadataArgs,
): Promise<Completion | void> {
  const { id } = await target(ctx, args.mailbox);
  for (const e of args.entries) {
    if (e.value !== null && e.value.length > METADATA_MAX_SIZE) {
      throw no(`The value of "${e.entry}" is longer than ${METADATA_MAX_SIZE} octets`, {
        code: "METADATA",
        kind: "MAXSIZE",
        size: METADATA_MAX_SIZE,
      });
    }
  }
  try {
    await userOf(ctx).account.setMetadata(id, args.entries, METADATA_MAX_ENTRIES);
  } catch (e) {
    if (e instanceof StoreError && e.code === "LIMIT") {
      throw no(`At most ${METADATA_MAX_ENTRIES} entries per mailbox`, {
        code: "METADATA",
        kind: "TOOMANY",
      });
    }
    throw e;
  }
}
