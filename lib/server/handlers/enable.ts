import type { Connection } from "../connection.ts";
import type { EnableArgs } from "../../protocol/commands/enable.ts";

/** Extensions ENABLE can turn on (RFC 5161 §3.1); unknown names are ignored, as the RFC says. */
export const ENABLEABLE = new Set<string>([]);

export function handleEnable(conn: Connection, args: EnableArgs): Promise<void> {
  const newly: string[] = [];
  for (const cap of args.capabilities) {
    if (ENABLEABLE.has(cap) && !conn.enabled.has(cap)) {
      conn.enabled.add(cap);
      newly.push(cap);
    }
  }
  conn.enc.untagged().atom("ENABLED").atom(newly.map((c) => " " + c).join("")).crlf();
  return Promise.resolve();
}
