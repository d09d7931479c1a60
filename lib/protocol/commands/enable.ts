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
