import type { Connection } from "../connection.ts";

/** RFC 3501 §6.1.3: an untagged BYE, then the tagged OK, then the server closes. */
export function handleLogout(conn: Connection): Promise<void> {
  conn.enc.untagged().atom("BYE Logging out").crlf();
  conn.closeAfterReply();
  return Promise.resolve();
}
