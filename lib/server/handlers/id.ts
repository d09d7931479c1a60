import type { CommandContext } from "../context.ts";
import { type IdArgs, writeId } from "../../protocol/commands/id.ts";

/** Sessions whose ID was logged: one log line per connection, however often it asks. */
const logged = new WeakSet<CommandContext>();

/** RFC 2971: the client's fields are logged (once); ours are name and version. */
export function handleId(ctx: CommandContext, args: IdArgs): Promise<void> {
  if (args.params && !logged.has(ctx)) {
    logged.add(ctx);
    const fields: Record<string, string> = {};
    for (const [k, v] of args.params) {
      fields[`id_${k.toLowerCase().replace(/[^a-z0-9-]/g, "_")}`] = v ?? "NIL";
    }
    ctx.log.info("client ID", fields);
  }
  writeId(ctx.enc, [["name", "imapd"], ["version", ctx.endpoint.version]]);
  return Promise.resolve();
}
