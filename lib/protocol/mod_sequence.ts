/**
 * Mod-sequences (RFC 7162 §7): `mod-sequence-value = 1*DIGIT`, a positive
 * unsigned 63-bit integer, and `mod-sequence-valzer`, which also allows 0
 * (CHANGEDSINCE, UNCHANGEDSINCE, SEARCH MODSEQ).
 *
 * Our MODSEQs count one per change of a mailbox and stay far below 2^53, so
 * a value the client sends above Number.MAX_SAFE_INTEGER (still within 63
 * bits) is read as MAX_SAFE_INTEGER: it compares the same way with every
 * MODSEQ we hold.
 */
import { type CommandParser, ParseError } from "../wire/parser.ts";

const MAX_63 = 9223372036854775807n;

/** Reads a mod-sequence; `allowZero` for mod-sequence-valzer. */
export function parseModSeq(p: CommandParser, allowZero: boolean): number {
  const text = p.takeWhile((b) => b >= 0x30 && b <= 0x39, "a mod-sequence");
  if (text.length > 19 || BigInt(text) > MAX_63) {
    throw new ParseError(`Mod-sequence ${text.slice(0, 30)} is out of range`);
  }
  const value = Number(text);
  if (value === 0 && !allowZero) throw new ParseError("A mod-sequence is at least 1");
  return Math.min(value, Number.MAX_SAFE_INTEGER);
}
