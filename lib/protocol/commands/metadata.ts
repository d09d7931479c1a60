/**
 * METADATA (RFC 5464 §4, §5): GETMETADATA, SETMETADATA and the METADATA
 * response.
 *
 *   getmetadata  = "GETMETADATA" [SP getmetadata-options] SP mailbox SP entries
 *   getmetadata-options = "(" getmetadata-option *(SP getmetadata-option) ")"
 *   getmetadata-option = maxsize-opt / scope-opt
 *   maxsize-opt  = "MAXSIZE" SP number
 *   scope-opt    = "DEPTH" SP ("0" / "1" / "infinity")
 *   entries      = entry / "(" entry *(SP entry) ")"
 *   setmetadata  = "SETMETADATA" SP mailbox SP entry-values
 *   entry-values = "(" entry-value *(SP entry-value) ")"
 *   entry-value  = entry SP value
 *   value        = nstring / literal8
 *   entry        = astring   ; slash-separated path-like entry names
 *   metadata-resp = "METADATA" SP mailbox SP (entry-values / entry-list)
 *   entry-list   = entry *(SP entry)   ; unsolicited form (NOTIFY)
 */
import type { ResponseEncoder } from "../../wire/encoder.ts";
import { type CommandParser, ParseError } from "../../wire/parser.ts";
import type { MetadataDepth, MetadataEntry } from "../../store/mail_store.ts";

export interface GetMetadataArgs {
  /** The mailbox as sent; "" names the server (RFC 5464 §4.2). */
  mailbox: string;
  /** Values longer than this are left out (MAXSIZE), null for no limit. */
  maxSize: number | null;
  depth: MetadataDepth;
  /** Lower-cased entry names. */
  entries: string[];
}

export interface SetMetadataArgs {
  mailbox: string;
  /** Lower-cased entry names with their values (null: remove). */
  entries: MetadataEntry[];
}

/**
 * An entry name as RFC 5464 §3.2 allows it, lower-cased (entry names are
 * case-insensitive): "/private" or "/shared" and then "/"-separated
 * components, none empty, no "*" or "%" (§5), no control characters.
 * `root` admits "/private" and "/shared" themselves (a GETMETADATA with
 * DEPTH reaches below them); SETMETADATA needs a component more.
 */
export function parseEntryName(text: string, root: boolean): string {
  const name = text.toLowerCase();
  if (!name.startsWith("/private") && !name.startsWith("/shared")) {
    throw new ParseError(`Entry "${text}" must start with /private or /shared`);
  }
  const parts = name.split("/");
  if ((parts[1] !== "private" && parts[1] !== "shared") || (!root && parts.length < 3)) {
    throw new ParseError(`Entry "${text}" names no entry under /private or /shared`);
  }
  for (const part of parts.slice(1)) {
    if (part === "") throw new ParseError(`Entry "${text}" has an empty component`);
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x2a || c === 0x25) {
      throw new ParseError(`Entry "${text}" has a character entries cannot have`);
    }
  }
  return name;
}

export function parseGetMetadata(p: CommandParser): GetMetadataArgs {
  p.sp();
  let maxSize: number | null = null;
  let depth: MetadataDepth | null = null;
  if (p.peek() === 0x28) {
    p.list(() => {
      const option = p.atom().toUpperCase();
      p.sp();
      if (option === "MAXSIZE" && maxSize === null) {
        maxSize = p.number();
      } else if (option === "DEPTH" && depth === null) {
        const value = p.atom().toLowerCase();
        if (value === "0") depth = 0;
        else if (value === "1") depth = 1;
        else if (value === "infinity") depth = "infinity";
        else throw new ParseError(`DEPTH must be 0, 1 or infinity, not "${value}"`);
      } else {
        throw new ParseError(`Unknown or repeated GETMETADATA option ${option}`);
      }
    }, false);
    p.sp();
  }
  const mailbox = p.astring();
  p.sp();
  const entries = p.peek() === 0x28
    ? p.list(() => parseEntryName(p.astring(), true), false)
    : [parseEntryName(p.astring(), true)];
  p.end();
  return { mailbox, maxSize, depth: depth ?? 0, entries };
}

export function parseSetMetadata(p: CommandParser): SetMetadataArgs {
  p.sp();
  const mailbox = p.astring();
  p.sp();
  const seen = new Set<string>();
  const entries = p.list(() => {
    const entry = parseEntryName(p.astring(), false);
    if (seen.has(entry)) throw new ParseError(`Entry "${entry}" given twice`);
    seen.add(entry);
    p.sp();
    let value: Uint8Array | null;
    if (p.atLiteral8()) value = p.literal8().slice();
    else if (p.atLiteral() || p.peek() === 0x22) value = p.stringBytes().slice();
    else if (p.atom().toUpperCase() === "NIL") value = null;
    else throw new ParseError(`The value of "${entry}" must be a string, a literal8 or NIL`);
    return { entry, value };
  }, false);
  p.end();
  return { mailbox, entries };
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The value as text when it is valid UTF-8, else null (it then goes as a literal, byte for byte). */
function asText(value: Uint8Array): string | null {
  try {
    return strictUtf8.decode(value);
  } catch {
    return null;
  }
}

/**
 * metadata-resp with values: "* METADATA" SP mailbox SP "(" entry SP value ... ")".
 * A value with NUL goes as literal8 (RFC 5464 §5 `value`), others as a string.
 */
export function writeMetadata(
  enc: ResponseEncoder,
  mailbox: string,
  entries: readonly MetadataEntry[],
): void {
  enc.untagged().atom("METADATA").sp().astring(mailbox).sp().open();
  entries.forEach((e, i) => {
    if (i > 0) enc.sp();
    enc.astring(e.entry).sp();
    if (e.value === null) enc.nil();
    else if (e.value.includes(0)) enc.literal8(e.value);
    else {
      // Text values go quoted where they can (the encoder decides); others as a literal.
      const text = asText(e.value);
      if (text === null) enc.nbytes(e.value);
      else enc.string(text);
    }
  });
  enc.close().crlf();
}

/** metadata-resp, unsolicited: "* METADATA" SP mailbox SP entry-list (RFC 5464 §4.4). */
export function writeMetadataChanged(
  enc: ResponseEncoder,
  mailbox: string,
  entries: readonly string[],
): void {
  enc.untagged().atom("METADATA").sp().astring(mailbox);
  for (const e of entries) enc.sp().astring(e);
  enc.crlf();
}
