// TEMPORARY: replaced by the MIME engineer's parser.
// A minimal parser so the store can be built and tested before lib/mime lands:
// header split, a basic ENVELOPE, and a BODYSTRUCTURE for single parts and
// simple multiparts. Not RFC-complete; do not build on it.
import type {
  BodyParams,
  BodyStructure,
  Envelope,
  EnvelopeAddress,
  ParsedMessage,
} from "./types.ts";

const latin1 = new TextDecoder("latin1");

function headerEnd(bytes: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    if (bytes[i] !== 10) continue;
    if (i + 1 < to && bytes[i + 1] === 10) return i + 2;
    if (i + 2 < to && bytes[i + 1] === 13 && bytes[i + 2] === 10) return i + 3;
  }
  return to;
}

function parseHeaders(text: string): Map<string, string> {
  const map = new Map<string, string>();
  const unfolded = text.replace(/\r?\n[ \t]/g, " ");
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!map.has(name)) map.set(name, line.slice(colon + 1).trim());
  }
  return map;
}

function parseAddresses(value: string | undefined): EnvelopeAddress[] | null {
  if (!value) return null;
  const out: EnvelopeAddress[] = [];
  const one = (s: string) => {
    s = s.trim();
    if (!s) return;
    const m = /^(.*)<([^>]*)>$/.exec(s);
    const name = m ? m[1].trim().replace(/^"(.*)"$/, "$1") || null : null;
    const addr = (m ? m[2] : s).trim();
    const at = addr.lastIndexOf("@");
    out.push({
      name,
      adl: null,
      mailbox: at >= 0 ? addr.slice(0, at) : addr,
      host: at >= 0 ? addr.slice(at + 1) : "",
    });
  };
  for (const piece of value.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const g = /^\s*([^:"<]+):(.*?);?\s*$/.exec(piece);
    if (g && g[2].includes("@")) {
      out.push({ name: null, adl: null, mailbox: g[1].trim(), host: null });
      for (const a of g[2].split(",")) one(a);
      out.push({ name: null, adl: null, mailbox: null, host: null });
    } else one(piece);
  }
  return out.length ? out : null;
}

function envelopeOf(h: Map<string, string>): Envelope {
  const from = parseAddresses(h.get("from"));
  return {
    date: h.get("date") ?? null,
    subject: h.get("subject") ?? null,
    from,
    sender: parseAddresses(h.get("sender")) ?? from,
    replyTo: parseAddresses(h.get("reply-to")) ?? from,
    to: parseAddresses(h.get("to")),
    cc: parseAddresses(h.get("cc")),
    bcc: parseAddresses(h.get("bcc")),
    inReplyTo: h.get("in-reply-to") ?? null,
    messageId: h.get("message-id") ?? null,
  };
}

function parseContentType(value: string | undefined): [string, string, BodyParams] {
  const parts = (value ?? "text/plain; charset=us-ascii").split(";");
  const [type, subtype] = parts[0].trim().toLowerCase().split("/");
  const params: BodyParams = [];
  for (const p of parts.slice(1)) {
    const eq = p.indexOf("=");
    if (eq > 0) {
      params.push([p.slice(0, eq).trim(), p.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1")]);
    }
  }
  return [type || "text", subtype || "plain", params];
}

function countLines(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (bytes[i] === 10) n++;
  return n;
}

function parsePart(bytes: Uint8Array, start: number, end: number, depth: number): BodyStructure {
  const hEnd = headerEnd(bytes, start, end);
  const h = parseHeaders(latin1.decode(bytes.subarray(start, hEnd)));
  const [type, subtype, params] = parseContentType(h.get("content-type"));
  const base = {
    headerStart: start,
    bodyStart: hEnd,
    bodyEnd: end,
    md5: h.get("content-md5") ?? null,
    disposition: null,
    language: null,
    location: null,
  };
  const boundary = params.find(([k]) => k.toLowerCase() === "boundary")?.[1];
  if (type === "multipart" && boundary && depth < 20) {
    const text = latin1.decode(bytes.subarray(hEnd, end));
    const delim = "--" + boundary;
    const parts: BodyStructure[] = [];
    let pos = text.indexOf(delim);
    while (pos >= 0) {
      let lineEnd = text.indexOf("\n", pos);
      if (text.startsWith(delim + "--", pos) || lineEnd < 0) break;
      lineEnd++;
      let next = text.indexOf("\n" + delim, lineEnd);
      if (next < 0) next = text.length;
      let partEnd = next;
      if (partEnd > lineEnd && text[partEnd - 1] === "\r") partEnd--;
      parts.push(parsePart(bytes, hEnd + lineEnd, hEnd + Math.max(lineEnd, partEnd), depth + 1));
      pos = next < text.length ? next + 1 : -1;
    }
    return { ...base, kind: "multipart", subtype, params, parts };
  }
  return {
    ...base,
    kind: "single",
    type,
    subtype,
    params,
    id: h.get("content-id") ?? null,
    description: h.get("content-description") ?? null,
    encoding: (h.get("content-transfer-encoding") ?? "7BIT").toUpperCase(),
    size: end - hEnd,
    lines: type === "text" ? countLines(bytes, hEnd, end) : null,
  };
}

export function parseMessage(bytes: Uint8Array): ParsedMessage {
  const hEnd = headerEnd(bytes, 0, bytes.length);
  const h = parseHeaders(latin1.decode(bytes.subarray(0, hEnd)));
  return { headerSize: hEnd, envelope: envelopeOf(h), body: parsePart(bytes, 0, bytes.length, 0) };
}
