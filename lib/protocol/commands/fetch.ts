/**
 * FETCH and UID FETCH arguments (RFC 3501 §6.4.5, §9):
 *
 *   fetch     = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" /
 *               fetch-att / "(" fetch-att *(SP fetch-att) ")")
 *   fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" /
 *               "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] /
 *               "BODY" ["STRUCTURE"] / "UID" /
 *               "BODY" section ["<" number "." nz-number ">"] /
 *               "BODY.PEEK" section ["<" number "." nz-number ">"]
 *   fetch-att =/ "BINARY" [".PEEK"] section-binary [partial] /
 *               "BINARY.SIZE" section-binary                   (RFC 3516 §5)
 *   fetch-att =/ "PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"]
 *   preview-mod = "LAZY"                                       (RFC 8970 §6)
 *
 * The same parser serves UID FETCH: the set is then read as UIDs by the
 * handler.
 */
import { type CommandParser, ParseError } from "../../wire/parser.ts";
import { type MessageSet, parseMessageSet } from "../sequence_set.ts";
import { parsePartialRange, type PartialRange } from "./search.ts";
import { parseModSeq } from "../mod_sequence.ts";

/**
 * section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
 * section-text    = section-msgtext / "MIME"
 */
export type SectionText = "HEADER" | "HEADER.FIELDS" | "HEADER.FIELDS.NOT" | "TEXT" | "MIME";

/** section = "[" [section-spec] "]"; `[]` is `{ part: [], text: null }`. */
export interface Section {
  /** section-part: part numbers, outermost first; empty for the whole message. */
  part: number[];
  text: SectionText | null;
  /** header-list of HEADER.FIELDS(.NOT), the names as the client sent them. */
  fields: string[];
}

/** "<" number "." nz-number ">" */
export interface Partial {
  origin: number;
  count: number;
}

/** One fetch-att; MODSEQ is CONDSTORE's (RFC 7162 §3.1.4.2). */
export type FetchItem =
  | { kind: "flags" }
  | { kind: "modSeq" }
  | { kind: "internalDate" }
  | { kind: "rfc822Size" }
  | { kind: "envelope" }
  /** BODY: the body structure without extension data. */
  | { kind: "body" }
  | { kind: "bodyStructure" }
  | { kind: "uid" }
  /** SAVEDATE (RFC 8514 §4.2). */
  | { kind: "saveDate" }
  /** EMAILID and THREADID (RFC 8474 §5.3). */
  | { kind: "emailId" }
  | { kind: "threadId" }
  /** PREVIEW (RFC 8970 §3); `lazy`: the LAZY modifier (§3.2), NIL rather than work. */
  | { kind: "preview"; lazy: boolean }
  /** RFC822: BODY[] with the \Seen side effect, named "RFC822" in the response. */
  | { kind: "rfc822" }
  /** RFC822.HEADER: BODY.PEEK[HEADER], named "RFC822.HEADER". */
  | { kind: "rfc822Header" }
  /** RFC822.TEXT: BODY[TEXT], named "RFC822.TEXT". */
  | { kind: "rfc822Text" }
  | { kind: "section"; peek: boolean; section: Section; partial: Partial | null }
  /**
   * BINARY[part]<partial> and BINARY.PEEK (RFC 3516 §4.2.1, §4.2.2): the part
   * with its Content-Transfer-Encoding undone; `part` empty for the whole message.
   */
  | { kind: "binary"; peek: boolean; part: number[]; partial: Partial | null }
  /** BINARY.SIZE[part] (RFC 3516 §4.2.3): the size BINARY[part] would have. */
  | { kind: "binarySize"; part: number[] };

export interface FetchArgs {
  set: MessageSet;
  /** Attributes in the order requested; macros expanded. */
  items: FetchItem[];
  /**
   * The PARTIAL fetch modifier (RFC 9394 §3.3): only the messages at these
   * positions among those the set names, in UID order. UID FETCH only.
   */
  partial?: PartialRange;
  /** CHANGEDSINCE (RFC 7162 §3.1.4.1): only messages with a greater MODSEQ. */
  changedSince?: number;
  /** VANISHED (RFC 7162 §3.2.6): UID FETCH with CHANGEDSINCE only, checked by the handler. */
  vanished?: boolean;
}

const SIMPLE: Record<string, FetchItem> = {
  FLAGS: { kind: "flags" },
  INTERNALDATE: { kind: "internalDate" },
  "RFC822.SIZE": { kind: "rfc822Size" },
  ENVELOPE: { kind: "envelope" },
  BODY: { kind: "body" },
  BODYSTRUCTURE: { kind: "bodyStructure" },
  UID: { kind: "uid" },
  MODSEQ: { kind: "modSeq" },
  RFC822: { kind: "rfc822" },
  "RFC822.HEADER": { kind: "rfc822Header" },
  "RFC822.TEXT": { kind: "rfc822Text" },
  SAVEDATE: { kind: "saveDate" },
  EMAILID: { kind: "emailId" },
  THREADID: { kind: "threadId" },
};

/** RFC 3501 §6.4.5: the macros, valid only on their own (not inside a list). */
const MACROS: Record<string, FetchItem[]> = {
  ALL: [SIMPLE.FLAGS, SIMPLE.INTERNALDATE, SIMPLE["RFC822.SIZE"], SIMPLE.ENVELOPE],
  FAST: [SIMPLE.FLAGS, SIMPLE.INTERNALDATE, SIMPLE["RFC822.SIZE"]],
  FULL: [SIMPLE.FLAGS, SIMPLE.INTERNALDATE, SIMPLE["RFC822.SIZE"], SIMPLE.ENVELOPE, SIMPLE.BODY],
};

/** Letters, digits and "." : the characters of a fetch-att name and of section keywords. */
function isNameChar(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
    b === 0x2e;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

export function parseFetch(p: CommandParser): FetchArgs {
  p.sp();
  const set = parseMessageSet(p);
  p.sp();
  const items: FetchItem[] = [];
  if (p.maybe("(")) {
    for (;;) {
      items.push(parseFetchItem(p));
      if (p.maybe(")")) break;
      if (p.done) throw new ParseError('Expected ")" at the end of the fetch items');
      p.sp();
    }
  } else {
    const start = p.pos;
    const name = p.takeWhile(isNameChar, "a fetch item").toUpperCase();
    const macro = MACROS[name];
    if (macro) items.push(...macro);
    else {
      p.pos = start;
      items.push(parseFetchItem(p));
    }
  }
  const args: FetchArgs = { set, items };
  const at = p.pos;
  if (p.maybeSp()) {
    if (p.peek() === 0x28 /* ( */) parseFetchModifiers(p, args);
    else p.pos = at; // not a modifier list: end() names the text that follows
  }
  p.end();
  return args;
}

/**
 * fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")" (RFC 4466 §2.4)
 * fetch-modifier  =/ chgsince-fetch-mod / rexpunges-fetch-mod (RFC 7162 §7)
 * chgsince-fetch-mod  = "CHANGEDSINCE" SP mod-sequence-valzer
 * rexpunges-fetch-mod = "VANISHED"
 * modifier-partial    = "PARTIAL" SP partial-range (RFC 9394 §4)
 */
function parseFetchModifiers(p: CommandParser, args: FetchArgs): void {
  p.list(() => {
    const name = p.atom().toUpperCase();
    if (name === "CHANGEDSINCE" && args.changedSince === undefined) {
      p.sp();
      args.changedSince = parseModSeq(p, true);
    } else if (name === "VANISHED" && !args.vanished) {
      args.vanished = true;
    } else if (name === "PARTIAL" && !args.partial) {
      if (!p.maybeSp()) throw new ParseError("PARTIAL needs a range");
      args.partial = parsePartialRange(p);
    } else if (name === "CHANGEDSINCE" || name === "VANISHED" || name === "PARTIAL") {
      throw new ParseError(`FETCH modifier ${name} given twice`);
    } else {
      throw new ParseError(`Unknown FETCH modifier ${name}`);
    }
  }, false);
}

/** Reads one fetch-att; the error names the item at fault. */
export function parseFetchItem(p: CommandParser): FetchItem {
  const start = p.pos;
  try {
    return readFetchItem(p);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    throw new ParseError(`Invalid fetch item "${itemText(p, start)}": ${err.message}`);
  }
}

function readFetchItem(p: CommandParser): FetchItem {
  const raw = p.takeWhile(isNameChar, "a fetch item");
  const name = raw.toUpperCase();
  if (name === "BODY" || name === "BODY.PEEK") {
    if (p.peek() === 0x5b /* [ */) {
      const section = parseSection(p);
      const partial = parsePartial(p);
      return { kind: "section", peek: name === "BODY.PEEK", section, partial };
    }
    if (name === "BODY.PEEK") throw new ParseError('Expected "[" after BODY.PEEK');
  }
  if (name === "BINARY" || name === "BINARY.PEEK" || name === "BINARY.SIZE") {
    if (p.peek() !== 0x5b /* [ */) throw new ParseError(`Expected "[" after ${name}`);
    const part = parseSectionBinary(p);
    if (name === "BINARY.SIZE") return { kind: "binarySize", part };
    return { kind: "binary", peek: name === "BINARY.PEEK", part, partial: parsePartial(p) };
  }
  if (name === "PREVIEW") return { kind: "preview", lazy: parsePreviewMods(p) };
  const item = SIMPLE[name];
  if (!item) {
    if (MACROS[name]) throw new ParseError(`Macro ${name} may only stand alone`);
    throw new ParseError("Unknown item");
  }
  return item;
}

/**
 * [SP "(" preview-mod *(SP preview-mod) ")"] after PREVIEW (RFC 8970 §6):
 * whether LAZY was given. A list whose first word is not a preview-mod is
 * not PREVIEW's (after a lone fetch-att it is the FETCH modifiers, RFC 4466
 * §2.4), so the parser steps back and leaves it to the caller.
 */
function parsePreviewMods(p: CommandParser): boolean {
  const at = p.pos;
  if (!p.maybeSp() || !p.maybe("(")) {
    p.pos = at;
    return false;
  }
  const first = p.peek() === 0x29 /* ) */ ? "" : p.takeWhile(isNameChar, "a modifier");
  if (first.toUpperCase() !== "LAZY") {
    p.pos = at;
    return false;
  }
  while (p.maybeSp()) {
    const mod = p.takeWhile(isNameChar, "a PREVIEW modifier").toUpperCase();
    if (mod !== "LAZY") throw new ParseError(`Unknown PREVIEW modifier ${mod}`);
  }
  p.expect(")");
  return true;
}

/**
 * section-spec = section-msgtext / (section-part ["." section-text])
 * section-part = nz-number *("." nz-number)
 */
export function parseSection(p: CommandParser): Section {
  p.expect("[");
  const section: Section = { part: [], text: null, fields: [] };
  if (p.maybe("]")) return section;
  while (isDigit(p.peek())) {
    const n = p.number();
    if (n === 0) throw new ParseError("Part numbers start at 1");
    section.part.push(n);
    if (!p.maybe(".")) break;
    if (!isDigit(p.peek())) {
      section.text = sectionText(p, true);
      break;
    }
  }
  if (section.part.length === 0) section.text = sectionText(p, false);
  if (section.text === "HEADER.FIELDS" || section.text === "HEADER.FIELDS.NOT") {
    p.sp();
    // header-list = "(" header-fld-name *(SP header-fld-name) ")"; header-fld-name = astring
    section.fields = p.list(() => headerFieldName(p), false);
  }
  p.expect("]");
  return section;
}

function sectionText(p: CommandParser, afterPart: boolean): SectionText {
  const word = p.takeWhile(isNameChar, "a section").toUpperCase();
  switch (word) {
    case "HEADER":
    case "HEADER.FIELDS":
    case "HEADER.FIELDS.NOT":
    case "TEXT":
      return word;
    case "MIME":
      if (afterPart) return word;
      throw new ParseError("MIME needs a part number");
  }
  throw new ParseError(`Unknown section "${word}"`);
}

/**
 * section-binary = "[" [section-part] "]" (RFC 3516 §5): part numbers only;
 * HEADER, TEXT and MIME have no transfer encoding to undo.
 */
function parseSectionBinary(p: CommandParser): number[] {
  p.expect("[");
  const part: number[] = [];
  if (p.maybe("]")) return part;
  for (;;) {
    if (!isDigit(p.peek())) throw new ParseError("BINARY takes part numbers only");
    const n = p.number();
    if (n === 0) throw new ParseError("Part numbers start at 1");
    part.push(n);
    if (p.maybe("]")) return part;
    p.expect(".");
  }
}

/** ["<" number "." nz-number ">"] */
function parsePartial(p: CommandParser): Partial | null {
  if (!p.maybe("<")) return null;
  const origin = p.number();
  p.expect(".");
  const count = p.number();
  if (count === 0) throw new ParseError("A partial fetch needs a count above zero");
  p.expect(">");
  return { origin, count };
}

/** The item as written, for error messages: up to its end, or 40 characters. */
function itemText(p: CommandParser, start: number): string {
  const bytes = p.bytes;
  let depth = 0;
  let end = start;
  for (; end < bytes.length && end - start < 40; end++) {
    const b = bytes[end];
    if (b === 0x5b) depth++;
    else if (b === 0x5d) depth--;
    else if (depth <= 0 && (b === 0x20 || b === 0x29)) break;
  }
  return new TextDecoder().decode(bytes.subarray(start, end)).replace(/[\r\n]/g, " ");
}

/**
 * Whether fetching `items` sets \Seen (RFC 3501 §6.4.5: BODY[...] but not
 * BODY.PEEK, RFC822, RFC822.TEXT; RFC 3516 §4.2: BINARY but not BINARY.PEEK
 * or BINARY.SIZE).
 */
export function setsSeen(items: readonly FetchItem[]): boolean {
  return items.some((i) =>
    i.kind === "rfc822" || i.kind === "rfc822Text" ||
    ((i.kind === "section" || i.kind === "binary") && !i.peek)
  );
}

/**
 * header-fld-name = astring, naming a header field: field-name = 1*ftext,
 * ftext = %d33-57 / %d59-126 (RFC 5322 §2.2, §3.6.8). A name with CR, LF,
 * a space or a colon can match no field; it is refused rather than echoed.
 */
function headerFieldName(p: CommandParser): string {
  const name = p.astring();
  if (name.length === 0) throw new ParseError("Empty header field name");
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126 || c === 58) {
      throw new ParseError(`Invalid header field name ${JSON.stringify(name).slice(0, 60)}`);
    }
  }
  return name;
}
