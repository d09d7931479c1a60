/**
 * Header blocks (RFC 5322 §2.2): splitting into fields with byte offsets,
 * unfolding, and the helpers FETCH `BODY[HEADER.FIELDS (...)]` and SEARCH
 * HEADER need.
 */
import { CR, decodeHeaderBytes, HT, latin1, LF, SP } from "./_bytes.ts";
import { decodeEncodedWords } from "./encoded_words.ts";

/** One header field as it lies in the raw bytes. */
export interface HeaderField {
  /** Field name as sent, without surrounding whitespace (RFC 5322 §4.5.3 allows WSP before ":"). */
  name: string;
  /** Byte offset of the field's first byte. */
  start: number;
  /** Byte offset just past the colon; `end` for a line without a colon. */
  valueStart: number;
  /** Byte offset just past the field's last line end (its folded lines included). */
  end: number;
}

/**
 * Splits the header block `[start, end)` into fields. Parsing stops at the
 * first empty line. A line that starts with WSP continues the field before
 * it (RFC 5322 §2.2.3); a continuation line before any field and a line
 * without a colon become fields of their own (named by the line), so that
 * `HEADER.FIELDS.NOT` still returns them and nothing is lost.
 */
export function parseHeaderFields(bytes: Uint8Array, start = 0, end = bytes.length): HeaderField[] {
  const fields: HeaderField[] = [];
  // One decode of the block; names are ASCII, so latin1 offsets are byte offsets.
  const text = latin1(bytes.subarray(start, end));
  let pos = start;
  let current: HeaderField | null = null;
  while (pos < end) {
    const lf = bytes.indexOf(LF, pos);
    const lineEnd = lf < 0 || lf >= end ? end : lf + 1;
    const first = bytes[pos];
    if (first === LF || (first === CR && pos + 1 < end && bytes[pos + 1] === LF)) break;
    if ((first === SP || first === HT) && current) {
      current.end = lineEnd;
    } else {
      let colon = pos;
      while (colon < lineEnd && bytes[colon] !== 0x3a) colon++;
      const nameEnd = colon < lineEnd ? colon : lineEnd;
      current = {
        name: text.slice(pos - start, nameEnd - start).trim(),
        start: pos,
        valueStart: colon < lineEnd ? colon + 1 : lineEnd,
        end: lineEnd,
      };
      fields.push(current);
    }
    pos = lineEnd;
  }
  return fields;
}

/** The unfolded value of a field (line ends removed, RFC 5322 §2.2.3), trimmed, encoded words kept. */
export function fieldValue(bytes: Uint8Array, field: HeaderField): string {
  return unfold(decodeHeaderBytes(bytes.subarray(field.valueStart, field.end)));
}

/** Removes line ends (RFC 5322 §2.2.3 unfolding) and surrounding whitespace. */
export function unfold(raw: string): string {
  return (raw.includes("\n") || raw.includes("\r") ? raw.replace(/[\r\n]/g, "") : raw).trim();
}

/**
 * The raw bytes of the fields of `header` whose names are in `names`
 * (case-insensitive), or with `exclude` of those whose names are not, each
 * with its original folding, followed by the empty line: the data of FETCH
 * `BODY[HEADER.FIELDS (...)]` and `BODY[HEADER.FIELDS.NOT (...)]`
 * (RFC 3501 §6.4.5). A last field without a line end gets a CRLF.
 */
export function headerFields(
  header: Uint8Array,
  names: readonly string[],
  exclude = false,
): Uint8Array {
  // Fields are chosen by the same rules as parseHeaderFields() gives them,
  // compared as bytes: an ASCII name can only equal a field name of the same
  // ASCII bytes (lower-casing keeps 8-bit characters 8-bit). A name with
  // other characters goes the way of strings.
  const ascii = asciiNames(names);
  const ranges = ascii
    ? fieldRanges(header, ascii, exclude)
    : stringRanges(header, new Set(names.map((n) => n.toLowerCase())), exclude);
  let size = 2;
  for (let i = 0; i < ranges.length; i += 2) {
    size += ranges[i + 1] - ranges[i] + (header[ranges[i + 1] - 1] === LF ? 0 : 2);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const start = ranges[i];
    const end = ranges[i + 1];
    out.set(header.subarray(start, end), o);
    o += end - start;
    if (header[end - 1] !== LF) {
      out[o++] = CR;
      out[o++] = LF;
    }
  }
  out[o++] = CR;
  out[o++] = LF;
  return out;
}

/** The chosen fields' [start, end) pairs, by parseHeaderFields() and string names. */
function stringRanges(header: Uint8Array, wanted: Set<string>, exclude: boolean): number[] {
  const out: number[] = [];
  for (const f of parseHeaderFields(header)) {
    if (wanted.has(f.name.toLowerCase()) !== exclude) out.push(f.start, f.end);
  }
  return out;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * The names lower-cased as ASCII bytes, or null when one is not ASCII; kept
 * per names array, which one FETCH command passes for each of its messages.
 */
const asciiNameCache = new WeakMap<readonly string[], Uint8Array[] | null>();

function asciiNames(names: readonly string[]): Uint8Array[] | null {
  let bytes = asciiNameCache.get(names);
  if (bytes === undefined) {
    const lower = names.map((n) => n.toLowerCase());
    bytes = lower.every(isAscii) ? lower.map(asciiBytes) : null;
    asciiNameCache.set(names, bytes);
  }
  return bytes;
}

function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** What String.prototype.trim() removes, among ISO-8859-1 characters. */
function trimmed(b: number): boolean {
  return (b >= 0x09 && b <= 0x0d) || b === SP || b === 0xa0;
}

/**
 * parseHeaderFields() without strings: the [start, end) pairs of the fields
 * whose name (trimmed as there) is one of `names` (lower-case ASCII bytes),
 * or with `exclude` is none of them.
 */
function fieldRanges(header: Uint8Array, names: Uint8Array[], exclude: boolean): number[] {
  const out: number[] = [];
  const end = header.length;
  let pos = 0;
  let open = false;
  let chosen = false;
  while (pos < end) {
    const lf = header.indexOf(LF, pos);
    const lineEnd = lf < 0 ? end : lf + 1;
    const first = header[pos];
    if (first === LF || (first === CR && pos + 1 < end && header[pos + 1] === LF)) break;
    if ((first === SP || first === HT) && open) {
      if (chosen) out[out.length - 1] = lineEnd;
    } else {
      let colon = pos;
      while (colon < lineEnd && header[colon] !== 0x3a) colon++;
      let a = pos;
      let b = colon;
      while (a < b && trimmed(header[a])) a++;
      while (b > a && trimmed(header[b - 1])) b--;
      chosen = nameIn(header, a, b, names) !== exclude;
      if (chosen) out.push(pos, lineEnd);
      open = true;
    }
    pos = lineEnd;
  }
  return out;
}

function nameIn(header: Uint8Array, a: number, b: number, names: Uint8Array[]): boolean {
  outer: for (const name of names) {
    if (name.length !== b - a) continue;
    for (let i = 0; i < name.length; i++) {
      let c = header[a + i];
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      if (c !== name[i]) continue outer;
    }
    return true;
  }
  return false;
}

/**
 * Every value of the field `name` (case-insensitive) in `header`, unfolded,
 * trimmed and with RFC 2047 encoded words decoded: what SEARCH HEADER,
 * FROM, SUBJECT... compare against (RFC 3501 §6.4.4).
 */
export function headerValues(header: Uint8Array, name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (const f of parseHeaderFields(header)) {
    if (f.name.toLowerCase() === lower) values.push(decodeEncodedWords(fieldValue(header, f)));
  }
  return values;
}

/** The whole header block as decoded text, one unfolded field per line (for SEARCH TEXT). */
export function headerText(header: Uint8Array, start = 0, end = header.length): string {
  const lines: string[] = [];
  for (const f of parseHeaderFields(header, start, end)) {
    const value = decodeEncodedWords(fieldValue(header, f));
    lines.push(f.valueStart === f.end && value === "" ? f.name : `${f.name}: ${value}`);
  }
  return lines.join("\n");
}
