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
 */
import type { ResponseEncoder } from "../../wire/encoder.ts";
import { type CommandParser, decodeUtf8, ParseError } from "../../wire/parser.ts";
import { atSequenceSet, parseSequenceSet, type SequenceSet } from "../sequence_set.ts";
import { no } from "../errors.ts";
import { parseModSeq } from "../mod_sequence.ts";
import type { ResponseCode } from "../response.ts";

export type DateOp = "before" | "on" | "since";

/** A search as the client wrote it; several keys in a row are an "and". */
export type SearchProgram =
  | { type: "all" }
  /** Message sequence numbers, "*" unresolved. */
  | { type: "seq"; set: SequenceSet }
  /** UIDs, "*" unresolved. */
  | { type: "uid"; set: SequenceSet }
  /** A system flag ("\\Seen") or keyword, present or absent. */
  | { type: "flag"; flag: string; present: boolean }
  | { type: "recent"; present: boolean }
  | { type: "new" }
  | { type: "old" }
  | { type: "internalDate"; op: DateOp; date: string /* YYYY-MM-DD */ }
  | { type: "sentDate"; op: DateOp; date: string /* YYYY-MM-DD */ }
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

export interface SearchArgs {
  /** The CHARSET the client named, as sent, or null when it named none. */
  charset: string | null;
  key: SearchProgram;
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
  let charset: string | null = null;
  const start = p.pos;
  if (!atSequenceSet(p) && p.peek() !== 0x28 && readWord(p).toUpperCase() === "CHARSET") {
    if (!p.maybeSp()) throw new ParseError("CHARSET needs a charset name");
    charset = p.astring();
    p.sp();
  } else {
    p.pos = start;
  }
  return { charset, key: parseSearchKeys(p, charset) };
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
    if (atSequenceSet(p)) return { type: "seq", set: parseSequenceSet(p) };
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
        return { type: "uid", set: this.#arg(name, () => parseSequenceSet(p)) };
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
