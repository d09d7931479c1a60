/**
 * ENVELOPE for a session that has not enabled UTF8=ACCEPT.
 *
 * Mail is stored as it came, so a message with UTF-8 header fields (RFC 6532)
 * has 8-bit text in its ENVELOPE. RFC 6855 §7 makes the server answerable
 * for every piece of header information it sends such a session: it must be
 * what RFC 3501 and RFC 5322 allow, which is ASCII. §5 leaves the server its
 * choice of how (hide the message, notify, or give a surrogate) and asks a
 * server that downgrades to follow RFC 6857 or RFC 6858.
 *
 * We downgrade the ENVELOPE, the structure the server itself builds from the
 * header, in the way of RFC 6858's synthetic message:
 *
 * - unstructured text (the subject) and phrases (display names, group
 *   names) with 8-bit characters become RFC 2047 encoded words (UTF-8,
 *   base64), which every legacy client decodes for display;
 * - an address whose local part or domain is not ASCII cannot be written
 *   in ASCII at all: it becomes an empty group (RFC 3501 §7.4.2 group
 *   markers) named, in encoded words, after the display name and the
 *   address, so the user still sees who it was and no client replies to a
 *   mangled address;
 * - the date, Message-ID and In-Reply-To, which admit no encoded words
 *   (RFC 2047 §5), read as absent (NIL) when they are not ASCII.
 *
 * Message data (BODY[...], RFC822, BINARY[...]) is sent as stored, 8-bit
 * header bytes included, as literals: rewriting it would change sizes and
 * section offsets that other FETCH items and cached clients rely on, the
 * surrogate troubles RFC 6855 §5 describes. A session that enabled
 * UTF8=ACCEPT gets the envelope unchanged.
 */
import type { Envelope, EnvelopeAddress } from "./types.ts";

/** An encoded word is at most 75 characters (RFC 2047 §2): "=?UTF-8?B?" + 60 base64 + "?=". */
const MAX_WORD_BYTES = 45;

const utf8 = new TextEncoder();

/** Whether `text` holds anything outside 7-bit ASCII. */
function nonAscii(text: string | null): boolean {
  if (text === null) return false;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return true;
  return false;
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/**
 * `text` as RFC 2047 encoded words (charset UTF-8, "B" encoding), separated
 * by single spaces, each at most 75 characters; no character is split across
 * two words (§5 (3): each word must decode on its own).
 */
export function encodeWords(text: string): string {
  const words: string[] = [];
  let chunk: number[] = [];
  for (const ch of text) {
    const bytes = utf8.encode(ch);
    if (chunk.length + bytes.length > MAX_WORD_BYTES) {
      words.push(`=?UTF-8?B?${base64(Uint8Array.from(chunk))}?=`);
      chunk = [];
    }
    chunk.push(...bytes);
  }
  if (chunk.length > 0) words.push(`=?UTF-8?B?${base64(Uint8Array.from(chunk))}?=`);
  return words.join(" ");
}

function phrase(text: string | null): string | null {
  return nonAscii(text) ? encodeWords(text!) : text;
}

function downgradeAddresses(list: EnvelopeAddress[] | null): EnvelopeAddress[] | null {
  if (list === null || !list.some(addressNeedsWork)) return list;
  const out: EnvelopeAddress[] = [];
  for (const a of list) {
    if (a.host === null) {
      // A group start (name in `mailbox`) or end marker (RFC 3501 §7.4.2).
      out.push({ ...a, name: phrase(a.name), mailbox: phrase(a.mailbox) });
    } else if (nonAscii(a.mailbox) || nonAscii(a.host) || nonAscii(a.adl)) {
      const addr = `${a.mailbox ?? ""}@${a.host}`;
      const label = a.name ? `${a.name} <${addr}>` : addr;
      out.push({ name: null, adl: null, mailbox: encodeWords(label), host: null });
      out.push({ name: null, adl: null, mailbox: null, host: null });
    } else {
      out.push({ ...a, name: phrase(a.name) });
    }
  }
  return out;
}

function addressNeedsWork(a: EnvelopeAddress): boolean {
  return nonAscii(a.name) || nonAscii(a.adl) || nonAscii(a.mailbox) || nonAscii(a.host);
}

/** `env` with nothing but ASCII in it (the same object when it already is). */
export function downgradeEnvelope(env: Envelope): Envelope {
  const lists = [env.from, env.sender, env.replyTo, env.to, env.cc, env.bcc];
  const needed = nonAscii(env.date) || nonAscii(env.subject) || nonAscii(env.inReplyTo) ||
    nonAscii(env.messageId) || lists.some((l) => l !== null && l.some(addressNeedsWork));
  if (!needed) return env;
  return {
    date: nonAscii(env.date) ? null : env.date,
    subject: phrase(env.subject),
    from: downgradeAddresses(env.from),
    sender: downgradeAddresses(env.sender),
    replyTo: downgradeAddresses(env.replyTo),
    to: downgradeAddresses(env.to),
    cc: downgradeAddresses(env.cc),
    bcc: downgradeAddresses(env.bcc),
    inReplyTo: nonAscii(env.inReplyTo) ? null : env.inReplyTo,
    messageId: nonAscii(env.messageId) ? null : env.messageId,
  };
}
