/**
 * RFC 2047 encoded words: `=?charset[*lang]?B|Q?text?=`.
 */
import { charsetDecoder, decodeBase64, decodeQuotedPrintable } from "./_bytes.ts";
import { concatBytes } from "../bytes.ts";

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
const WHITESPACE_ONLY = /^[ \t\r\n]*$/;

function asciiBytes(text: string): Uint8Array | null {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return null;
    out[i] = c;
  }
  return out;
}

/** The bytes an encoded word's text stands for, or null when they are not valid. */
function wordBytes(encoding: string, text: string): Uint8Array | null {
  const bytes = asciiBytes(text);
  if (!bytes) return null;
  if (encoding === "b" || encoding === "B") {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return null;
    return decodeBase64(bytes);
  }
  return decodeQuotedPrintable(bytes, true);
}

/**
 * Decodes the encoded words in `raw` (RFC 2047 §6). Whitespace between two
 * adjacent encoded words is dropped (§6.2), and adjacent words in the same
 * charset are joined before decoding, so a character split across two words
 * survives. A word in a charset `TextDecoder` does not know, or with bad
 * base64, is left as it is. Leniency: words inside other text (not
 * separated by whitespace, which §5 requires) are decoded too, as mail
 * readers do.
 */
export function decodeEncodedWords(raw: string): string {
  if (!raw.includes("=?")) return raw;
  let out = "";
  let last = 0;
  let pendingCharset: string | null = null;
  let pending: Uint8Array[] = [];

  const flush = () => {
    if (pendingCharset === null) return;
    const decoder = charsetDecoder(pendingCharset)!;
    const joined = concatBytes(pending);
    out += decoder.decode(joined);
    pendingCharset = null;
    pending = [];
  };

  for (const match of raw.matchAll(ENCODED_WORD)) {
    // RFC 2231 §5 lets a language follow the charset: "=?utf-8*en?Q?...?=".
    const charset = match[1].split("*")[0].toLowerCase();
    const decoder = charsetDecoder(charset);
    const bytes = decoder ? wordBytes(match[2], match[3]) : null;
    if (!bytes) continue; // stays in the text between words
    const between = raw.slice(last, match.index);
    if (pendingCharset !== null && WHITESPACE_ONLY.test(between)) {
      if (pendingCharset !== charset) flush();
    } else {
      flush();
      out += between;
    }
    pendingCharset = charset;
    pending.push(bytes);
    last = match.index + match[0].length;
  }
  flush();
  return out + raw.slice(last);
}
