/**
 * STORE and UID STORE arguments (RFC 3501 §6.4.6, §9):
 *
 *   store           = "STORE" SP sequence-set SP store-att-flags
 *   store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP
 *                     (flag-list / (flag *(SP flag)))
 *   flag-list       = "(" [flag *(SP flag)] ")"
 */
import { type CommandParser, ParseError } from "../../wire/parser.ts";
import { parseSequenceSet, type SequenceSet } from "../sequence_set.ts";

export type StoreMode = "set" | "add" | "remove";

export interface StoreArgs {
  set: SequenceSet;
  mode: StoreMode;
  silent: boolean;
  /** System flags in their canonical spelling ("\Seen"), keywords as sent; no duplicates. */
  flags: string[];
}

/** RFC 3501 §2.3.2 system flags a client may store, by upper-case name. */
const SYSTEM_FLAGS = new Map(
  ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"].map((f) => [f.toUpperCase(), f]),
);

const MODES: Record<string, StoreMode> = { "": "set", "+": "add", "-": "remove" };

export function parseStore(p: CommandParser): StoreArgs {
  p.sp();
  const set = parseSequenceSet(p);
  p.sp();
  // Hook: CONDSTORE's store-modifiers (SP "(" UNCHANGEDSINCE ... ")") go here.
  const word = p.atom();
  const m = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(word);
  if (!m) throw new ParseError(`Unknown STORE item "${word}"`);
  p.sp();
  const raw = p.peek() === 0x28 /* ( */ ? p.list(() => p.flag()) : readFlags(p);
  p.end();
  const flags: string[] = [];
  const seen = new Set<string>();
  for (const f of raw) {
    const flag = canonicalFlag(f);
    const key = flag.toUpperCase();
    if (!seen.has(key)) {
      seen.add(key);
      flags.push(flag);
    }
  }
  return { set, mode: MODES[m[1]], silent: m[2] !== undefined, flags };
}

/** flag *(SP flag), without parentheses. */
function readFlags(p: CommandParser): string[] {
  const out = [p.flag()];
  while (p.maybeSp()) out.push(p.flag());
  return out;
}

/**
 * System flags are case-insensitive (RFC 3501 §2.3.2) and take their
 * canonical spelling. \Recent is the server's to set (§2.3.2: "cannot be
 * altered by the client") and other backslash names are flag-extension,
 * reserved for future RFCs (§9): both are refused. Keywords keep their case.
 */
function canonicalFlag(flag: string): string {
  if (!flag.startsWith("\\")) return flag;
  const known = SYSTEM_FLAGS.get(flag.toUpperCase());
  if (known) return known;
  if (flag.toUpperCase() === "\\RECENT") throw new ParseError("Flag \\Recent cannot be stored");
  throw new ParseError(`Unknown system flag "${flag}"`);
}
