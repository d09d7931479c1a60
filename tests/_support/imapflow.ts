/**
 * An imapflow client (npm:imapflow, a real client nobody here wrote),
 * connected and logged in as alice to a test server on loopback.
 */
import type { ImapFlow, ImapFlowOptions } from "imapflow";

export async function connectImapflow(
  port: number,
  options: Partial<ImapFlowOptions> = {},
): Promise<ImapFlow> {
  const { ImapFlow } = await import("imapflow");
  const flow = new ImapFlow({
    host: "127.0.0.1",
    port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: "alice", pass: "alice-pw" },
    logger: false,
    ...options,
  });
  await flow.connect();
  return flow;
}
