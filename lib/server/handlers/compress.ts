import type { CommandContext, Completion } from "../context.ts";
import type { CompressArgs } from "../../protocol/commands/compress.ts";
import { bad, no } from "../../protocol/errors.ts";
import { CompressTransport } from "../compress.ts";

/** COMPRESS DEFLATE (RFC 4978): compression starts right after the tagged OK. */
export function handleCompress(ctx: CommandContext, args: CompressArgs): Promise<Completion> {
  if (args.algorithm !== "DEFLATE") {
    return Promise.reject(bad(`Unknown compression algorithm ${args.algorithm}`));
  }
  if (ctx.transport instanceof CompressTransport) {
    return Promise.reject(no("Compression is already active", "COMPRESSIONACTIVE"));
  }
  return Promise.resolve({
    text: "DEFLATE active",
    // Bytes the client sent after the command are already compressed.
    after: () =>
      ctx.switchTransport((current, buffered) =>
        Promise.resolve(new CompressTransport(current, buffered))
      ),
  });
}
