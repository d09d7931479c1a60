import type { CommandContext, Completion } from "../context.ts";
import { no } from "../../protocol/errors.ts";

/**
 * RFC 3501 §6.2.1: the TLS negotiation begins right after the tagged OK.
 * Bytes the client sent after STARTTLS and before the handshake are thrown
 * away: treating them as commands would let an attacker inject commands
 * into the protected session (CVE-2011-0411 and its IMAP cousins).
 */
export function handleStarttls(ctx: CommandContext): Promise<Completion> {
  const tls = ctx.endpoint.tls;
  if (!tls) return Promise.reject(no("TLS is not configured"));
  if (ctx.secure) return Promise.reject(no("TLS is already active"));
  return Promise.resolve({
    text: "Begin TLS negotiation now",
    after: () =>
      ctx.switchTransport(async (current, injected) => {
        if (injected.length > 0) {
          ctx.log.warn("discarded bytes sent before the TLS handshake", {
            bytes: injected.length,
          });
        }
        const next = await current.startTls(await tls.socketOptions());
        ctx.log.debug("TLS started", { protocol: next.tlsProtocol });
        return next;
      }),
  });
}
