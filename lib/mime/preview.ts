/**
 * The PREVIEW of a message (RFC 8970): a short plain-text excerpt of its
 * first text part, computed once at APPEND and stored.
 *
 * RFC 8970 §3.1: the preview is UTF-8 text of at most 256 characters, with
 * no markup; an empty string when the message has no text to show. We take
 * the first text/plain or text/html part that is not an attachment (depth
 * first, so the text/plain of a multipart/alternative comes before its
 * HTML), undo its transfer encoding and charset, strip HTML tags and
 * decode the common entities, collapse whitespace, and keep the first
 * PREVIEW_LENGTH characters (code points, never half a surrogate pair).
 */
import { decodeBody } from "./text.ts";
import { paramValue } from "./params.ts";
import type { BodySinglePart, BodyStructure, ParsedMessage } from "./types.ts";

/** Characters kept (RFC 8970 §3.1 allows up to 256). */
export const PREVIEW_LENGTH = 200;

/** Text decoded for a preview: bounded, so a huge text part costs no more than its start. */
const MAX_SOURCE_BYTES = 64 * 1024;

/** The preview text of a parsed message (`parsed` from `parseMessage(bytes)`). */
export function messagePreview(bytes: Uint8Array, parsed: ParsedMessage): string {
  const part = firstTextPart(parsed.body, 0);
  if (part === null) return "";
  const end = Math.min(part.bodyEnd, part.bodyStart + MAX_SOURCE_BYTES);
  let text = decodeBody(
    bytes.subarray(part.bodyStart, end),
    part.encoding,
    paramValue(part.params, "charset"),
  );
  if (part.subtype === "html") text = htmlToText(text);
  return collapse(text, PREVIEW_LENGTH);
}

function firstTextPart(part: BodyStructure, depth: number): BodySinglePart | null {
  if (depth > 20) return null;
  if (part.kind === "multipart") {
    for (const child of part.parts) {
      const found = firstTextPart(child, depth + 1);
      if (found) return found;
    }
    return null;
  }
  // An attached message's text is not this message's text.
  if (part.kind === "message") return null;
  if (part.type !== "text" || (part.subtype !== "plain" && part.subtype !== "html")) return null;
  if (part.disposition?.type.toLowerCase() === "attachment") return null;
  return part;
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
};

/**
 * Text of an HTML fragment: the contents of <head>, <style> and <script>
 * dropped, every other tag removed, the common and numeric entities
 * decoded. A linear scan, no regular expression over the client's data.
 */
export function htmlToText(html: string): string {
  let out = "";
  let i = 0;
  const lower = html.toLowerCase();
  while (i < html.length) {
    const c = html[i];
    if (c === "<") {
      if (lower.startsWith("<!--", i)) {
        const close = lower.indexOf("-->", i + 4);
        i = close < 0 ? html.length : close + 3;
        continue;
      }
      const skip = ["head", "style", "script"].find((t) =>
        lower.startsWith(t, i + 1) && !/[a-z0-9]/.test(lower[i + 1 + t.length] ?? "")
      );
      if (skip) {
        const close = lower.indexOf(`</${skip}`, i);
        const gt = close < 0 ? -1 : lower.indexOf(">", close);
        i = gt < 0 ? html.length : gt + 1;
        continue;
      }
      const gt = html.indexOf(">", i + 1);
      if (gt < 0) break;
      out += " ";
      i = gt + 1;
    } else if (c === "&") {
      const semi = html.indexOf(";", i + 1);
      const name = semi > i && semi - i <= 10 ? lower.slice(i + 1, semi) : "";
      const decoded = entity(name);
      if (decoded === null) {
        out += c;
        i++;
      } else {
        out += decoded;
        i = semi + 1;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function entity(name: string): string | null {
  if (name === "") return null;
  if (name in ENTITIES) return ENTITIES[name];
  let code = NaN;
  if (/^#x[0-9a-f]+$/.test(name)) code = parseInt(name.slice(2), 16);
  else if (/^#[0-9]+$/.test(name)) code = parseInt(name.slice(1), 10);
  if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) return null;
  return String.fromCodePoint(code);
}

/**
 * The first `n` characters (code points, never half a surrogate pair) of
 * `text` with runs of whitespace and control characters made one space and
 * the ends trimmed. Built character by character, so the result is a new
 * string: a slice would keep the whole decoded part alive in V8 for as long
 * as the preview lives (an import holds a batch of them).
 */
function collapse(text: string, n: number): string {
  let out = "";
  let count = 0;
  let space = false;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c <= 0x20 || c === 0x7f || c === 0xa0 || (c >= 0x80 && c < 0xa0) || /\s/u.test(ch)) {
      space = out !== "";
      continue;
    }
    if (space) {
      if (count + 1 >= n) break;
      out += " ";
      count++;
    }
    space = false;
    out += ch;
    if (++count >= n) break;
  }
  return out;
}
