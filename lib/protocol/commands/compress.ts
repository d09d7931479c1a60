import type { CommandParser } from "../../wire/parser.ts";

/** compress = "COMPRESS" SP algorithm (RFC 4978 §3) */
export interface CompressArgs {
  algorithm: string;
}

export function parseCompress(p: CommandParser): CompressArgs {
  p.sp();
  const algorithm = p.atom().toUpperCase();
  p.end();
  return { algorithm };
}
