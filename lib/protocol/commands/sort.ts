/**
 * SORT (RFC 5256 §3) into typed arguments.
 *
 * sort            = ["UID" SP] "SORT" SP sort-criteria SP search-criteria
 * sort-criteria   = "(" sort-criterion *(SP sort-criterion) ")"
 * sort-criterion  = ["REVERSE" SP] sort-key
 * sort-key        = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" / "SUBJECT" / "TO"
 * search-criteria = charset 1*(SP search-key)
 * charset         = atom / quoted
 */
import { type CommandParser, ParseError } from "../../wire/parser.ts";
import { parseSearchKeys, type SearchProgram } from "./search.ts";

export type SortKey = "arrival" | "cc" | "date" | "from" | "size" | "subject" | "to";

export interface SortCriterion {
  key: SortKey;
  reverse: boolean;
}

export interface SortArgs {
  criteria: SortCriterion[];
  charset: string;
  key: SearchProgram;
}

const SORT_KEYS = new Set<string>(["ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO"]);

export function parseSort(p: CommandParser): SortArgs {
  p.sp();
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
  return { criteria, charset, key: parseSearchKeys(p, charset) };
}
