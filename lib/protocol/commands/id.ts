import type { ResponseEncoder } from "../../wire/encoder.ts";
import { type CommandParser, ParseError } from "../../wire/parser.ts";
import { bad } from "../errors.ts";

/**
 * id = "ID" SP id-params-list (RFC 2971 §4)
 * id-params-list = "(" *(string SP nstring) ")" / nil
 */
export interface IdArgs {
  /** Field names and values the client sent; null for NIL. */
  params: [string, string | null][] | null;
}

/** RFC 2971 §3.3: at most 30 pairs, names of 30 octets, values of 1024 octets. */
export const MAX_ID_FIELDS = 30;
export const MAX_ID_NAME = 30;
export const MAX_ID_VALUE = 1024;

const utf8 = new TextEncoder();

function octets(text: string): number {
  return text.length > MAX_ID_VALUE ? text.length : utf8.encode(text).length;
}

export function parseId(p: CommandParser): IdArgs {
  p.sp();
  if (p.peek() !== 0x28) {
    const nil = p.atom();
    if (nil.toUpperCase() !== "NIL") throw new ParseError("Expected a parameter list or NIL");
    p.end();
    return { params: null };
  }
  p.expect("(");
  const params: [string, string | null][] = [];
  while (!p.maybe(")")) {
    if (params.length > 0) p.sp();
    if (params.length >= MAX_ID_FIELDS) {
      throw bad("At most 30 ID fields (RFC 2971 section 3.3)", "TOOBIG");
    }
    const key = p.string();
    if (octets(key) > MAX_ID_NAME) {
      throw bad("ID field names are at most 30 octets (RFC 2971 section 3.3)", "TOOBIG");
    }
    p.sp();
    const value = p.nstring();
    if (value !== null && octets(value) > MAX_ID_VALUE) {
      throw bad("ID values are at most 1024 octets (RFC 2971 section 3.3)", "TOOBIG");
    }
    params.push([key, value]);
  }
  p.end();
  return { params };
}

/** id-response = "ID" SP id-params-list (RFC 2971 §3.2) */
export function writeId(enc: ResponseEncoder, params: readonly [string, string | null][]): void {
  enc.untagged().atom("ID ");
  if (params.length === 0) {
    enc.nil().crlf();
    return;
  }
  enc.open();
  params.forEach(([k, v], i) => {
    if (i > 0) enc.sp();
    enc.string(k).sp().nstring(v);
  });
  enc.close().crlf();
}
