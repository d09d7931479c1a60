/**
 * The message parser: one pass over the raw bytes at APPEND gives the
 * ENVELOPE, the BODYSTRUCTURE and the byte offsets of every part, so FETCH
 * never parses a body again. Pure: no I/O.
 */
import {
  countLines,
  CR,
  decodeHeaderBytes,
  findHeaderEnd,
  HT,
  HYPHEN,
  latin1,
  LF,
  SP,
  utf8Bytes,
} from "./_bytes.ts";
import { parseAddressList } from "./address.ts";
import { type HeaderField, parseHeaderFields, unfold } from "./header.ts";
import {
  paramValue,
  parseContentType,
  parseDisposition,
  parseEncoding,
  parseLanguage,
} from "./params.ts";
import type {
  BodyMultipart,
  BodyParams,
  BodyPartBase,
  BodySinglePart,
  BodyStructure,
  Envelope,
  ParsedMessage,
} from "./types.ts";

/**
 * Nesting deeper than this (multiparts and message/rfc822 together) is not
 * parsed further: the part is reported as a leaf. Guards the stack against
 * hostile messages; real mail rarely nests beyond 10. Dovecot's default.
 */
export const MAX_DEPTH = 100;

/**
 * Parts in one message beyond this are not split out: the last part
 * allowed runs to the end of its multipart, and a multipart met after the
 * budget is spent is a leaf. Bounds the cached BODYSTRUCTURE of a hostile
 * message ("--b" repeated a million times). Dovecot's default.
 */
export const MAX_PARTS = 10_000;

/** What one parse may still spend. */
interface Budget {
  parts: number;
}

/** The header fields of one entity, first occurrence of each name. */
class EntityHeader {
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly bodyStart: number;
  readonly #first = new Map<string, HeaderField>();
  /** The header block as latin1 text, made on the first ASCII value asked for. */
  #text: string | undefined;

  constructor(bytes: Uint8Array, start: number, end: number) {
    this.bytes = bytes;
    this.start = start;
    this.bodyStart = findHeaderEnd(bytes, start, end);
    for (const field of parseHeaderFields(bytes, start, this.bodyStart)) {
      const key = field.name.toLowerCase();
      if (!this.#first.has(key)) this.#first.set(key, field);
    }
  }

  /** The unfolded, trimmed value of the first field named `name` (lower case), or null. */
  get(name: string): string | null {
    const field = this.#first.get(name);
    if (!field) return null;
    const { bytes } = this;
    for (let i = field.valueStart; i < field.end; i++) {
      if (bytes[i] >= 0x80) {
        return unfold(decodeHeaderBytes(bytes.subarray(field.valueStart, field.end)));
      }
    }
    this.#text ??= latin1(bytes.subarray(this.start, this.bodyStart));
    return unfold(this.#text.slice(field.valueStart - this.start, field.end - this.start));
  }
}

function envelopeOf(header: EntityHeader): Envelope {
  const addresses = (name: string) => {
    const value = header.get(name);
    return value === null ? null : parseAddressList(value);
  };
  const from = addresses("from");
  return {
    date: header.get("date"),
    subject: header.get("subject"),
    from,
    // RFC 3501 §7.4.2: absent or empty Sender and Reply-To take the value of From.
    sender: addresses("sender") ?? from,
    replyTo: addresses("reply-to") ?? from,
    to: addresses("to"),
    cc: addresses("cc"),
    bcc: addresses("bcc"),
    inReplyTo: header.get("in-reply-to"),
    messageId: header.get("message-id"),
  };
}

/**
 * Parts of a multipart body `[start, end)` delimited by `boundary`
 * (RFC 2046 §5.1.1): a delimiter is "--" boundary at the start of a line,
 * "--" after it for the close delimiter, then optional whitespace and the
 * line end. The line end before a delimiter belongs to the delimiter, not
 * to the part. Preamble and epilogue are skipped. Leniency: a missing close
 * delimiter ends the last part at the end of the body.
 */
function splitMultipart(
  bytes: Uint8Array,
  start: number,
  end: number,
  boundary: Uint8Array,
  limit: number,
): [number, number][] {
  const parts: [number, number][] = [];
  const blen = boundary.length;
  let partStart = -1;
  let pos = start;
  search: while (pos < end) {
    const i = bytes.indexOf(HYPHEN, pos);
    if (i < 0 || i + 2 + blen > end) break;
    // Delimiters start lines: on any mismatch, resume at the next line.
    const lf = bytes.indexOf(LF, i);
    pos = lf < 0 ? end : lf + 1;
    if (bytes[i + 1] !== HYPHEN || (i > start && bytes[i - 1] !== LF)) continue;
    for (let k = 0; k < blen; k++) {
      if (bytes[i + 2 + k] !== boundary[k]) continue search;
    }
    let j = i + 2 + blen;
    let close = false;
    if (j + 1 < end && bytes[j] === HYPHEN && bytes[j + 1] === HYPHEN) {
      close = true;
      j += 2;
    }
    // RFC 2046 §5.1.1: transport padding (LWSP) may follow the boundary.
    while (j < end && (bytes[j] === SP || bytes[j] === HT)) j++;
    let lineEnd: number;
    if (j >= end) lineEnd = end;
    else if (bytes[j] === LF) lineEnd = j + 1;
    else if (bytes[j] === CR && (j + 1 === end || bytes[j + 1] === LF)) {
      lineEnd = Math.min(j + 2, end);
    } else if (close) lineEnd = j; // "--b--garbage": still the end
    else continue;
    let delimiterStart = i;
    if (i > start && bytes[i - 1] === LF) {
      delimiterStart = i - 1;
      if (delimiterStart > start && bytes[delimiterStart - 1] === CR) delimiterStart--;
    }
    if (partStart >= 0) parts.push([partStart, Math.max(partStart, delimiterStart)]);
    if (close) return parts;
    partStart = lineEnd;
    pos = lineEnd;
    if (parts.length + 1 >= limit) break; // the last part allowed takes the rest
  }
  if (partStart >= 0) parts.push([partStart, end]);
  return parts;
}

/** The boundary as bytes; most are ASCII, which skips a `TextEncoder` call. */
function boundaryBytes(boundary: string): Uint8Array {
  const out = new Uint8Array(boundary.length);
  for (let i = 0; i < boundary.length; i++) {
    const c = boundary.charCodeAt(i);
    if (c >= 0x80) return utf8Bytes(boundary);
    out[i] = c;
  }
  return out;
}

function baseOf(header: EntityHeader, end: number): BodyPartBase {
  const disposition = header.get("content-disposition");
  const language = header.get("content-language");
  return {
    headerStart: header.start,
    bodyStart: header.bodyStart,
    bodyEnd: end,
    md5: header.get("content-md5"),
    disposition: disposition === null ? null : parseDisposition(disposition),
    language: language === null ? null : parseLanguage(language),
    location: header.get("content-location"),
  };
}

const US_ASCII: BodyParams = [["charset", "us-ascii"]];

function parseEntity(
  bytes: Uint8Array,
  header: EntityHeader,
  end: number,
  defaultType: "text" | "message",
  depth: number,
  budget: Budget,
): BodyStructure {
  const base = baseOf(header, end);
  const rawType = header.get("content-type");
  // RFC 2045 §5.2: no (or an unreadable) Content-Type means text/plain; charset=us-ascii,
  // and RFC 2046 §5.1.5 makes message/rfc822 the default inside multipart/digest.
  let ct = rawType === null ? null : parseContentType(rawType);
  ct ??= defaultType === "message"
    ? { type: "message", subtype: "rfc822", params: [] }
    : { type: "text", subtype: "plain", params: US_ASCII.map(([k, v]) => [k, v]) };

  if (ct.type === "multipart" && depth < MAX_DEPTH && budget.parts > 0) {
    // A boundary ends with no space (RFC 2046 §5.1.1 bcharsnospace): trailing blanks are dropped.
    const boundary = paramValue(ct.params, "boundary")?.replace(/[ \t]+$/, "") ?? "";
    if (boundary !== "") {
      const childDefault = ct.subtype === "digest" ? "message" : "text";
      const ranges = splitMultipart(
        bytes,
        header.bodyStart,
        end,
        boundaryBytes(boundary),
        budget.parts,
      );
      budget.parts -= ranges.length;
      const parts = ranges.map(([s, e]) =>
        parseEntity(bytes, new EntityHeader(bytes, s, e), e, childDefault, depth + 1, budget)
      );
      // IMAP needs at least one part (RFC 3501 §9 body-type-mpart): a multipart without
      // any delimiter gets one empty text/plain part at its end, as Dovecot reports it.
      if (parts.length === 0) parts.push(emptyPart(end));
      const multipart: BodyMultipart = {
        ...base,
        kind: "multipart",
        subtype: ct.subtype,
        params: ct.params,
        parts,
      };
      return multipart;
    }
    // Without a boundary the body cannot be split: report it as text/plain.
    ct = { type: "text", subtype: "plain", params: US_ASCII.map(([k, v]) => [k, v]) };
  }

  // Dovecot's BODYSTRUCTURE gives a text part without charset the RFC 2045 §5.2 default.
  if (
    ct.type === "text" &&
    !ct.params.some(([k]) => k.toLowerCase() === "charset" || k.toLowerCase() === "charset*")
  ) {
    ct = { ...ct, params: [...ct.params, ["charset", "us-ascii"]] };
  }
  const encoding = parseEncoding(header.get("content-transfer-encoding"));
  const isMessage = ct.type === "message" && ct.subtype === "rfc822";
  const single: BodySinglePart = {
    ...base,
    kind: "single",
    type: ct.type === "multipart" ? "text" : ct.type,
    subtype: ct.type === "multipart" ? "plain" : ct.subtype,
    params: ct.params,
    id: header.get("content-id"),
    description: header.get("content-description"),
    encoding,
    size: end - header.bodyStart,
    lines: ct.type === "text" || isMessage ? countLines(bytes, header.bodyStart, end) : null,
  };
  // A message/rfc822 body must be 7bit, 8bit or binary (RFC 2046 §5.2.1); an encoded
  // one cannot be parsed in place and stays a leaf.
  if (isMessage && depth < MAX_DEPTH && ["7BIT", "8BIT", "BINARY"].includes(encoding)) {
    const inner = new EntityHeader(bytes, header.bodyStart, end);
    return {
      ...single,
      kind: "message",
      envelope: envelopeOf(inner),
      body: parseEntity(bytes, inner, end, "text", depth + 1, budget),
    };
  }
  return single;
}

function emptyPart(at: number): BodySinglePart {
  return {
    kind: "single",
    headerStart: at,
    bodyStart: at,
    bodyEnd: at,
    md5: null,
    disposition: null,
    language: null,
    location: null,
    type: "text",
    subtype: "plain",
    params: US_ASCII.map(([k, v]) => [k, v]),
    id: null,
    description: null,
    encoding: "7BIT",
    size: 0,
    lines: 0,
  };
}

/**
 * Parses a whole message. Never throws: malformed input gives the most
 * sensible structure it can (see the leniencies beside each step). Lines
 * may end in CRLF or bare LF; offsets and sizes count the bytes as given
 * (see `toCrlf()`).
 *
 * Two deliberate differences from Dovecot: Content-* fields count without
 * a MIME-Version field (RFC 2045 §4 requires it, but mail without it that
 * declares a multipart is still meant as one), and a delimiter line must be
 * the boundary followed only by "--" and whitespace (RFC 2046 §5.1.1 also
 * allows a mere prefix match, which would cut nested parts whose boundary
 * extends the outer one, since parts are split level by level here).
 */
export function parseMessage(bytes: Uint8Array): ParsedMessage {
  const header = new EntityHeader(bytes, 0, bytes.length);
  return {
    headerSize: header.bodyStart,
    envelope: envelopeOf(header),
    body: parseEntity(bytes, header, bytes.length, "text", 0, { parts: MAX_PARTS }),
  };
}

/**
 * The part at `path` in RFC 3501 §6.4.5 numbering, or null when there is
 * none. `[]` is the whole message body. Part 1 of a message that is not
 * multipart is its body; the parts of a message/rfc822 are numbered inside
 * the embedded message (so `[2, 1]` of a message/rfc822 part 2 whose
 * message is not multipart is that message's body). Path numbers start
 * at 1.
 *
 * Slicing contract for the protocol: `part.headerStart..part.bodyStart` is
 * `BODY[path.MIME]`, `part.bodyStart..part.bodyEnd` is `BODY[path]`; for a
 * message/rfc822 part, `part.body.headerStart..part.body.bodyStart` is
 * `BODY[path.HEADER]` and `part.body.bodyStart..part.body.bodyEnd` is
 * `BODY[path.TEXT]`.
 */
export function findPart(body: BodyStructure, path: readonly number[]): BodyStructure | null {
  let current = body;
  // True while `current` is the body of a message (top level or embedded).
  let messageBody = true;
  for (const n of path) {
    if (!Number.isInteger(n) || n < 1) return null;
    if (current.kind === "message" && !messageBody) {
      current = current.body;
      messageBody = true;
    }
    if (current.kind === "multipart") {
      const next = current.parts[n - 1];
      if (!next) return null;
      current = next;
      messageBody = false;
    } else if (messageBody && n === 1) {
      messageBody = false;
    } else {
      return null;
    }
  }
  return current;
}
