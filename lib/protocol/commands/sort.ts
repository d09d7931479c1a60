/**
 * SORT (RFC 5256 §3) into typed arguments.
 *
 * sort            = ["UID" SP] "SORT" SP sort-criteria SP search-criteria
 * sort-criteria   = "(" sort-criterion *(SP sort-criterion) ")"
 * sort-criterion  = ["REVERSE" SP] sort-key
 * sort-key        = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" / "SUBJECT" / "TO"
 * search-criteria = charset 1*(SP search-key)
 * charset         = atom / quoted
 *
 * Extensions: RETURN options before the criteria (ESORT, RFC 5267 §3:
 * sort =/ ["UID" SP] "SORT" search-return-opts SP sort-criteria SP search-criteria),
 * answered with ESEARCH; DISPLAYFROM and DISPLAYTO (SORT=DISPLAY, RFC 5957 §4:
 * sort-key =/ "DISPLAYFROM" / "DISPLAYTO").
 */
import { type CommandParser, ParseError } from "../../wire/parser.ts";
import { ImapError } from "../errors.ts";
import {
  parseReturnOptions,
  parseSearchKeys,
  type SearchProgram,
  type SearchReturn,
} from "./search.ts";

export type SortKey =
  | "arrival"
  | "cc"
  | "date"
  | "from"
  | "size"
  | "subject"
  | "to"
  | "displayfrom"
  | "displayto";

export interface SortCriterion {
  key: SortKey;
  reverse: boolean;
}

export interface SortArgs {
  criteria: SortCriterion[];
  charset: string;
  key: SearchProgram;
  /** ESORT's RETURN options (RFC 5267 §3.1), or null for a plain SORT (answered with "* SORT"). */
  ret: SearchReturn | null;
  /** With SAVE only: a NO found while parsing, thrown by the handler after "$" is emptied. */
  failure?: ImapError;
}

const SORT_KEYS = new Set<string>([
  "ARRIVAL",
  "CC",
  "DATE",
  "FROM",
  "SIZE",
  "SUBJECT",
  "TO",
  "DISPLAYFROM",
  "DISPLAYTO",
]);

export function parseSort(p: CommandParser): SortArgs {
  p.sp();
  let ret: SearchReturn | null = null;
  if (atReturn(p)) {
    p.pos += 6;
    p.sp();
    ret = parseReturnOptions(p);
    p.sp();
  }
  if (p.peek() !== 0x28) throw new ParseError("SORT needs a parenthesised list of sort criteria");
  const criteria = p.list(() => {
    let word = p.atom().toUpperCase();
    let reverse = false;
    if (word === "REVERSE") {
      if (!p.maybeSp()) throw new ParseError("REVERSE needs a sort key after it");
      reverse = true;
      word = p.atom().toUpperCase();
    }
    if (!SORT_KEYS.has(word)) throw new ParseError(`Unknown sort key "${word}"`);
    return { key: word.toLowerCase() as SortKey, reverse };
  }, false);
  p.sp();
  // charset = atom / quoted; a literal is accepted too (leniency).
  const charset = p.astring();
  p.sp();
  try {
    return { criteria, charset, key: parseSearchKeys(p, charset), ret };
  } catch (err) {
    // With SAVE, a NO must reach the handler, which empties "$" (RFC 5182 §2.1).
    if (!ret?.save || !(err instanceof ImapError) || err.status !== "NO") throw err;
    return { criteria, charset, key: { type: "all" }, ret, failure: err };
  }
}

/** Whether the word "RETURN" (any case) comes next, followed by SP. */
function atReturn(p: CommandParser): boolean {
  const b = p.bytes;
  const i = p.pos;
  if (i + 6 >= b.length || b[i + 6] !== 0x20) return false;
  return String.fromCharCode(...b.subarray(i, i + 6)).toUpperCase() === "RETURN";
}
