import type { Connection } from "../connection.ts";
import type { Completion } from "../command_table.ts";
import { no } from "../../protocol/errors.ts";

/**
 * RFC 3501 §6.2.1: the TLS negotiation begins right after the tagged OK.
 * Bytes the client sent after STARTTLS and before the handshake are thrown
 * away: treating them as commands would let an attacker inject commands
 * into the protected session (CVE-2011-0411 and its IMAP cousins).
 */
export function handleStarttls(conn: Connection): Promise<Completion> {
  const tls = conn.endpoint.tls;
  if (!tls) return Promise.reject(no("TLS is not configured"));
  if (conn.secure) return Promise.reject(no("TLS is already active"));
  return Promise.resolve({
    text: "Begin TLS negotiation now",
    after: async () => {
      const injected = conn.reader.takeBuffered();
      if (injected.length > 0) {
        conn.log.warn("discarded bytes sent before the TLS handshake", { bytes: injected.length });
      }
      conn.transport = await conn.transport.startTls(await tls.socketOptions());
      conn.log.debug("TLS started", { protocol: conn.transport.tlsProtocol });
    },
  });
}
