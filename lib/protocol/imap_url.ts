/**
 * The IMAP URLs CATENATE takes (RFC 4469 §5: a URL naming a message or a
 * part of one), read as RFC 5092 §11 writes them:
 *
 * imapurl       = "imap://" iserver ipath-query
 * iserver       = [iuserinfo "@"] host [":" port]
 * iuserinfo     = enc-user [iauth] / [enc-user] iauth
 * iabsolute-path = "/" [ icommand ]        (a URL relative to this server)
 * imessagepart  = imailbox-ref iuid [isection] [ipartial]
 * imailbox-ref  = enc-mailbox [uidvalidity]
 * uidvalidity   = ";UIDVALIDITY=" nz-number
 * iuid          = "/;UID=" nz-number
 * isection      = "/;SECTION=" enc-section
 * ipartial      = "/;PARTIAL=" number ["." nz-number]
 * enc-mailbox, enc-section = 1*bchar (percent-encoded UTF-8; no ";")
 *
 * URLAUTH (RFC 4467: ";EXPIRE=", ";URLAUTH=") is not supported: such a URL
 * is refused like any other that cannot be used.
 */
import { CommandParser } from "../wire/parser.ts";
import { parseSection, type Section } from "./commands/fetch.ts";

export interface MessageUrl {
  /** The user of an `imap://user@host/` URL, decoded; null when absent or relative. */
  user: string | null;
  /** The mailbox name as Unicode. */
  mailbox: string;
  uidValidity: number | null;
  uid: number;
  /** The section (BODY[...] syntax); null for the whole message. */
  section: Section | null;
  /** ";PARTIAL=origin[.count]": count null means to the end. */
  partial: { origin: number; count: number | null } | null;
}

/** Why a URL cannot be read: the text of a NO [BADURL]. */
export class UrlError extends Error {}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** Parses `text` as an IMAP message URL, or throws `UrlError`. */
export function parseMessageUrl(text: string): MessageUrl {
  let rest = text;
  let user: string | null = null;
  if (/^imap:\/\//i.test(rest)) {
    rest = rest.slice(7);
    const slash = rest.indexOf("/");
    if (slash < 0) throw new UrlError("The URL names no mailbox");
    const authority = rest.slice(0, slash);
    rest = rest.slice(slash);
    const at = authority.lastIndexOf("@");
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      const auth = userinfo.search(/;AUTH=/i);
      const enc = auth >= 0 ? userinfo.slice(0, auth) : userinfo;
      if (enc !== "") user = percentDecode(enc);
    }
  } else if (!rest.startsWith("/")) {
    throw new UrlError("Only imap:// URLs and absolute paths on this server are accepted");
  }
  rest = rest.slice(1);
  // enc-mailbox has no ";": it ends where ";UIDVALIDITY=" or "/;UID=" begins.
  let end = rest.indexOf(";");
  if (end > 0 && rest[end - 1] === "/") end--;
  if (end <= 0) throw new UrlError("The URL names no message (;UID=)");
  const mailbox = percentDecode(rest.slice(0, end));
  rest = rest.slice(end);
  let uidValidity: number | null = null;
  const v = /^;UIDVALIDITY=([1-9]\d{0,9})/i.exec(rest);
  if (v) {
    uidValidity = number(v[1]);
    rest = rest.slice(v[0].length);
  }
  const u = /^\/;UID=([1-9]\d{0,9})/i.exec(rest);
  if (!u) throw new UrlError("The URL names no message (;UID=)");
  const uid = number(u[1]);
  rest = rest.slice(u[0].length);
  let section: Section | null = null;
  const s = /^\/;SECTION=([^;]+?)(?=\/;PARTIAL=|;|$)/i.exec(rest);
  if (s) {
    section = sectionOf(percentDecode(s[1]));
    rest = rest.slice(s[0].length);
  }
  let partial: MessageUrl["partial"] = null;
  const p = /^\/;PARTIAL=(\d{1,10})(?:\.([1-9]\d{0,9}))?/i.exec(rest);
  if (p) {
    partial = { origin: number(p[1]), count: p[2] === undefined ? null : number(p[2]) };
    rest = rest.slice(p[0].length);
  }
  if (/^;(EXPIRE|URLAUTH)=/i.test(rest)) throw new UrlError("URLAUTH is not supported");
  if (rest !== "") throw new UrlError(`Unexpected "${rest.slice(0, 20)}" in the URL`);
  return { user, mailbox, uidValidity, uid, section, partial };
}

function number(text: string): number {
  const n = Number(text);
  if (n > 0xffffffff) throw new UrlError(`Number ${text} is too big`);
  return n;
}

/** pct-encoded octets decoded, the result read as UTF-8 (RFC 5092 §3.2). */
function percentDecode(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        throw new UrlError(`Bad percent-encoding at "${text.slice(i, i + 3)}"`);
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      bytes.push(...encoder.encode(text[i]));
    }
  }
  try {
    return utf8.decode(new Uint8Array(bytes));
  } catch {
    throw new UrlError("The URL is not UTF-8 once decoded");
  }
}

/** enc-section, decoded: a FETCH section-spec (RFC 5092 §11: "section-text" and parts). */
function sectionOf(text: string): Section {
  const p = new CommandParser(encoder.encode(`[${text}]`));
  try {
    const section = parseSection(p);
    p.end();
    return section;
  } catch (err) {
    throw new UrlError(`Bad section "${text}": ${(err as Error).message}`);
  }
}
