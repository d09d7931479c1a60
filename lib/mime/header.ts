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
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const chosen = parseHeaderFields(header).filter((f) =>
    wanted.has(f.name.toLowerCase()) !== exclude
  );
  let size = 2;
  for (const f of chosen) size += f.end - f.start + (header[f.end - 1] === LF ? 0 : 2);
  const out = new Uint8Array(size);
  let o = 0;
  for (const f of chosen) {
    out.set(header.subarray(f.start, f.end), o);
    o += f.end - f.start;
    if (header[f.end - 1] !== LF) {
      out[o++] = CR;
      out[o++] = LF;
    }
  }
  out[o++] = CR;
  out[o++] = LF;
  return out;
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
