/**
 * Text for SEARCH: header values with RFC 2047 encoded words decoded, and
 * the text parts of a message with their Content-Transfer-Encoding and
 * charset undone, found through the BODYSTRUCTURE cached at APPEND. Small
 * local decoders until lib/mime exports its own (`decodeEncodedWords`,
 * `decodeBody`); swap them in here when it does.
 */
import type { BodyStructure } from "../../mime/types.ts";

const latin1 = new TextDecoder("latin1");

function decoderFor(charset: string): TextDecoder {
  try {
    return new TextDecoder(charset.trim().toLowerCase() || "utf-8");
  } catch {
    return new TextDecoder("utf-8");
  }
}

/** Bytes held one per char (latin1) back to bytes. */
function bytesOf(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function base64Bytes(s: string): Uint8Array {
  const clean = s.replace(/[^A-Za-z0-9+/]/g, "");
  const padded = clean + "=".repeat((4 - (clean.length % 4)) % 4);
  try {
    return bytesOf(atob(padded.length % 4 === 0 ? padded : padded.slice(0, -1)));
  } catch {
    return new Uint8Array();
  }
}

function qpBytes(s: string, underscoreIsSpace: boolean): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "=") {
      if (s[i + 1] === "\r" && s[i + 2] === "\n") {
        i += 2; // soft line break (RFC 2045 §6.7 rule 5)
        continue;
      }
      if (s[i + 1] === "\n") {
        i += 1;
        continue;
      }
      const hex = s.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
    }
    out.push(underscoreIsSpace && c === "_" ? 32 : c.charCodeAt(0) & 0xff);
  }
  return new Uint8Array(out);
}

/**
 * A raw header value (bytes held one per char) as Unicode: encoded words
 * decoded (RFC 2047), whitespace between adjacent encoded words dropped
 * (§6.2), other bytes read as UTF-8 (RFC 6532).
 */
export function decodeHeaderValue(raw: string): string {
  const utf8 = new TextDecoder("utf-8");
  const re = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
  let out = "";
  let last = 0;
  let prevWasWord = false;
  for (const m of raw.matchAll(re)) {
    const between = raw.slice(last, m.index);
    if (!(prevWasWord && /^\s*$/.test(between))) out += utf8.decode(bytesOf(between));
    const charset = m[1].split("*")[0];
    const bytes = m[2].toUpperCase() === "B" ? base64Bytes(m[3]) : qpBytes(m[3], true);
    out += decoderFor(charset).decode(bytes);
    last = m.index + m[0].length;
    prevWasWord = true;
  }
  return out + utf8.decode(bytesOf(raw.slice(last)));
}

function paramOf(params: [string, string][], name: string): string | undefined {
  return params.find(([k]) => k.toLowerCase() === name)?.[1];
}

/** The decoded text of every text/* part of `content`, joined by newlines. */
export function decodedText(content: Uint8Array, structure: BodyStructure): string {
  const texts: string[] = [];
  const visit = (part: BodyStructure): void => {
    if (part.kind === "multipart") {
      part.parts.forEach(visit);
      return;
    }
    if (part.kind === "message") {
      visit(part.body);
      return;
    }
    if (part.type !== "text") return;
    const raw = content.subarray(part.bodyStart, part.bodyEnd);
    let bytes: Uint8Array = raw;
    if (part.encoding === "BASE64") bytes = base64Bytes(latin1.decode(raw));
    else if (part.encoding === "QUOTED-PRINTABLE") bytes = qpBytes(latin1.decode(raw), false);
    texts.push(decoderFor(paramOf(part.params, "charset") ?? "utf-8").decode(bytes));
  };
  visit(structure);
  return texts.join("\n");
}
