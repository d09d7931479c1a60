import type { CommandContext } from "../context.ts";
import { HIERARCHY_DELIMITER } from "../../store/mail_store.ts";
import { writeNamespace } from "../../protocol/commands/namespace.ts";

/** NAMESPACE (RFC 2342): one personal namespace, no shared or other users'. */
export function handleNamespace(ctx: CommandContext): Promise<void> {
  writeNamespace(ctx.enc, "", HIERARCHY_DELIMITER);
  return Promise.resolve();
}
