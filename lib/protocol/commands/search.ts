/**
 * SEARCH (RFC 3501 §6.4.4) into a typed search program. The program still
 * speaks the client's terms (sequence sets, NEW/OLD); the server resolves it
 * against the session's view into the store's `SearchKey`.
 *
 * search          = "SEARCH" [SP "CHARSET" SP astring] 1*(SP search-key)
 * search-key      = "ALL" / "ANSWERED" / "BCC" SP astring / "BEFORE" SP date /
 *                   "BODY" SP astring / "CC" SP astring / "DELETED" / "FLAGGED" /
 *                   "FROM" SP astring / "KEYWORD" SP flag-keyword / "NEW" / "OLD" /
 *                   "ON" SP date / "RECENT" / "SEEN" / "SINCE" SP date /
 *                   "SUBJECT" SP astring / "TEXT" SP astring / "TO" SP astring /
 *                   "UNANSWERED" / "UNDELETED" / "UNFLAGGED" / "UNKEYWORD" SP flag-keyword /
 *                   "UNSEEN" / "DRAFT" / "HEADER" SP header-fld-name SP astring /
 *                   "LARGER" SP number / "NOT" SP search-key /
 *                   "OR" SP search-key SP search-key / "SENTBEFORE" SP date /
 *                   "SENTON" SP date / "SENTSINCE" SP date / "SMALLER" SP number /
 *                   "UID" SP sequence-set / "UNDRAFT" / sequence-set /
 *                   "(" search-key *(SP search-key) ")"
 *
 * Extensions: RETURN options (RFC 4731 §3, RFC 5182 §3, RFC 9394 §4), "$"
 * as a sequence set (RFC 5182 §3), OLDER / YOUNGER (RFC 5032 §4),
 * SAVEDBEFORE / SAVEDON / SAVEDSINCE / SAVEDATESUPPORTED (RFC 8514 §4),
 * EMAILID / THREADID (RFC 8474 §6).
 *
 * search          = "SEARCH" [search-return-opts] SP search-program
 * search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
 * search-return-opt  = "MIN" / "MAX" / "ALL" / "COUNT" / "SAVE" / "PARTIAL" SP partial-range
 *                    / "CONTEXT" / "UPDATE"                    (RFC 5267 §5)
 */
import type { ResponseEncoder } from "../../wire/encoder.ts";
import { type CommandParser, decodeUtf8, ParseError } from "../../wire/parser.ts";
import { atSequenceSet, type MessageSet, parseMessageSet } from "../sequence_set.ts";
import { ImapError, no } from "../errors.ts";
import { parseModSeq } from "../mod_sequence.ts";
import { formatUidList, type ResponseCode } from "../response.ts";

export type DateOp = "before" | "on" | "since";

/** A search as the client wrote it; several keys in a row are an "and". */
export type SearchProgram =
  | { type: "all" }
  /** Message sequence numbers, "*" unresolved, or "$". */
  | { type: "seq"; set: MessageSet }
  /** UIDs, "*" unresolved, or "$". */
  | { type: "uid"; set: MessageSet }
  /** A system flag ("\\Seen") or keyword, present or absent. */
  | { type: "flag"; flag: string; present: boolean }
  | { type: "recent"; present: boolean }
  | { type: "new" }
  | { type: "old" }
  | { type: "internalDate"; op: DateOp; date: string /* YYYY-MM-DD */ }
  | { type: "sentDate"; op: DateOp; date: string /* YYYY-MM-DD */ }
  /** OLDER / YOUNGER n (RFC 5032 §3): the internal date against the time of the search. */
  | { type: "within"; op: "older" | "younger"; seconds: number }
  /** SAVEDBEFORE / SAVEDON / SAVEDSINCE (RFC 8514 §4.3). */
  | { type: "saveDate"; op: DateOp; date: string /* YYYY-MM-DD */ }
  /** SAVEDATESUPPORTED (RFC 8514 §4.3): every message when the mailbox keeps save dates. */
  | { type: "saveDateSupported" }
  /** EMAILID / THREADID objectid (RFC 8474 §6). */
  | { type: "emailId"; id: string }
  | { type: "threadId"; id: string }
  | { type: "size"; op: "larger" | "smaller"; bytes: number }
  /** FROM, TO, CC, BCC, SUBJECT and HEADER; an empty value matches any message with the field. */
  | { type: "header"; name: string; value: string }
  | { type: "body"; value: string }
  | { type: "text"; value: string }
  /** CONDSTORE (RFC 7162 §3.1.5): messages whose MODSEQ is at least `min`. */
  | { type: "modSeq"; min: number }
  | { type: "and"; keys: SearchProgram[] }
  | { type: "or"; left: SearchProgram; right: SearchProgram }
  | { type: "not"; key: SearchProgram };

/**
 * partial-range (RFC 9394 §4): 1-based positions in the result, `from <= to`;
 * `last` counts from the end (-1 is the last result).
 */
export interface PartialRange {
  from: number;
  to: number;
  last: boolean;
}

/** RETURN (...) of an extended SEARCH (RFC 4731 §3.1); `RETURN ()` is ALL. */
export interface SearchReturn {
  min: boolean;
  max: boolean;
  all: boolean;
  count: boolean;
  /** RFC 5182 §2.1: keep the result as "$". */
  save: boolean;
  partial: PartialRange | null;
  /** RFC 5267 §4.2: CONTEXT, a hint the server may ignore (it does). */
  context: boolean;
  /** RFC 5267 §4.3: UPDATE, ADDTO and REMOVEFROM as the result changes. */
  update: boolean;
}

export interface SearchArgs {
  /** The CHARSET the client named, as sent, or null when it named none. */
  charset: string | null;
  key: SearchProgram;
  /** The RETURN options, or null for a plain SEARCH (answered with "* SEARCH"). */
  ret: SearchReturn | null;
  /**
   * With SAVE only: a NO found while parsing (an unknown CHARSET), thrown by
   * the handler, so a SEARCH RETURN (SAVE) that fails still empties "$"
   * (RFC 5182 §2.1). Without SAVE the parser throws it itself.
   */
  failure?: ImapError;
}

/** Charsets every server must know (RFC 3501 §6.4.4), for BADCHARSET. */
export const BADCHARSET: ResponseCode = { code: "BADCHARSET", charsets: ["UTF-8", "US-ASCII"] };

/** Nesting deeper than this (parentheses, NOT, OR) is refused: it guards the stack. */
export const MAX_SEARCH_DEPTH = 64;

/**
 * Parsing stops after this many keys, whatever max_search_keys says: a
 * 1 MB command of literal keys would otherwise keep the parser (and every
 * session on its thread) busy for seconds before the limit is checked.
 */
export const MAX_SEARCH_KEYS_PARSED = 10_000;

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ["\\Answered", true],
  DELETED: ["\\Deleted", true],
  DRAFT: ["\\Draft", true],
  FLAGGED: ["\\Flagged", true],
  SEEN: ["\\Seen", true],
  UNANSWERED: ["\\Answered", false],
  UNDELETED: ["\\Deleted", false],
  UNDRAFT: ["\\Draft", false],
  UNFLAGGED: ["\\Flagged", false],
  UNSEEN: ["\\Seen", false],
};

const HEADER_KEYS: Record<string, string> = {
  FROM: "From",
  TO: "To",
  CC: "Cc",
  BCC: "Bcc",
  SUBJECT: "Subject",
};

const DATE_KEYS: Record<string, ["internalDate" | "sentDate", DateOp]> = {
  BEFORE: ["internalDate", "before"],
  ON: ["internalDate", "on"],
  SINCE: ["internalDate", "since"],
  SENTBEFORE: ["sentDate", "before"],
  SENTON: ["sentDate", "on"],
  SENTSINCE: ["sentDate", "since"],
};

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

/** Decodes the bytes of a search string in the command's charset. */
export type StringDecoder = (bytes: Uint8Array) => string;

const latin1 = new TextDecoder("latin1");

/**
 * A decoder for a CHARSET name, or null when we cannot decode it. UTF-8
 * and US-ASCII (and no CHARSET at all) are read as UTF-8, falling back to
 * ISO-8859-1 for invalid bytes: US-ASCII is a subset, and clients that omit
 * CHARSET while sending 8-bit text nearly always mean UTF-8 (leniency; RFC
 * 3501 §6.4.4 makes US-ASCII the default). Other names go through
 * `TextDecoder`, which knows the WHATWG encodings.
 */
export function charsetDecoder(charset: string | null): StringDecoder | null {
  if (charset === null) return decodeUtf8;
  const label = charset.trim().toLowerCase();
  if (["utf-8", "utf8", "us-ascii", "ascii", "us_ascii"].includes(label)) return decodeUtf8;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    return null;
  }
  // The WHATWG "replacement" encoding (ISO-2022-KR, HZ...) decodes to U+FFFD only.
  if (decoder.encoding === "replacement") return null;
  return (bytes) => decoder.decode(bytes);
}

/** Parses the arguments of SEARCH / UID SEARCH (the parser stands after the command name). */
export function parseSearch(p: CommandParser): SearchArgs {
  p.sp();
  let ret: SearchReturn | null = null;
  let start = p.pos;
  if (!atSequenceSet(p) && p.peek() !== 0x28 && readWord(p).toUpperCase() === "RETURN") {
    p.sp();
    ret = parseReturnOptions(p);
    p.sp();
  } else {
    p.pos = start;
  }
  let charset: string | null = null;
  start = p.pos;
  if (!atSequenceSet(p) && p.peek() !== 0x28 && readWord(p).toUpperCase() === "CHARSET") {
    if (!p.maybeSp()) throw new ParseError("CHARSET needs a charset name");
    charset = p.astring();
    p.sp();
  } else {
    p.pos = start;
  }
  try {
    return { charset, key: parseSearchKeys(p, charset), ret };
  } catch (err) {
    // With SAVE, a NO must reach the handler, which empties "$" (RFC 5182 §2.1).
    if (!ret?.save || !(err instanceof ImapError) || err.status !== "NO") throw err;
    return { charset, key: { type: "all" }, ret, failure: err };
  }
}

/**
 * "(" [search-return-opt *(SP search-return-opt)] ")" (RFC 4466 §2.6.1,
 * RFC 4731 §3.1). An unknown option is BAD; so are a second ALL or
 * PARTIAL and both together (RFC 9394 §3.1: "either one PARTIAL, one ALL,
 * or neither"). No option at all means ALL, and so do CONTEXT and UPDATE
 * alone (they return nothing of their own, RFC 5267 §4.1).
 */
export function parseReturnOptions(p: CommandParser): SearchReturn {
  const ret: SearchReturn = {
    min: false,
    max: false,
    all: false,
    count: false,
    save: false,
    partial: null,
    context: false,
    update: false,
  };
  p.expect("(");
  let any = false;
  while (!p.maybe(")")) {
    if (any) p.sp();
    any = true;
    const word = readWord(p);
    switch (word.toUpperCase()) {
      case "MIN":
        ret.min = true;
        break;
      case "MAX":
        ret.max = true;
        break;
      case "COUNT":
        ret.count = true;
        break;
      case "SAVE":
        ret.save = true;
        break;
      case "CONTEXT":
        ret.context = true;
        break;
      case "UPDATE":
        ret.update = true;
        break;
      case "ALL":
        if (ret.all || ret.partial) throw new ParseError("Only one ALL or PARTIAL may be given");
        ret.all = true;
        break;
      case "PARTIAL":
        if (ret.all || ret.partial) throw new ParseError("Only one ALL or PARTIAL may be given");
        if (!p.maybeSp()) throw new ParseError("PARTIAL needs a range");
        ret.partial = parsePartialRange(p);
        break;
      case "":
        throw new ParseError(
          p.done ? 'Missing ")" after RETURN options' : `Expected a RETURN option at "${near(p)}"`,
        );
      default:
        throw new ParseError(`Unknown RETURN option "${word}"`);
    }
  }
  if (!ret.min && !ret.max && !ret.count && !ret.save && !ret.partial) ret.all = true;
  return ret;
}

/**
 * partial-range-first = nz-number ":" nz-number
 * partial-range-last  = "-" nz-number ":" "-" nz-number (RFC 9394 §4);
 * no "*", both ends of one sign, "5:1" the same as "1:5".
 */
export function parsePartialRange(p: CommandParser): PartialRange {
  const text = p.takeWhile(
    (b) => (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x3a,
    "a partial range",
  );
  const m = /^(-?)([1-9]\d{0,9}):(-?)([1-9]\d{0,9})$/.exec(text);
  if (!m || m[1] !== m[3]) throw new ParseError(`Invalid partial range "${text}"`);
  const a = Number(m[2]);
  const b = Number(m[4]);
  if (a > 0xffffffff || b > 0xffffffff) throw new ParseError(`Invalid partial range "${text}"`);
  return { from: Math.min(a, b), to: Math.max(a, b), last: m[1] === "-" };
}

/**
 * The positions `range` selects among `length` results, as [start, end)
 * indexes (empty when the range lies past the results; RFC 9394 §3.1).
 */
export function partialSlice(range: PartialRange, length: number): [number, number] {
  if (range.last) {
    const start = Math.max(length - range.to, 0);
    const end = Math.max(length - range.from + 1, 0);
    return [start, end];
  }
  return [Math.min(range.from - 1, length), Math.min(range.to, length)];
}

/**
 * Reads `search-key *(SP search-key)` to the end of the command, strings in
 * `charset`. Throws `ParseError` (BAD) for syntax, then, with the syntax
 * known good, NO [BADCHARSET] for a charset we cannot decode. Shared by
 * SORT and THREAD, whose `search-criteria` is `charset 1*(SP search-key)`.
 */
export function parseSearchKeys(p: CommandParser, charset: string | null): SearchProgram {
  const decoder = charsetDecoder(charset);
  const reader = new KeyReader(p, decoder ?? ((b) => latin1.decode(b)));
  const keys = [reader.key(0)];
  while (p.maybeSp()) keys.push(reader.key(0));
  p.end();
  if (decoder === null) throw no(`Charset "${charset}" is not supported`, BADCHARSET);
  return keys.length === 1 ? keys[0] : { type: "and", keys };
}

/** Reads search keys; one instance per command. */
class KeyReader {
  readonly #p: CommandParser;
  readonly #decode: StringDecoder;
  #count = 0;

  constructor(p: CommandParser, decode: StringDecoder) {
    this.#p = p;
    this.#decode = decode;
  }

  key(depth: number): SearchProgram {
    const p = this.#p;
    if (depth > MAX_SEARCH_DEPTH) throw new ParseError("Search keys are nested too deeply");
    if (++this.#count > MAX_SEARCH_KEYS_PARSED) {
      throw no(`Too many search keys (more than ${MAX_SEARCH_KEYS_PARSED})`, "LIMIT");
    }
    if (atSequenceSet(p)) return { type: "seq", set: parseMessageSet(p) };
    if (p.maybe("(")) {
      const keys = [this.key(depth + 1)];
      while (!p.maybe(")")) {
        if (p.done) throw new ParseError('Missing ")" after search keys');
        p.sp();
        keys.push(this.key(depth + 1));
      }
      return keys.length === 1 ? keys[0] : { type: "and", keys };
    }
    if (p.done) throw new ParseError("Missing search key");
    const word = readWord(p);
    if (word === "") throw new ParseError(`Expected a search key at "${near(p)}"`);
    const name = word.toUpperCase();
    const flag = FLAG_KEYS[name];
    if (flag) return { type: "flag", flag: flag[0], present: flag[1] };
    const header = HEADER_KEYS[name];
    if (header) {
      return {
        type: "header",
        name: header,
        value: this.#arg(name, () => this.#string()),
      };
    }
    const dateKey = DATE_KEYS[name];
    if (dateKey) {
      const date = this.#arg(name, () => this.#date());
      return { type: dateKey[0], op: dateKey[1], date };
    }
    switch (name) {
      case "ALL":
        return { type: "all" };
      case "NEW":
        return { type: "new" };
      case "OLD":
        return { type: "old" };
      case "RECENT":
        return { type: "recent", present: true };
      case "BODY":
        return { type: "body", value: this.#arg(name, () => this.#string()) };
      case "TEXT":
        return { type: "text", value: this.#arg(name, () => this.#string()) };
      case "HEADER": {
        const field = this.#arg(name, () => p.astring());
        const value = this.#arg(name, () => this.#string());
        return { type: "header", name: field, value };
      }
      case "KEYWORD":
      case "UNKEYWORD":
        // flag-keyword = atom: system flags ("\Seen") are not keywords.
        return {
          type: "flag",
          flag: this.#arg(name, () => p.atom()),
          present: name === "KEYWORD",
        };
      case "LARGER":
      case "SMALLER":
        return {
          type: "size",
          op: name === "LARGER" ? "larger" : "smaller",
          bytes: this.#arg(name, () => p.number()),
        };
      case "UID":
        return { type: "uid", set: this.#arg(name, () => parseMessageSet(p)) };
      case "OLDER":
      case "YOUNGER":
        // search-key =/ ( "OLDER" / "YOUNGER" ) SP nz-number (RFC 5032 §4)
        return {
          type: "within",
          op: name === "OLDER" ? "older" : "younger",
          seconds: this.#arg(name, () => p.nzNumber()),
        };
      case "SAVEDBEFORE":
      case "SAVEDON":
      case "SAVEDSINCE": {
        // RFC 8514 §4.3: the save date, disregarding time and time zone (as BEFORE/ON/SINCE).
        const date = this.#arg(name, () => this.#date());
        const op = name === "SAVEDBEFORE" ? "before" : name === "SAVEDON" ? "on" : "since";
        return { type: "saveDate", op, date };
      }
      case "SAVEDATESUPPORTED":
        return { type: "saveDateSupported" };
      case "EMAILID":
      case "THREADID":
        // search-key =/ "EMAILID" SP objectid / "THREADID" SP objectid (RFC 8474 §7)
        return {
          type: name === "EMAILID" ? "emailId" : "threadId",
          id: this.#arg(name, () => objectId(p)),
        };
      case "NOT":
        this.#sp(name);
        return { type: "not", key: this.key(depth + 1) };
      case "OR": {
        this.#sp(name);
        const left = this.key(depth + 1);
        this.#sp(name);
        return { type: "or", left, right: this.key(depth + 1) };
      }
      case "MODSEQ":
        return { type: "modSeq", min: this.#arg(name, () => this.#modSeqArgs()) };
      default:
        throw new ParseError(`Unknown search key "${word}"`);
    }
  }

  /**
   * RFC 7162 §3.1.5, §7: search-modsequence = "MODSEQ" [search-modseq-ext] SP
   * mod-sequence-valzer, search-modseq-ext = SP entry-name SP entry-type-req,
   * entry-name = DQUOTE "/flags/" attr-flag DQUOTE, entry-type-req = "priv" /
   * "shared" / "all". We keep one MODSEQ per message, so the entry is
   * checked and then ignored, as the RFC tells servers without per-flag
   * MODSEQs to do.
   */
  #modSeqArgs(): number {
    const p = this.#p;
    if (p.peek() === 0x22 /* " */) {
      const entry = p.string();
      if (!/^\/flags\/\\?[^\s()\\"%*{\]]+$/i.test(entry)) {
        throw new ParseError(`Invalid entry name ${JSON.stringify(entry).slice(0, 60)}`);
      }
      p.sp();
      const type = p.atom().toLowerCase();
      if (type !== "priv" && type !== "shared" && type !== "all") {
        throw new ParseError(`Invalid entry type "${type}"`);
      }
      p.sp();
    }
    return parseModSeq(p, true);
  }

  /** Reads SP and one argument of key `name`, naming the key in any error. */
  #arg<T>(name: string, read: () => T): T {
    this.#sp(name);
    try {
      return read();
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      throw new ParseError(`Invalid argument to search key ${name}: ${err.message}`);
    }
  }

  /** The SP before an argument of key `name`, and an argument after it. */
  #sp(name: string): void {
    const p = this.#p;
    if (!p.maybeSp() || p.done) throw new ParseError(`Missing argument to search key ${name}`);
  }

  /** astring, its bytes decoded in the command's charset. */
  #string(): string {
    const p = this.#p;
    const b = p.peek();
    if (b === 0x22 || b === 0x7b || (b === 0x7e && p.bytes[p.pos + 1] === 0x7b)) {
      const bytes = p.stringBytes();
      // CHAR8 and QUOTED-CHAR exclude NUL (RFC 3501 §9).
      if (bytes.includes(0)) throw new ParseError("NUL is not allowed in strings");
      return this.#decode(bytes);
    }
    const start = p.pos;
    while (p.pos < p.bytes.length && isAstringChar(p.bytes[p.pos])) p.pos++;
    if (p.pos === start) throw new ParseError(`Expected a string at "${near(p)}"`);
    return this.#decode(p.bytes.subarray(start, p.pos));
  }

  /** date = date-text / DQUOTE date-text DQUOTE; date-text = date-day "-" date-month "-" date-year */
  #date(): string {
    const p = this.#p;
    const text = p.peek() === 0x22 ? p.string() : readWord(p);
    const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
    const month = m ? MONTHS.indexOf(m[2].toUpperCase()) : -1;
    if (!m || month < 0) throw new ParseError(`Invalid date "${text}"`);
    const day = Number(m[1]);
    const check = new Date(Date.UTC(Number(m[3]), month, day));
    if (day < 1 || check.getUTCDate() !== day || check.getUTCMonth() !== month) {
      throw new ParseError(`Invalid date "${text}"`);
    }
    return `${m[3]}-${String(month + 1).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  }
}

/** objectid = 1*255(ALPHA / DIGIT / "_" / "-") (RFC 8474 §7). */
function objectId(p: CommandParser): string {
  const id = p.takeWhile(
    (b) =>
      (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
      b === 0x5f || b === 0x2d,
    "an object id",
  );
  if (id.length > 255) throw new ParseError("An object id has at most 255 characters");
  return id;
}

/** ATOM-CHAR (with 8-bit bytes, as the wire parser accepts them) / resp-specials "]". */
function isAstringChar(b: number): boolean {
  if (b <= 0x20 || b === 0x7f) return false;
  // atom-specials: ( ) { SP CTL % * " \ ; "]" is resp-specials and allowed in astring.
  return b !== 0x28 && b !== 0x29 && b !== 0x7b && b !== 0x25 && b !== 0x2a && b !== 0x22 &&
    b !== 0x5c;
}

/** A run of ATOM-CHARs (possibly empty), for key names and unquoted dates. */
function readWord(p: CommandParser): string {
  const start = p.pos;
  while (p.pos < p.bytes.length && isAstringChar(p.bytes[p.pos]) && p.bytes[p.pos] !== 0x5d) {
    p.pos++;
  }
  return latin1.decode(p.bytes.subarray(start, p.pos));
}

function near(p: CommandParser): string {
  return p.rest().slice(0, 20).replace(/[\r\n]/g, " ");
}

/** Starts "* SEARCH" or "* SORT" (RFC 3501 §7.2.5, RFC 5256 §4): numbers follow, then CRLF. */
export function writeNumbersStart(enc: ResponseEncoder, name: "SEARCH" | "SORT"): void {
  enc.untagged().atom(name);
}

/** SP nz-number for numbers[from, to): a long answer is written in pieces, flushed between. */
export function writeNumbersPart(
  enc: ResponseEncoder,
  numbers: readonly number[],
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) enc.sp().number(numbers[i]);
}

/** What one ESEARCH response carries (RFC 4731 §3.1); absent items are left out. */
export interface EsearchData {
  /** The tag of the command this answers (search-correlator). */
  tag: string;
  /** Whether the numbers are UIDs (UID SEARCH). */
  uid: boolean;
  min?: number;
  max?: number;
  /** Ascending numbers, written as a compact sequence set; left out when empty. */
  all?: readonly number[];
  /** RFC 9394 §3.1: the range asked for and the ascending numbers in it (NIL when none). */
  partial?: { range: PartialRange; numbers: readonly number[] };
  count?: number;
  /** RFC 7162 §3.1.5: the highest MODSEQ of the matches, when the program used MODSEQ. */
  modSeq?: number;
  /** RFC 5267 §4.3.4: (context position, numbers in the requested order) pairs, in order. */
  removeFrom?: readonly ContextUpdate[];
  /** RFC 5267 §4.3.3: (context position, numbers in the requested order) pairs, in order. */
  addTo?: readonly ContextUpdate[];
}

/** One context-position SP sequence-set pair of ADDTO or REMOVEFROM; position 0 for SEARCH. */
export interface ContextUpdate {
  position: number;
  numbers: readonly number[];
}

/**
 * esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
 * search-correlator = SP "(" "TAG" SP tag-string ")"   (RFC 4731 §3.1, RFC 9394 §4)
 */
export function writeEsearch(enc: ResponseEncoder, data: EsearchData): void {
  enc.untagged().atom("ESEARCH (TAG ").string(data.tag).atom(")");
  if (data.uid) enc.atom(" UID");
  if (data.min !== undefined) enc.atom(" MIN ").number(data.min);
  if (data.max !== undefined) enc.atom(" MAX ").number(data.max);
  if (data.all && data.all.length > 0) enc.atom(" ALL ").atom(formatUidList(data.all));
  if (data.partial) {
    const { range, numbers } = data.partial;
    const sign = range.last ? "-" : "";
    enc.atom(` PARTIAL (${sign}${range.from}:${sign}${range.to} `);
    if (numbers.length === 0) enc.nil();
    else enc.atom(formatUidList(numbers));
    enc.atom(")");
  }
  if (data.count !== undefined) enc.atom(" COUNT ").number(data.count);
  // search-return-data =/ "MODSEQ" SP mod-sequence-value (RFC 7162 §7)
  if (data.modSeq !== undefined) enc.atom(" MODSEQ ").number(data.modSeq);
  // ret-data-removefrom / ret-data-addto = name SP "(" context-position SP sequence-set
  //   *(SP context-position SP sequence-set) ")"   (RFC 5267 §5)
  for (const [name, pairs] of [["REMOVEFROM", data.removeFrom], ["ADDTO", data.addTo]] as const) {
    if (!pairs || pairs.length === 0) continue;
    enc.atom(` ${name} (`);
    pairs.forEach((pair, i) => {
      if (i > 0) enc.sp();
      enc.number(pair.position).sp().atom(formatUidList(pair.numbers));
    });
    enc.atom(")");
  }
  enc.crlf();
}

/**
 * search-sort-mod-seq = "(" "MODSEQ" SP mod-sequence-value ")" (RFC 7162
 * §3.1.6, §7): ends a SEARCH or SORT response that used MODSEQ.
 */
export function writeModSeqTrailer(enc: ResponseEncoder, modSeq: number): void {
  enc.atom(" (MODSEQ ").number(modSeq).atom(")");
}

/** Whether the program has a MODSEQ key (RFC 7162 §3.1.5: a CONDSTORE enabling command). */
export function usesModSeq(program: SearchProgram): boolean {
  const stack: SearchProgram[] = [program];
  while (stack.length > 0) {
    const k = stack.pop()!;
    if (k.type === "modSeq") return true;
    if (k.type === "and") stack.push(...k.keys);
    else if (k.type === "or") stack.push(k.left, k.right);
    else if (k.type === "not") stack.push(k.key);
  }
  return false;
}

/** What a search asks of the store: its number of keys and the octets of its strings. */
export function searchSize(program: SearchProgram): { keys: number; octets: number } {
  let keys = 0;
  let octets = 0;
  const stack: SearchProgram[] = [program];
  while (stack.length > 0) {
    const k = stack.pop()!;
    keys++;
    switch (k.type) {
      case "and":
        stack.push(...k.keys);
        break;
      case "or":
        stack.push(k.left, k.right);
        break;
      case "not":
        stack.push(k.key);
        break;
      case "header":
        octets += utf8Length(k.name) + utf8Length(k.value);
        break;
      case "body":
      case "text":
        octets += utf8Length(k.value);
        break;
    }
  }
  return { keys, octets };
}

/**
 * Refuses a search over the configured limits with NO [LIMIT] (RFC 5530:
 * the server will not do it, whatever the state), before the store works
 * on it: one SEARCH of 50,000 keys kept a store busy for seconds.
 */
export function checkSearchLimits(
  program: SearchProgram,
  limits: { maxKeys: number; maxOctets: number },
): void {
  const { keys, octets } = searchSize(program);
  if (keys > limits.maxKeys) {
    throw no(`Too many search keys (${keys}; at most ${limits.maxKeys})`, "LIMIT");
  }
  if (octets > limits.maxOctets) {
    throw no(`Search strings too long (${octets} octets; at most ${limits.maxOctets})`, "LIMIT");
  }
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
  }
  return n;
}
