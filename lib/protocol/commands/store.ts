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
import { parseModSeq } from "../mod_sequence.ts";

export type StoreMode = "set" | "add" | "remove";

export interface StoreArgs {
  set: MessageSet;
  mode: StoreMode;
  silent: boolean;
  /** System flags in their canonical spelling ("\Seen"), keywords as sent; no duplicates. */
  flags: string[];
  /** UNCHANGEDSINCE (RFC 7162 §3.1.3), when given. */
  unchangedSince?: number;
}

const MODES: Record<string, StoreMode> = { "": "set", "+": "add", "-": "remove" };

export function parseStore(p: CommandParser): StoreArgs {
  p.sp();
  const set = parseMessageSet(p);
  p.sp();
  const unchangedSince = p.peek() === 0x28 /* ( */ ? parseStoreModifiers(p) : undefined;
  const word = p.atom();
  const m = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(word);
  if (!m) throw new ParseError(`Unknown STORE item "${word}"`);
  p.sp();
  const raw = p.peek() === 0x28 /* ( */ ? p.list(() => p.flag()) : readFlags(p);
  p.end();
  const flags = canonicalFlags(raw);
  const args: StoreArgs = { set, mode: MODES[m[1]], silent: m[2] !== undefined, flags };
  if (unchangedSince !== undefined) args.unchangedSince = unchangedSince;
  return args;
}

/**
 * store-modifiers = SP "(" store-modifier *(SP store-modifier) ")" SP (RFC 4466 §2.5)
 * store-modifier  =/ "UNCHANGEDSINCE" SP mod-sequence-valzer (RFC 7162 §7;
 * "only a single UNCHANGEDSINCE may be specified").
 */
function parseStoreModifiers(p: CommandParser): number {
  let since: number | undefined;
  p.list(() => {
    const name = p.atom().toUpperCase();
    if (name !== "UNCHANGEDSINCE") throw new ParseError(`Unknown STORE modifier ${name}`);
    if (since !== undefined) throw new ParseError("UNCHANGEDSINCE given twice");
    p.sp();
    since = parseModSeq(p, true);
  }, false);
  p.sp();
  return since!;
}

/** flag *(SP flag), without parentheses. */
function readFlags(p: CommandParser): string[] {
  const out = [p.flag()];
  while (p.maybeSp()) out.push(p.flag());
  return out;
}
