/**
 * Mailbox names on the wire: modified UTF-7 (RFC 3501 §5.1.3), INBOX
 * case-insensitive (§5.1), "/" as hierarchy delimiter. Stored names are
 * Unicode; a name that is not valid modified UTF-7 is refused before it
 * reaches the store.
 */
import { HIERARCHY_DELIMITER } from "../store/mail_store.ts";
import { ImapError } from "./errors.ts";

/** Printable ASCII except "&": a name made only of these needs no modified UTF-7. */
const PLAIN_ASCII = /^[\x20-\x25\x27-\x7e]*$/;

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/** Unicode → modified UTF-7. */
export function encodeMailboxName(name: string): string {
  // Most names are printable ASCII without "&": they are their own encoding.
  if (PLAIN_ASCII.test(name)) return name;
  let out = "";
  let pending: number[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const bytes: number[] = [];
    for (const unit of pending) bytes.push(unit >> 8, unit & 0xff);
    let bits = 0;
    let value = 0;
    out += "&";
    for (const b of bytes) {
      value = (value << 8) | b;
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        out += B64[(value >> bits) & 0x3f];
      }
    }
    if (bits > 0) out += B64[(value << (6 - bits)) & 0x3f];
    out += "-";
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) {
      flush();
      out += c === 0x26 ? "&-" : name[i];
    } else {
      pending.push(c);
    }
  }
  flush();
  return out;
}

/** Modified UTF-7 → Unicode, or null when the text is not valid modified UTF-7. */
export function decodeMailboxName(text: string): string | null {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return null; // 8-bit or control: not modified UTF-7
    if (text[i] !== "&") {
      out += text[i];
      continue;
    }
    const end = text.indexOf("-", i + 1);
    if (end < 0) return null;
    if (end === i + 1) {
      out += "&";
      i = end;
      continue;
    }
    let bits = 0;
    let value = 0;
    const units: number[] = [];
    let bytes: number[] = [];
    for (let j = i + 1; j < end; j++) {
      const v = B64.indexOf(text[j]);
      if (v < 0) return null;
      value = ((value << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes.push((value >> bits) & 0xff);
        if (bytes.length === 2) {
          units.push((bytes[0] << 8) | bytes[1]);
          bytes = [];
        }
      }
    }
    // Leftover bits must be zero padding and no odd byte (RFC 3501 / RFC 2152).
    if (bytes.length !== 0 || bits >= 6 || (value & ((1 << bits) - 1)) !== 0) return null;
    const decoded = String.fromCharCode(...units);
    // Printable ASCII must not be base64-encoded.
    if (/[\x20-\x7e]/.test(decoded)) return null;
    if (!decoded.isWellFormed()) return null;
    out += decoded;
    i = end;
  }
  // "&AGE-&AGI-" must be written as one run: reject non-canonical forms.
  return encodeMailboxName(out) === text ? out : null;
}

/** Spells INBOX (any case) and INBOX/... canonically. */
export function canonicalInbox(name: string): string {
  if (name.length >= 5 && name.slice(0, 5).toUpperCase() === "INBOX") {
    if (name.length === 5) return "INBOX";
    if (name[5] === HIERARCHY_DELIMITER) return "INBOX" + name.slice(5);
  }
  return name;
}

/**
 * A mailbox name from a command: decoded, INBOX canonical, a trailing
 * delimiter dropped (RFC 3501 §6.3.3), checked for empty levels and
 * characters a name cannot hold. Throws NO for a bad name.
 */
export function mailboxFromWire(wire: string, utf8 = false): string {
  // RFC 6855 §3: UTF-8 names are Net-Unicode (RFC 5198): normalised to NFC,
  // without C1 controls or the line and paragraph separators.
  const decoded = utf8 ? wire.normalize("NFC") : decodeMailboxName(wire);
  if (decoded === null) {
    throw new ImapError("NO", `Invalid mailbox name "${wire}": not modified UTF-7`, "CANNOT");
  }
  let name = canonicalInbox(decoded);
  if (name.endsWith(HIERARCHY_DELIMITER) && name.length > 1) name = name.slice(0, -1);
  if (name === "") throw new ImapError("NO", "Empty mailbox name", "CANNOT");
  // deno-lint-ignore no-control-regex -- control characters are exactly what is refused
  if (/[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(name)) {
    throw new ImapError("NO", "Mailbox names cannot hold control characters", "CANNOT");
  }
  if (name.split(HIERARCHY_DELIMITER).some((level) => level === "")) {
    throw new ImapError("NO", `Invalid mailbox name "${wire}": empty hierarchy level`, "CANNOT");
  }
  return name;
}

/** A name for new mailboxes: wildcards are not allowed in it (they would be ambiguous in LIST). */
export function newMailboxFromWire(wire: string, utf8 = false): string {
  const name = mailboxFromWire(wire, utf8);
  if (/[*%]/.test(name)) throw new ImapError("NO", "Mailbox names cannot hold * or %", "CANNOT");
  return name;
}

/** Unicode → what goes on the wire for this session. */
export function mailboxToWire(name: string, utf8 = false): string {
  return utf8 ? name : encodeMailboxName(name);
}

const STAR = Symbol("*");
const PERCENT = Symbol("%");

/**
 * LIST pattern matching (RFC 3501 §6.3.8): "*" matches anything, "%"
 * anything but the hierarchy delimiter. Patterns are matched on Unicode
 * names, code point by code point.
 *
 * The pattern is client input, so it never becomes a RegExp (a backtracking
 * engine takes exponential time on "%%%%…"). It is compiled into a small
 * automaton run bit-parallel (shift-and): state i means "the first i
 * tokens are matched", one bit per state, and each character of a name
 * costs one pass over ceil(states / 32) words. Matching is linear in the
 * name's length for a given pattern, and a run of wildcards collapses into
 * one ("%%" = "%", and any run holding "*" = "*").
 */
export function listMatcher(pattern: string): (name: string) => boolean {
  const tokens: (string | typeof STAR | typeof PERCENT)[] = [];
  for (const ch of pattern) {
    const last = tokens[tokens.length - 1];
    if (ch === "*" || ch === "%") {
      const wild = ch === "*" ? STAR : PERCENT;
      if (last === STAR) continue;
      if (last === PERCENT) tokens[tokens.length - 1] = wild;
      else tokens.push(wild);
    } else {
      tokens.push(ch);
    }
  }
  // "*" alone (the usual LIST of everything) matches every name.
  if (tokens.length === 1 && tokens[0] === STAR) return () => true;
  const k = tokens.length;
  const words = (k >> 5) + 1; // bits 0..k
  const star = new Uint32Array(words);
  const percent = new Uint32Array(words);
  const literal = new Map<string, Uint32Array>();
  tokens.forEach((t, i) => {
    const bit = 1 << (i & 31);
    if (t === STAR) star[i >> 5] |= bit;
    else if (t === PERCENT) percent[i >> 5] |= bit;
    else {
      let mask = literal.get(t);
      if (!mask) literal.set(t, mask = new Uint32Array(words));
      mask[i >> 5] |= bit;
    }
  });
  const acceptWord = k >> 5;
  const acceptBit = 1 << (k & 31);
  let state = new Uint32Array(words);
  let next = new Uint32Array(words);
  /** Adds state i+1 for every active state i that is a wildcard (it may match nothing). */
  const closure = (s: Uint32Array) => {
    // Wildcards never follow each other, so one step reaches the closure.
    let carry = 0;
    for (let w = 0; w < words; w++) {
      const wild = (s[w] & (star[w] | percent[w])) >>> 0;
      s[w] = (s[w] | (wild << 1) | carry) >>> 0;
      carry = wild >>> 31;
    }
  };
  return (name) => {
    state.fill(0);
    state[0] = 1;
    closure(state);
    for (const ch of name) {
      const lit = literal.get(ch);
      const notDelimiter = ch !== HIERARCHY_DELIMITER;
      let carry = 0;
      let any = 0;
      for (let w = 0; w < words; w++) {
        const s = state[w];
        const advanced = lit ? (s & lit[w]) >>> 0 : 0;
        let v = ((advanced << 1) | carry | (s & star[w])) >>> 0;
        if (notDelimiter) v = (v | (s & percent[w])) >>> 0;
        carry = advanced >>> 31;
        next[w] = v;
        any |= v;
      }
      if (any === 0) return false;
      closure(next);
      [state, next] = [next, state];
    }
    return (state[acceptWord] & acceptBit) !== 0;
  };
}
