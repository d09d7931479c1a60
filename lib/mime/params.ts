/**
 * Structured MIME header values: Content-Type (RFC 2045 §5.1),
 * Content-Disposition (RFC 2183) and their parameters, with RFC 2231
 * continuations and charset/language-tagged values.
 */
import { charsetDecoder, latin1, utf8Bytes } from "./_bytes.ts";
import type { BodyParams } from "./types.ts";

export interface ContentType {
  /** Lower-case media type. */
  type: string;
  /** Lower-case subtype. */
  subtype: string;
  params: BodyParams;
}

/** Skips whitespace and (nested) comments, RFC 5322 §3.2.2 CFWS. */
export function skipCfws(s: string, i: number): number {
  while (i < s.length) {
    const c = s[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      i++;
    } else if (c === "(") {
      let depth = 0;
      for (; i < s.length; i++) {
        if (s[i] === "\\") i++;
        else if (s[i] === "(") depth++;
        else if (s[i] === ")" && --depth === 0) {
          i++;
          break;
        }
      }
    } else {
      break;
    }
  }
  return i;
}

// RFC 2045 §5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>
const TSPECIALS = '()<>@,;:\\"/[]?=';

function isTokenChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return code > 0x20 && code !== 0x7f && !TSPECIALS.includes(c);
}

function readToken(s: string, i: number): [string, number] {
  const start = i;
  while (i < s.length && isTokenChar(s[i])) i++;
  return [s.slice(start, i), i];
}

/** Reads a quoted string starting at the opening quote; unterminated ones run to the end. */
export function readQuoted(s: string, i: number): [string, number] {
  let out = "";
  for (i++; i < s.length; i++) {
    const c = s[i];
    if (c === "\\" && i + 1 < s.length) out += s[++i];
    else if (c === '"') return [out, i + 1];
    else out += c;
  }
  return [out, i];
}

/**
 * A parameter value: a quoted string or, leniently, everything up to the
 * next ";" or whitespace (real mail carries unquoted "/", "=", "?" that
 * RFC 2045's token forbids, e.g. `boundary==_abc`).
 */
function readValue(s: string, i: number): [string, number] {
  if (s[i] === '"') return readQuoted(s, i);
  const start = i;
  while (i < s.length && s[i] !== ";" && s[i] !== " " && s[i] !== "\t" && s[i] !== "(") i++;
  return [s.slice(start, i), i];
}

/** Parses `; name=value` pairs from `i` on, then merges RFC 2231 sections. */
export function parseParams(s: string, i: number): BodyParams {
  const raw: [string, string][] = [];
  while (i < s.length) {
    i = skipCfws(s, i);
    if (s[i] !== ";") {
      // Garbage between parameters: skip to the next ";".
      const next = s.indexOf(";", i);
      if (next < 0) break;
      i = next;
    }
    i = skipCfws(s, i + 1);
    let name: string;
    [name, i] = readToken(s, i);
    i = skipCfws(s, i);
    if (name === "" || s[i] !== "=") continue;
    i = skipCfws(s, i + 1);
    let value: string;
    [value, i] = readValue(s, i);
    raw.push([name, value]);
  }
  return mergeRfc2231(raw);
}

// RFC 2231 §7: attribute-char := <any (US-ASCII) CHAR except SPACE, CTLs, "*", "'", "%", or tspecials>
function percentEncode(text: string): string {
  let out = "";
  for (const byte of utf8Bytes(text)) {
    const c = String.fromCharCode(byte);
    if (byte < 0x80 && isTokenChar(c) && c !== "*" && c !== "'" && c !== "%") out += c;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

const SECTION = /^(.+?)\*(\d+)(\*?)$/;

/**
 * Merges RFC 2231 §3 continuations (`name*0`, `name*1*`...) into one
 * parameter at the place of the first section, as Dovecot does: when any
 * section is charset-encoded (`*`), the result is named `name*` and keeps
 * the `charset'lang'` prefix with the other sections percent-encoded, so
 * BODYSTRUCTURE stays ASCII; otherwise it is `name` with the plain value.
 * Sections are taken from 0 up to the first missing number. `paramValue()`
 * decodes such values.
 */
function mergeRfc2231(raw: [string, string][]): BodyParams {
  const out: BodyParams = [];
  const groups = new Map<string, { index: number; sections: Map<number, [string, boolean]> }>();
  for (const [name, value] of raw) {
    const m = SECTION.exec(name);
    if (!m) {
      out.push([name, value]);
      continue;
    }
    const key = m[1].toLowerCase();
    let group = groups.get(key);
    if (!group) {
      group = { index: out.length, sections: new Map() };
      groups.set(key, group);
      out.push([m[1], ""]); // placeholder, filled below
    }
    const n = Number(m[2]);
    if (!group.sections.has(n)) group.sections.set(n, [value, m[3] === "*"]);
  }
  for (const group of groups.values()) {
    const parts: [string, boolean][] = [];
    for (let n = 0; group.sections.has(n); n++) parts.push(group.sections.get(n)!);
    const base = out[group.index][0];
    if (parts.length === 0) {
      out[group.index] = [base, ""];
      continue;
    }
    const extended = parts.some(([, e]) => e);
    if (!extended) {
      out[group.index] = [base, parts.map(([v]) => v).join("")];
      continue;
    }
    let value = parts[0][1] ? parts[0][0] : `''${percentEncode(parts[0][0])}`;
    for (let k = 1; k < parts.length; k++) {
      value += parts[k][1] ? parts[k][0] : percentEncode(parts[k][0]);
    }
    out[group.index] = [base + "*", value];
  }
  return out;
}

/** Decodes an RFC 2231 extended value `charset'lang'%XX...`; unknown charsets fall back to UTF-8. */
export function decodeRfc2231(value: string): string {
  const first = value.indexOf("'");
  const second = first < 0 ? -1 : value.indexOf("'", first + 1);
  if (second < 0) return value;
  const charset = value.slice(0, first);
  const encoded = value.slice(second + 1);
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(encoded.slice(i + 1, i + 3))) {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      for (const b of utf8Bytes(encoded[i])) bytes.push(b);
    }
  }
  const data = new Uint8Array(bytes);
  const decoder = charset === "" ? null : charsetDecoder(charset);
  if (decoder) return decoder.decode(data);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    return latin1(data);
  }
}

/**
 * The value of parameter `name` (case-insensitive), decoded: an RFC 2231
 * `name*` wins over a plain `name`. Null when absent.
 */
export function paramValue(params: BodyParams, name: string): string | null {
  const lower = name.toLowerCase();
  let plain: string | null = null;
  for (const [key, value] of params) {
    const k = key.toLowerCase();
    if (k === lower + "*") return decodeRfc2231(value);
    if (k === lower && plain === null) plain = value;
  }
  return plain;
}

/**
 * Parses a Content-Type value; null when it has no `type/subtype` (the
 * caller then applies the default, RFC 2045 §5.2).
 */
export function parseContentType(value: string): ContentType | null {
  let i = skipCfws(value, 0);
  let type: string;
  [type, i] = readToken(value, i);
  i = skipCfws(value, i);
  if (type === "" || value[i] !== "/") return null;
  i = skipCfws(value, i + 1);
  let subtype: string;
  [subtype, i] = readToken(value, i);
  if (subtype === "") return null;
  return {
    type: type.toLowerCase(),
    subtype: subtype.toLowerCase(),
    params: parseParams(value, i),
  };
}

/** Parses a Content-Disposition value (RFC 2183); the type is kept as sent. Null when empty. */
export function parseDisposition(value: string): { type: string; params: BodyParams } | null {
  let i = skipCfws(value, 0);
  let type: string;
  [type, i] = readToken(value, i);
  if (type === "") return null;
  return { type, params: parseParams(value, i) };
}

/** Content-Language (RFC 3282): a comma-separated list of tags; null when empty. */
export function parseLanguage(value: string): string[] | null {
  const tags: string[] = [];
  let i = 0;
  while (i < value.length) {
    i = skipCfws(value, i);
    let tag: string;
    [tag, i] = readToken(value, i);
    if (tag !== "") tags.push(tag);
    else i++;
  }
  return tags.length > 0 ? tags : null;
}

/** Content-Transfer-Encoding as a token, upper-cased; "7BIT" when absent or empty. */
export function parseEncoding(value: string | null): string {
  if (value === null) return "7BIT";
  const [token] = readToken(value, skipCfws(value, 0));
  return token === "" ? "7BIT" : token.toUpperCase();
}
