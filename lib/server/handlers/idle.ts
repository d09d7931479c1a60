import type { Connection } from "../connection.ts";
import { bad } from "../../protocol/errors.ts";
import { decodeUtf8 } from "../../wire/parser.ts";

/** How often IDLE looks for changes made by other processes (the admin CLI). */
export const IDLE_POLL_MS = 500;

/**
 * IDLE (RFC 2177): "+ idling", then updates as they happen until DONE. The
 * session may idle up to idle_timeout (30 minutes at least) before the
 * server ends it.
 */
export async function handleIdle(conn: Connection): Promise<void> {
  await conn.continuation("idling");
  conn.idling = true;
  const deadline = Date.now() + conn.endpoint.config.idleTimeoutMs;
  try {
    for (;;) {
      if (conn.state.kind === "selected") {
        conn.state.mailbox.writeUpdates(conn.enc, true);
        await conn.flush();
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        conn.enc.untagged().atom("BYE IDLE lasted too long").crlf();
        conn.closeAfterReply();
        return;
      }
      const changed = conn.state.kind === "selected"
        ? conn.state.mailbox.waitForChange(IDLE_POLL_MS)
        : new Promise<void>((r) => setTimeout(r, IDLE_POLL_MS));
      const what = await conn.waitInput(changed, left);
      if (what === "eof") return;
      if (what === "signal") {
        await conn.pollMailbox();
        continue;
      }
      const line = await conn.readLine();
      if (line === null) return;
      const text = decodeUtf8(line);
      if (text.toUpperCase() === "DONE") return;
      throw bad(`Expected DONE, got "${text.slice(0, 40)}"`);
    }
  } finally {
    conn.idling = false;
  }
}
