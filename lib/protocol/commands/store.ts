/**
 * STORE and UID STORE arguments (RFC 3501 §6.4.6, §9):
 *
 *   store           = "STORE" SP sequence-set SP store-att-flags
 *   store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP
 *                     (flag-list / (flag *(SP flag)))
 *   flag-list       = "(" [flag *(SP flag)] ")"
 */
import { type CommandParser, ParseError } from "../../wire/parser.ts";
import { type MessageSet, parseMessageSet } from "../sequence_set.ts";
import { canonicalFlags } from "../flags.ts";

export type StoreMode = "set" | "add" | "remove";

export interface StoreArgs {
  set: MessageSet;
  mode: StoreMode;
  silent: boolean;
  /** System flags in their canonical spelling ("\Seen"), keywords as sent; no duplicates. */
  flags: string[];
}

const MODES: Record<string, StoreMode> = { "": "set", "+": "add", "-": "remove" };

export function parseStore(p: CommandParser): StoreArgs {
  p.sp();
  const set = parseMessageSet(p);
  p.sp();
  // Hook: CONDSTORE's store-modifiers (SP "(" UNCHANGEDSINCE ... ")") go here.
  const word = p.atom();
  const m = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(word);
  if (!m) throw new ParseError(`Unknown STORE item "${word}"`);
  p.sp();
  const raw = p.peek() === 0x28 /* ( */ ? p.list(() => p.flag()) : readFlags(p);
  p.end();
  const flags = canonicalFlags(raw);
  return { set, mode: MODES[m[1]], silent: m[2] !== undefined, flags };
}

/** flag *(SP flag), without parentheses. */
function readFlags(p: CommandParser): string[] {
  const out = [p.flag()];
  while (p.maybeSp()) out.push(p.flag());
  return out;
}
