import type { CommandContext } from "../context.ts";
import { writeStatus } from "../../protocol/response.ts";

/**
 * RFC 3501 §6.1.3: an untagged BYE, then the tagged OK, then the server
 * closes. The session is in the logout state from here: no mailbox update
 * follows the BYE.
 */
export function handleLogout(ctx: CommandContext): Promise<void> {
  writeStatus(ctx.enc, null, "BYE", undefined, "Logging out");
  ctx.endSession();
  return Promise.resolve();
}
