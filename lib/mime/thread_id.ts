/**
 * THREADID (RFC 8474 §5.2) from a message's own header: the id of the
 * thread's first message, as the message names it. That is the first
 * msg-id of References (RFC 5322 §3.6.4 keeps the first entry when a long
 * list is trimmed), else the first of In-Reply-To, else the message's own
 * Message-ID: a root and its replies that carry References share it.
 *
 * A pure function of the header, so a message keeps its THREADID through
 * COPY and MOVE, identical messages (one EMAILID) have one THREADID (§5.2
 * MUST), and a THREADID once reported never changes. It groups less than a
 * full threading algorithm would: a reply that has only In-Reply-To to a
 * message deeper than the root starts from that message instead.
 */
import { fieldValue, parseHeaderFields } from "./header.ts";

/** The msg-ids "<...>" of a field value, in order (RFC 5322 §3.6.4; lenient inside). */
function msgIds(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < value.length) {
    const open = value.indexOf("<", i);
    if (open < 0) break;
    const close = value.indexOf(">", open + 1);
    if (close < 0) break;
    const id = value.slice(open + 1, close).trim();
    if (id !== "" && !/\s/.test(id)) out.push(id);
    i = close + 1;
  }
  return out;
}

/** The thread's root msg-id as this message names it, or null when it names none. */
export function threadRoot(header: Uint8Array): string | null {
  let references: string | null = null;
  let inReplyTo: string | null = null;
  let messageId: string | null = null;
  for (const f of parseHeaderFields(header)) {
    const name = f.name.toLowerCase();
    if (name === "references" && references === null) {
      references = msgIds(fieldValue(header, f))[0] ?? null;
    } else if (name === "in-reply-to" && inReplyTo === null) {
      inReplyTo = msgIds(fieldValue(header, f))[0] ?? null;
    } else if (name === "message-id" && messageId === null) {
      messageId = msgIds(fieldValue(header, f))[0] ?? null;
    }
  }
  return references ?? inReplyTo ?? messageId;
}

/**
 * objectid = 1*255(ALPHA / DIGIT / "_" / "-") (RFC 8474 §7): "T" and a
 * 128-bit digest of the root msg-id in hex (of the whole header when the
 * message names no msg-id), so the id says nothing of the Message-ID.
 * `header` is the header block, or the whole message (parsing stops at the
 * empty line).
 */
export function threadObjectId(header: Uint8Array): string {
  const root = threadRoot(header);
  if (root !== null) return `T${digest128(new TextEncoder().encode(`<${root}>`))}`;
  // The header block only (its fields), whether `header` ends there or the body follows.
  const end = parseHeaderFields(header).at(-1)?.end ?? 0;
  return `T${digest128(header.subarray(0, end))}`;
}

/**
 * Two 64-bit FNV-1a hashes with different offsets, as 32 hex digits: no
 * cryptographic claim, only a spread wide enough that two threads of one
 * account share an id with negligible chance. Synchronous, so SEARCH can
 * compare it message by message.
 */
function digest128(data: Uint8Array): string {
  const PRIME = 0x100000001b3n;
  const MASK = 0xffffffffffffffffn;
  let a = 0xcbf29ce484222325n;
  let b = 0x84222325cbf29ce4n;
  for (const byte of data) {
    a = ((a ^ BigInt(byte)) * PRIME) & MASK;
    b = ((b ^ BigInt(byte ^ 0x5c)) * PRIME) & MASK;
  }
  return a.toString(16).padStart(16, "0") + b.toString(16).padStart(16, "0");
}
