/**
 * Rendering of FETCH response data (RFC 3501 §7.4.2, grammar in §9):
 * ENVELOPE, BODYSTRUCTURE and BODY from the structures cached at APPEND,
 * section data sliced from the raw message by the part offsets (§6.4.5),
 * INTERNALDATE, and which stored fields a set of fetch items needs.
 *
 * Pure: the message comes in as a plain record (the store's MessageRecord
 * fits it), the bytes go out through the ResponseEncoder.
 */
import { formatDateTime } from "./date_time.ts";
import { ResponseEncoder } from "../wire/encoder.ts";
import {
  decodeTransferEncoding,
  downgradeEnvelope,
  findPart,
  headerFields,
  sectionRange,
  threadObjectId,
} from "../mime/mod.ts";
import type {
  BodyDisposition,
  BodyParams,
  BodySinglePart,
  BodyStructure,
  Envelope,
  EnvelopeAddress,
} from "../mime/types.ts";
import type { FetchItem, Section } from "./commands/fetch.ts";

/** What a message brings to rendering: only the fields asked for are present. */
export interface FetchedMessage {
  uid: number;
  flags?: readonly string[];
  /** RFC 7162 §3.1.4.2 */
  modSeq?: number;
  internalDate?: Date;
  size?: number;
  envelope?: Envelope;
  bodyStructure?: BodyStructure;
  /** The top-level header block, blank line included. */
  header?: Uint8Array;
  /** The whole message. */
  content?: Uint8Array;
  /** RFC 8514: null when unknown (NIL). */
  saveDate?: Date | null;
  emailId?: string;
  /** RFC 8970: null (NIL) when asked LAZY and not computed yet. */
  preview?: string | null;
  /** `content` (and so any part of it) is known to hold no NUL octet: no scan for one. */
  nulFree?: boolean;
  /** ENVELOPE as stored at APPEND (wireForms), in this session's form: written as it is. */
  envelopeWire?: Uint8Array;
  /** BODYSTRUCTURE likewise. */
  bodyStructureWire?: Uint8Array;
}

/** The stored fields `items` need (the shape of the store's MessageFields). */
export interface NeededFields {
  flags?: boolean;
  modSeq?: boolean;
  internalDate?: boolean;
  size?: boolean;
  envelope?: boolean;
  bodyStructure?: boolean;
  header?: boolean;
  content?: boolean;
  saveDate?: boolean;
  emailId?: boolean;
  /** true: compute a missing preview; "lazy": NIL for it (RFC 8970 §3.2). */
  preview?: boolean | "lazy";
}

/**
 * The least the store must load for `items`: the header block alone when
 * only top-level header sections are asked for, the whole message (and the
 * body structure, for its offsets) when a body section is.
 */
export function neededFields(items: readonly FetchItem[]): NeededFields {
  const need: NeededFields = {};
  for (const item of items) {
    switch (item.kind) {
      case "flags":
        need.flags = true;
        break;
      case "modSeq":
        need.modSeq = true;
        break;
      case "internalDate":
        need.internalDate = true;
        break;
      case "rfc822Size":
        need.size = true;
        break;
      case "envelope":
        need.envelope = true;
        break;
      case "body":
      case "bodyStructure":
        need.bodyStructure = true;
        break;
      case "uid":
        break;
      case "threadId":
        // RFC 8474 §5.2: derived from the header (lib/mime/thread_id.ts).
        need.header = true;
        break;
      case "saveDate":
        need.saveDate = true;
        break;
      case "emailId":
        need.emailId = true;
        break;
      case "preview":
        // PREVIEW and PREVIEW (LAZY) together: the one without LAZY decides.
        need.preview = item.lazy && need.preview !== true ? "lazy" : true;
        break;
      case "rfc822":
        need.content = true;
        break;
      case "rfc822Header":
        need.header = true;
        break;
      case "rfc822Text":
        need.content = true;
        need.bodyStructure = true;
        break;
      case "section": {
        const { part, text } = item.section;
        if (part.length === 0 && text !== null && text !== "TEXT") {
          need.header = true;
        } else {
          need.content = true;
          if (part.length > 0 || text === "TEXT") need.bodyStructure = true;
        }
        break;
      }
      case "binary":
      case "binarySize":
        need.content = true;
        if (item.part.length > 0) need.bodyStructure = true;
        break;
    }
  }
  return need;
}

/** A key naming a response item: items with the same key are answered once. */
export function responseName(item: FetchItem): string {
  switch (item.kind) {
    case "flags":
      return "FLAGS";
    case "modSeq":
      return "MODSEQ";
    case "internalDate":
      return "INTERNALDATE";
    case "rfc822Size":
      return "RFC822.SIZE";
    case "envelope":
      return "ENVELOPE";
    case "body":
      return "BODY";
    case "bodyStructure":
      return "BODYSTRUCTURE";
    case "uid":
      return "UID";
    case "saveDate":
      return "SAVEDATE";
    case "emailId":
      return "EMAILID";
    case "threadId":
      return "THREADID";
    case "preview":
      return "PREVIEW";
    case "rfc822":
      return "RFC822";
    case "rfc822Header":
      return "RFC822.HEADER";
    case "rfc822Text":
      return "RFC822.TEXT";
    case "section":
      // Told apart by position in the request: the same section twice is one item.
      return `BODY[${item.section.part.join(".")} ${item.section.text} ${
        item.section.fields.join("\n")
      }]` + (item.partial ? `<${item.partial.origin}>` : "");
    case "binary":
      // RFC 3516 §4.2.2: BINARY.PEEK is answered as BINARY.
      return `BINARY[${item.part.join(".")}]` + (item.partial ? `<${item.partial.origin}>` : "");
    case "binarySize":
      return `BINARY.SIZE[${item.part.join(".")}]`;
  }
}

/**
 * section-spec as the response echoes it (RFC 3501 §7.4.2): keywords
 * upper-cased, the header-list names as the client sent them (RFC 3501
 * gives no rule to change them, and clients match the response to their
 * request), each written as an astring by the encoder.
 */
export function writeSectionSpec(enc: ResponseEncoder, section: Section): void {
  let out = section.part.join(".");
  if (section.text !== null) {
    if (out !== "") out += ".";
    out += section.text;
  }
  enc.atom(out);
  if (section.text === "HEADER.FIELDS" || section.text === "HEADER.FIELDS.NOT") {
    enc.atom(" (");
    section.fields.forEach((f, i) => {
      if (i > 0) enc.sp();
      enc.astring(f);
    });
    enc.atom(")");
  }
}

/** msg-att name as it goes on the wire: "RFC822.TEXT", "BODY[1.HEADER.FIELDS (From)]<0>" ... */
export function writeResponseName(enc: ResponseEncoder, item: FetchItem): void {
  if (item.kind === "binary" || item.kind === "binarySize") {
    // Part numbers and "<origin>" only: atoms, as responseName spells them.
    enc.atom(responseName(item));
    return;
  }
  if (item.kind !== "section") {
    enc.atom(responseName(item));
    return;
  }
  // The same bytes for each message of the command: written once per item
  // (and UTF-8 mode, which quoting depends on), then copied.
  let names = sectionNames.get(item);
  if (!names) sectionNames.set(item, names = []);
  const mode = enc.utf8 ? 1 : 0;
  let name = names[mode];
  if (!name) {
    const scratch = new ResponseEncoder();
    scratch.utf8 = enc.utf8;
    writeSectionName(scratch, item);
    name = names[mode] = scratch.takeBytes();
  }
  enc.raw(name);
}

/**
 * Section names as bytes, per FETCH item, in ASCII and in UTF-8 mode:
 * building "BODY[HEADER.FIELDS (From To ...)]" anew (the join, an astring
 * check per field name) for each message cost about 1 µs a message.
 */
const sectionNames = new WeakMap<FetchItem, (Uint8Array | undefined)[]>();

function writeSectionName(
  enc: ResponseEncoder,
  item: Extract<FetchItem, { kind: "section" }>,
): void {
  // RFC 3501 §7.4.2: BODY.PEEK is answered as BODY, and a partial fetch
  // names only its origin ("BODY[]<0>").
  enc.atom("BODY[");
  writeSectionSpec(enc, item.section);
  enc.atom("]");
  if (item.partial) enc.atom("<").number(item.partial.origin).atom(">");
}

const EMPTY = new Uint8Array(0);

/**
 * The data of a section (RFC 3501 §6.4.5), before any partial range, sliced
 * by `sectionRange()` from the cached offsets. A part that does not exist,
 * or HEADER/TEXT of a part that is not message/rfc822, gives an empty
 * string. Needs `content` (and `bodyStructure` unless the section is the
 * whole message) or, for top-level header sections, just `header`.
 */
export function sectionData(msg: FetchedMessage, section: Section): Uint8Array {
  const { part, text } = section;
  const fields = text === "HEADER.FIELDS" || text === "HEADER.FIELDS.NOT";
  let data: Uint8Array;
  if (part.length === 0 && (text === "HEADER" || fields) && msg.header) {
    data = msg.header;
  } else if (part.length === 0 && text === null) {
    data = required(msg.content, "content");
  } else {
    const content = required(msg.content, "content");
    const body = required(msg.bodyStructure, "bodyStructure");
    const range = sectionRange(body, part, fields ? "HEADER" : text);
    if (!range) return EMPTY;
    data = content.subarray(range[0], range[1]);
  }
  return fields ? headerFields(data, section.fields, text === "HEADER.FIELDS.NOT") : data;
}

/**
 * The data of BINARY[part] (RFC 3516 §4.2.1), before any partial range: the
 * part's body with its Content-Transfer-Encoding undone. `[]` is the whole
 * message, and a multipart or message/rfc822 part comes as it is (RFC 2045
 * §6.4 allows them only identity encodings, so there is nothing to undo).
 * A part that does not exist gives an empty string, as BODY does. Null when
 * the part's encoding is one we cannot decode: the command then fails with
 * NO [UNKNOWN-CTE] (RFC 3516 §4.3.1, §4.5.1).
 */
export function binaryData(msg: FetchedMessage, part: readonly number[]): Uint8Array | null {
  const content = required(msg.content, "content");
  if (part.length === 0) return content;
  const body = required(msg.bodyStructure, "bodyStructure");
  const node = findPart(body, part);
  if (!node) return EMPTY;
  const raw = content.subarray(node.bodyStart, node.bodyEnd);
  if (node.kind !== "single") return raw;
  return decodeTransferEncoding(raw, node.encoding);
}

/**
 * The first BINARY or BINARY.SIZE item among `items` whose part `msg` cannot
 * decode, as "BINARY[1.2]", or null when all can (or none is asked). Checked
 * before a message's FETCH response begins, so a failure never cuts one short;
 * only the encoding names are looked at, nothing is decoded here.
 */
export function undecodableBinary(msg: FetchedMessage, items: readonly FetchItem[]): string | null {
  for (const item of items) {
    if (item.kind !== "binary" && item.kind !== "binarySize") continue;
    if (item.part.length === 0) continue;
    const node = findPart(required(msg.bodyStructure, "bodyStructure"), item.part);
    if (node?.kind === "single" && decodeTransferEncoding(EMPTY, node.encoding) === null) {
      return `BINARY[${item.part.join(".")}]`;
    }
  }
  return null;
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`The message record lacks "${name}"`);
  return value;
}

/** Applies "<origin.count>": bytes past the end give an empty string (RFC 3501 §6.4.5). */
export function partialData(
  data: Uint8Array,
  partial: { origin: number; count: number } | null,
): Uint8Array {
  if (!partial) return data;
  if (partial.origin >= data.length) return EMPTY;
  return data.subarray(partial.origin, Math.min(data.length, partial.origin + partial.count));
}

/**
 * envelope = "(" env-date SP env-subject SP env-from SP env-sender SP
 *            env-reply-to SP env-to SP env-cc SP env-bcc SP
 *            env-in-reply-to SP env-message-id ")"
 *
 * A session without UTF8=ACCEPT gets it in ASCII (RFC 6855 §7; how, in
 * lib/mime/downgrade.ts): 8-bit subject and names as RFC 2047 encoded words.
 */
export function writeEnvelope(enc: ResponseEncoder, envelope: Envelope): void {
  const env = enc.utf8 ? envelope : downgradeEnvelope(envelope);
  enc.open().nstring(env.date).sp().nstring(env.subject).sp();
  writeAddresses(enc, env.from);
  enc.sp();
  writeAddresses(enc, env.sender);
  enc.sp();
  writeAddresses(enc, env.replyTo);
  enc.sp();
  writeAddresses(enc, env.to);
  enc.sp();
  writeAddresses(enc, env.cc);
  enc.sp();
  writeAddresses(enc, env.bcc);
  enc.sp().nstring(env.inReplyTo).sp().nstring(env.messageId).close();
}

/**
 * env-from = "(" 1*address ")" / nil (an empty list is NIL)
 * address  = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
 */
function writeAddresses(enc: ResponseEncoder, list: readonly EnvelopeAddress[] | null): void {
  if (!list || list.length === 0) {
    enc.nil();
    return;
  }
  enc.open();
  for (const a of list) {
    enc.open().nstring(a.name).sp().nstring(a.adl).sp().nstring(a.mailbox).sp().nstring(a.host)
      .close();
  }
  enc.close();
}

const EMPTY_ENVELOPE: Envelope = {
  date: null,
  subject: null,
  from: null,
  sender: null,
  replyTo: null,
  to: null,
  cc: null,
  bcc: null,
  inReplyTo: null,
  messageId: null,
};

/**
 * body = "(" (body-type-1part / body-type-mpart) ")". With `extensible`,
 * BODYSTRUCTURE: every part carries its extension data (body-ext-1part:
 * md5, dsp, lang, loc; body-ext-mpart: params, dsp, lang, loc); without,
 * BODY.
 */
export function writeBodyStructure(
  enc: ResponseEncoder,
  body: BodyStructure,
  extensible: boolean,
): void {
  enc.open();
  if (body.kind === "multipart") {
    // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]: no space between parts.
    for (const part of body.parts) writeBodyStructure(enc, part, extensible);
    enc.sp().string(body.subtype.toUpperCase());
    if (extensible) {
      enc.sp();
      writeParams(enc, body.params);
      enc.sp();
      writeExtensionTail(enc, body);
    }
    enc.close();
    return;
  }
  const isMessage = body.type === "message" && body.subtype === "rfc822";
  enc.string(body.type.toUpperCase()).sp().string(body.subtype.toUpperCase()).sp();
  writeBodyFields(enc, body);
  if (isMessage) {
    // body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines.
    // A message/rfc822 part whose encoding kept it from being parsed (RFC 2046
    // §5.2.1 allows only 7bit, 8bit, binary) still needs an envelope and a
    // body for the grammar: an empty envelope and an empty text/plain body.
    enc.sp();
    if (body.kind === "message") {
      writeEnvelope(enc, body.envelope);
      enc.sp();
      writeBodyStructure(enc, body.body, extensible);
    } else {
      writeEnvelope(enc, EMPTY_ENVELOPE);
      enc.sp().atom('("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0)');
    }
    enc.sp().number(body.lines ?? 0);
  } else if (body.type === "text") {
    // body-type-text = media-text SP body-fields SP body-fld-lines
    enc.sp().number(body.lines ?? 0);
  }
  if (extensible) {
    enc.sp().nstring(body.md5).sp();
    writeExtensionTail(enc, body);
  }
  enc.close();
}

/** body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets */
function writeBodyFields(enc: ResponseEncoder, part: Omit<BodySinglePart, "kind">): void {
  writeParams(enc, part.params);
  enc.sp().nstring(part.id).sp().nstring(part.description).sp().string(part.encoding).sp()
    .number(part.size);
}

/** body-fld-param = "(" string SP string *(SP string SP string) ")" / nil */
function writeParams(enc: ResponseEncoder, params: BodyParams): void {
  if (params.length === 0) {
    enc.nil();
    return;
  }
  enc.open();
  params.forEach(([name, value], i) => {
    if (i > 0) enc.sp();
    enc.string(name).sp().string(value);
  });
  enc.close();
}

/** body-fld-dsp SP body-fld-lang SP body-fld-loc */
function writeExtensionTail(
  enc: ResponseEncoder,
  part: {
    disposition: BodyDisposition | null;
    language: string[] | null;
    location: string | null;
  },
): void {
  // body-fld-dsp = "(" string SP body-fld-param ")" / nil
  if (part.disposition) {
    enc.open().string(part.disposition.type).sp();
    writeParams(enc, part.disposition.params);
    enc.close();
  } else {
    enc.nil();
  }
  enc.sp();
  // body-fld-lang = nstring / "(" string *(SP string) ")"
  const lang = part.language;
  if (!lang || lang.length === 0) enc.nil();
  else if (lang.length === 1) enc.string(lang[0]);
  else {
    enc.open();
    lang.forEach((l, i) => {
      if (i > 0) enc.sp();
      enc.string(l);
    });
    enc.close();
  }
  // body-fld-loc = nstring
  enc.sp().nstring(part.location);
}

/**
 * The version of what writeEnvelope() and writeBodyStructure() write (with
 * lib/mime/downgrade.ts for sessions without UTF8=ACCEPT). The store keeps
 * each message's ENVELOPE and BODYSTRUCTURE as written at APPEND
 * (wireForms) and uses them only while their version is this one: change
 * it whenever their output changes, so no message is answered with an old
 * rendering (tests/protocol/fetch_wire_test.ts holds the output of this
 * version).
 */
export const WIRE_VERSION = 1;

/**
 * ENVELOPE and BODYSTRUCTURE as a FETCH response writes them, computed once
 * when a message is stored: in the UTF-8 form (UTF8=ACCEPT, RFC 6855 §3)
 * and, only where it differs, the ASCII form every other session gets.
 * FETCH then copies these bytes instead of parsing the stored structures
 * and writing them again per message and per request.
 */
export interface WireForms {
  envelope: Uint8Array;
  bodyStructure: Uint8Array;
  /** Null: the same as `envelope`. */
  envelopeAscii: Uint8Array | null;
  /** Null: the same as `bodyStructure`. */
  bodyStructureAscii: Uint8Array | null;
}

export function wireForms(envelope: Envelope, body: BodyStructure): WireForms {
  const render = (utf8: boolean, write: (enc: ResponseEncoder) => void) => {
    const enc = new ResponseEncoder();
    enc.utf8 = utf8;
    write(enc);
    return enc.takeBytes();
  };
  const env = (enc: ResponseEncoder) => writeEnvelope(enc, envelope);
  const struct = (enc: ResponseEncoder) => writeBodyStructure(enc, body, true);
  const envelopeUtf8 = render(true, env);
  const structUtf8 = render(true, struct);
  // Text without DEL or 8-bit characters is written the same in both forms
  // (the downgrade and the quoting rule differ only for those).
  const envelopeAscii = beyondAscii(envelopeUtf8) ? render(false, env) : envelopeUtf8;
  const structAscii = beyondAscii(structUtf8) ? render(false, struct) : structUtf8;
  return {
    envelope: envelopeUtf8,
    bodyStructure: structUtf8,
    envelopeAscii: sameBytes(envelopeUtf8, envelopeAscii) ? null : envelopeAscii,
    bodyStructureAscii: sameBytes(structUtf8, structAscii) ? null : structAscii,
  };
}

function beyondAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x7f) return true;
  return false;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface FetchResponseOptions {
  /** Put UID first even when not asked for (UID FETCH, UID STORE). */
  uid?: boolean;
  /** Add FLAGS even when not asked for (\Seen was set by this fetch). */
  flags?: boolean;
  /** Add MODSEQ even when not asked for (CONDSTORE is on, RFC 7162 §3.1). */
  modSeq?: boolean;
  /**
   * RFC 9586 §3.3: after ENABLE UIDONLY the response is "* uid UIDFETCH (...)"
   * (uidfetch-resp = uniqueid SP "UIDFETCH" SP msg-att); `seq` is not used
   * and UID goes in the attributes only when the client asked for it.
   */
  uidOnly?: boolean;
}

/** What a FETCH response holds, worked out once per request rather than per message. */
interface ResponsePlan {
  /** UID was asked for: it goes first. */
  uid: boolean;
  /** The items after UID, each response name once, in request order. */
  items: FetchItem[];
  /** FLAGS is among them. */
  flags: boolean;
  /** MODSEQ is among them. */
  modSeq: boolean;
}

const plans = new WeakMap<readonly FetchItem[], ResponsePlan>();

function planOf(items: readonly FetchItem[]): ResponsePlan {
  let plan = plans.get(items);
  if (plan) return plan;
  const written = new Set<string>();
  const uid = items.some((i) => i.kind === "uid");
  if (uid) written.add("UID");
  const rest: FetchItem[] = [];
  for (const item of items) {
    const name = responseName(item);
    if (written.has(name)) continue;
    written.add(name);
    rest.push(item);
  }
  plan = { uid, items: rest, flags: written.has("FLAGS"), modSeq: written.has("MODSEQ") };
  plans.set(items, plan);
  return plan;
}

/**
 * Writes "* seq FETCH (...)" for one message: UID first when requested or
 * forced, then the items in request order, each response name once, then
 * FLAGS when forced and not already there.
 */
export function writeFetchResponse(
  enc: ResponseEncoder,
  seq: number,
  msg: FetchedMessage,
  items: readonly FetchItem[],
  options: FetchResponseOptions = {},
): void {
  const plan = planOf(items);
  if (options.uidOnly) enc.untagged().number(msg.uid).atom(" UIDFETCH (");
  else enc.untagged().number(seq).atom(" FETCH (");
  let first = true;
  // msg-att holds at least one item: a UIDFETCH with nothing else names the UID.
  const empty = plan.items.length === 0 && !options.flags && !options.modSeq;
  if ((options.uid && !options.uidOnly) || plan.uid || (options.uidOnly && empty)) {
    enc.atom("UID ").number(msg.uid);
    first = false;
  }
  for (const item of plan.items) {
    if (!first) enc.sp();
    first = false;
    writeItem(enc, item, msg);
  }
  if (options.flags && !plan.flags) {
    if (!first) enc.sp();
    first = false;
    writeItem(enc, { kind: "flags" }, msg);
  }
  if (options.modSeq && !plan.modSeq) {
    if (!first) enc.sp();
    writeItem(enc, { kind: "modSeq" }, msg);
  }
  enc.close().crlf();
}

function writeItem(enc: ResponseEncoder, item: FetchItem, msg: FetchedMessage): void {
  writeResponseName(enc, item);
  enc.sp();
  switch (item.kind) {
    case "flags":
      enc.flagList(required(msg.flags, "flags"));
      return;
    case "modSeq":
      // fetch-mod-resp = "MODSEQ" SP "(" permsg-modsequence ")" (RFC 7162 §7)
      enc.open().number(required(msg.modSeq, "modSeq")).close();
      return;
    case "internalDate":
      enc.string(formatDateTime(required(msg.internalDate, "internalDate")));
      return;
    case "rfc822Size":
      enc.number(required(msg.size, "size"));
      return;
    case "envelope":
      if (msg.envelopeWire) enc.raw(msg.envelopeWire);
      else writeEnvelope(enc, required(msg.envelope, "envelope"));
      return;
    case "body":
    case "bodyStructure":
      if (item.kind === "bodyStructure" && msg.bodyStructureWire) {
        enc.raw(msg.bodyStructureWire);
        return;
      }
      writeBodyStructure(enc, required(msg.bodyStructure, "bodyStructure"), item.kind !== "body");
      return;
    case "uid":
      enc.number(msg.uid);
      return;
    case "saveDate": {
      // msg-att-static =/ "SAVEDATE" SP (date-time / nil) (RFC 8514 §4.2)
      const date = required(msg.saveDate, "saveDate");
      if (date === null) enc.nil();
      else enc.string(formatDateTime(date));
      return;
    }
    case "emailId":
      // fetch-emailid-resp = "EMAILID" SP "(" objectid ")" (RFC 8474 §7)
      enc.open().atom(required(msg.emailId, "emailId")).close();
      return;
    case "threadId":
      // fetch-threadid-resp = "THREADID" SP ( "(" objectid ")" / nil ) (RFC 8474 §7)
      enc.open().atom(threadObjectId(required(msg.header, "header"))).close();
      return;
    case "preview": {
      // msg-att-dynamic =/ "PREVIEW" SP nstring (RFC 8970 §6): UTF-8 text, NIL when LAZY and not ready
      const text = required(msg.preview, "preview");
      if (text === null) enc.nil();
      else enc.string(text);
      return;
    }
    case "rfc822":
      enc.nbytes(literalData(msg, required(msg.content, "content")));
      return;
    case "rfc822Header":
      enc.nbytes(literalData(msg, sectionData(msg, { part: [], text: "HEADER", fields: [] })));
      return;
    case "rfc822Text":
      enc.nbytes(literalData(msg, sectionData(msg, { part: [], text: "TEXT", fields: [] })));
      return;
    case "section":
      enc.nbytes(literalData(msg, partialData(sectionData(msg, item.section), item.partial)));
      return;
    case "binary": {
      // RFC 3516 §4.3.1: a literal8 only when the data holds NUL; otherwise a
      // string, which tells the client there is none. Undecoded data (BINARY[]) of
      // a message known to hold no NUL need not be looked at.
      const data = partialData(binaryOf(msg, item.part), item.partial);
      const clean = msg.nulFree && msg.content !== undefined && item.part.length === 0;
      if (!clean && data.includes(0)) enc.literal8(data);
      else enc.nbytes(data);
      return;
    }
    case "binarySize":
      // RFC 3516 §4.3.2: the size BINARY[part] gives, to the octet.
      enc.number(binaryOf(msg, item.part).length);
      return;
  }
}

/**
 * Message data (all of it, or a slice of its content or header) as a
 * literal carries it: as it is when the message is known to hold no NUL,
 * else through withoutNuls().
 */
function literalData(msg: FetchedMessage, data: Uint8Array): Uint8Array {
  return msg.nulFree ? data : withoutNuls(data);
}

/**
 * Message data for a literal: a literal's CHAR8 excludes NUL, and RFC 3501
 * §4.3.1 forbids unencoded binary outside FETCH BINARY (RFC 3516), so a NUL
 * a message holds (stored as sent, e.g. by APPEND of a literal8) goes out
 * as 0x80 in BODY and RFC822 data, as Dovecot does. The length stays, so
 * RFC822.SIZE and partial ranges still agree; BINARY gives the real octets.
 */
export function withoutNuls(data: Uint8Array): Uint8Array {
  const first = data.indexOf(0);
  if (first < 0) return data;
  const out = data.slice();
  for (let i = first; i < out.length; i++) if (out[i] === 0) out[i] = 0x80;
  return out;
}

function binaryOf(msg: FetchedMessage, part: readonly number[]): Uint8Array {
  const data = binaryData(msg, part);
  if (data === null) throw new Error("BINARY of a part whose encoding cannot be undone");
  return data;
}
