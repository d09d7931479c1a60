import type { Connection } from "../connection.ts";
import type { Completion } from "../command_table.ts";
import type { CompressArgs } from "../../protocol/commands/compress.ts";
import { bad, no } from "../../protocol/errors.ts";
import { CompressTransport } from "../compress.ts";

/** COMPRESS DEFLATE (RFC 4978): compression starts right after the tagged OK. */
export function handleCompress(conn: Connection, args: CompressArgs): Promise<Completion> {
  if (args.algorithm !== "DEFLATE") {
    return Promise.reject(bad(`Unknown compression algorithm ${args.algorithm}`));
  }
  if (conn.transport instanceof CompressTransport) {
    return Promise.reject(no("Compression is already active", "COMPRESSIONACTIVE"));
  }
  return Promise.resolve({
    text: "DEFLATE active",
    after: () => {
      // Bytes the client sent after the command are already compressed.
      conn.transport = new CompressTransport(conn.transport, conn.reader.takeBuffered());
      return Promise.resolve();
    },
  });
}
