import type { Connection } from "../connection.ts";
import { capabilities } from "../capabilities.ts";

export function handleCapability(conn: Connection): Promise<void> {
  conn.enc.untagged().atom("CAPABILITY ").atom(capabilities(conn).join(" ")).crlf();
  return Promise.resolve();
}
