import type { CommandParser } from "../../wire/parser.ts";

/** idle = "IDLE" CRLF "DONE" (RFC 2177 §3) */
export function parseIdle(p: CommandParser): Record<never, never> {
  p.end();
  return {};
}
