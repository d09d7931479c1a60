import type { Connection } from "../connection.ts";

/** NOOP does nothing; pending mailbox updates go out before its tagged OK (RFC 3501 §6.1.2). */
export async function handleNoop(conn: Connection): Promise<void> {
  if (conn.state.kind === "selected") await conn.pollMailbox();
}
