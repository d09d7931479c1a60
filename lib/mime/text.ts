/**
 * Decoded text of a message, for SEARCH BODY and TEXT: RFC 3501 §6.4.4
 * matches a case-insensitive substring of the decoded text, so transfer
 * encodings and charsets must be undone first.
 */
import { decodeBase64, decodeCharset, decodeQuotedPrintable } from "./_bytes.ts";
import { headerText } from "./header.ts";
import { paramValue } from "./params.ts";
import type { BodyStructure, ParsedMessage } from "./types.ts";

/**
 * A body's bytes as text: the Content-Transfer-Encoding (base64,
 * quoted-printable; 7bit, 8bit, binary and unknown ones as is) is undone,
 * then the charset is applied through `TextDecoder`. No charset, us-ascii
 * or an unknown charset: UTF-8 when valid, else ISO-8859-1.
 */
export function decodeBody(bytes: Uint8Array, encoding: string, charset: string | null): string {
  const e = encoding.trim().toLowerCase();
  const data = e === "base64"
    ? decodeBase64(bytes)
    : e === "quoted-printable"
    ? decodeQuotedPrintable(bytes)
    : bytes;
  return decodeCharset(data, charset);
}

/**
 * A part's body with its Content-Transfer-Encoding undone (RFC 2045 §6), for
 * FETCH BINARY (RFC 3516 §4.2): base64 and quoted-printable are decoded;
 * 7bit, 8bit and binary are identity encodings (§6.2) and come back as they
 * are. Any other encoding (x-uuencode, a typo) is one we cannot decode: null.
 */
export function decodeTransferEncoding(bytes: Uint8Array, encoding: string): Uint8Array | null {
  switch (encoding.trim().toLowerCase()) {
    case "base64":
      return decodeBase64(bytes);
    case "quoted-printable":
      return decodeQuotedPrintable(bytes);
    case "":
    case "7bit":
    case "8bit":
    case "binary":
      return bytes;
    default:
      return null;
  }
}

export interface MessageText {
  /** The top-level header, unfolded, encoded words decoded, one field per line. */
  headers: string;
  /**
   * The decoded text of every text/* part in part order, with the header of
   * every embedded message/rfc822 before its own parts (it is body text of
   * the enclosing message).
   */
  bodies: string[];
}

function collect(bytes: Uint8Array, part: BodyStructure, out: string[]): void {
  if (part.kind === "multipart") {
    for (const child of part.parts) collect(bytes, child, out);
  } else if (part.kind === "message") {
    out.push(headerText(bytes, part.body.headerStart, part.body.bodyStart));
    collect(bytes, part.body, out);
  } else if (part.type === "text") {
    const body = bytes.subarray(part.bodyStart, part.bodyEnd);
    out.push(decodeBody(body, part.encoding, paramValue(part.params, "charset")));
  }
}

/** The decoded header and text parts of a parsed message (`parsed` from `parseMessage(bytes)`). */
export function messageText(bytes: Uint8Array, parsed: ParsedMessage): MessageText {
  const bodies: string[] = [];
  collect(bytes, parsed.body, bodies);
  return { headers: headerText(bytes, 0, parsed.headerSize), bodies };
}
