import type { ResponseEncoder } from "../../wire/encoder.ts";
import type { CommandParser } from "../../wire/parser.ts";

/** enable = "ENABLE" 1*(SP capability) (RFC 5161 §4) */
export interface EnableArgs {
  capabilities: string[];
}

export function parseEnable(p: CommandParser): EnableArgs {
  const capabilities: string[] = [];
  p.sp();
  capabilities.push(p.atom().toUpperCase());
  while (p.maybeSp()) capabilities.push(p.atom().toUpperCase());
  p.end();
  return { capabilities };
}

/** enable-data = "ENABLED" *(SP capability) (RFC 5161 §4) */
export function writeEnabled(enc: ResponseEncoder, capabilities: readonly string[]): void {
  enc.untagged().atom("ENABLED");
  for (const c of capabilities) enc.sp().atom(c);
  enc.crlf();
}
