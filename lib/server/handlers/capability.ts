import type { CommandContext } from "../context.ts";
import { capabilities } from "../capabilities.ts";
import { writeCapability } from "../../protocol/commands/capability.ts";

/** CAPABILITY (RFC 3501 §6.1.1): what this session may use now. */
export function handleCapability(ctx: CommandContext): Promise<void> {
  writeCapability(ctx.enc, capabilities(ctx));
  return Promise.resolve();
}
