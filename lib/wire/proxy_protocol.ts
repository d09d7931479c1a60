/**
 * HAProxy PROXY protocol headers, version 1 (text) and 2 (binary), as the
 * HAProxy "proxy-protocol.txt" specification defines them. Pure: bytes in,
 * a verdict out.
 */

export interface ProxyAddress {
  address: string;
  port: number;
}

export type ProxyResult =
  | { kind: "need-more" }
  | { kind: "none" } // the bytes do not start a PROXY header
  | { kind: "invalid"; message: string }
  | {
    kind: "header";
    version: 1 | 2;
    /** Bytes the header took; what follows belongs to the proxied stream. */
    consumed: number;
    /** The original client, or null for UNKNOWN / LOCAL (health checks). */
    source: ProxyAddress | null;
    destination: ProxyAddress | null;
  };

const V1_PREFIX = new TextEncoder().encode("PROXY ");
const V2_SIGNATURE = new Uint8Array([
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
]);
/** A v1 line is at most 107 bytes including CRLF (spec §2.1). */
const V1_MAX = 107;

function startsWithPartial(buf: Uint8Array, sig: Uint8Array): "yes" | "no" | "maybe" {
  const n = Math.min(buf.length, sig.length);
  for (let i = 0; i < n; i++) if (buf[i] !== sig[i]) return "no";
  return buf.length >= sig.length ? "yes" : "maybe";
}

export function parseProxyHeader(buf: Uint8Array): ProxyResult {
  if (buf.length === 0) return { kind: "need-more" };
  const v2 = startsWithPartial(buf, V2_SIGNATURE);
  if (v2 === "yes") return parseV2(buf);
  const v1 = startsWithPartial(buf, V1_PREFIX);
  if (v1 === "yes") return parseV1(buf);
  if (v2 === "maybe" || v1 === "maybe") return { kind: "need-more" };
  return { kind: "none" };
}

function parseV1(buf: Uint8Array): ProxyResult {
  const limit = Math.min(buf.length, V1_MAX);
  let lf = -1;
  for (let i = 0; i < limit; i++) {
    if (buf[i] === 0x0a) {
      lf = i;
      break;
    }
  }
  if (lf < 0) {
    return buf.length >= V1_MAX
      ? { kind: "invalid", message: "PROXY v1 header is longer than 107 bytes" }
      : { kind: "need-more" };
  }
  if (lf === 0 || buf[lf - 1] !== 0x0d) {
    return { kind: "invalid", message: "PROXY v1 header does not end with CRLF" };
  }
  const line = new TextDecoder().decode(buf.subarray(0, lf - 1));
  const parts = line.split(" ");
  const consumed = lf + 1;
  if (parts[1] === "UNKNOWN") {
    return { kind: "header", version: 1, consumed, source: null, destination: null };
  }
  if (parts.length !== 6 || (parts[1] !== "TCP4" && parts[1] !== "TCP6")) {
    return { kind: "invalid", message: `Malformed PROXY v1 header "${line}"` };
  }
  const [, family, src, dst, sport, dport] = parts;
  const ok = family === "TCP4" ? isIPv4(src) && isIPv4(dst) : isIPv6(src) && isIPv6(dst);
  const sp = parsePort(sport);
  const dp = parsePort(dport);
  if (!ok || sp === null || dp === null) {
    return { kind: "invalid", message: `Malformed PROXY v1 header "${line}"` };
  }
  return {
    kind: "header",
    version: 1,
    consumed,
    source: { address: src, port: sp },
    destination: { address: dst, port: dp },
  };
}

function parseV2(buf: Uint8Array): ProxyResult {
  if (buf.length < 16) return { kind: "need-more" };
  const verCmd = buf[12];
  if (verCmd >> 4 !== 2) return { kind: "invalid", message: "PROXY v2 header has a bad version" };
  const command = verCmd & 0x0f;
  if (command > 1) return { kind: "invalid", message: "PROXY v2 header has an unknown command" };
  const famProto = buf[13];
  const length = (buf[14] << 8) | buf[15];
  const consumed = 16 + length;
  if (buf.length < consumed) return { kind: "need-more" };
  const body = buf.subarray(16, consumed);
  // LOCAL: the proxy speaks for itself (health checks); keep the real peer.
  if (command === 0) {
    return { kind: "header", version: 2, consumed, source: null, destination: null };
  }
  const family = famProto >> 4;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (family === 1) { // AF_INET
    if (body.length < 12) return { kind: "invalid", message: "PROXY v2 IPv4 block is too short" };
    return {
      kind: "header",
      version: 2,
      consumed,
      source: { address: ipv4(body.subarray(0, 4)), port: view.getUint16(8) },
      destination: { address: ipv4(body.subarray(4, 8)), port: view.getUint16(10) },
    };
  }
  if (family === 2) { // AF_INET6
    if (body.length < 36) return { kind: "invalid", message: "PROXY v2 IPv6 block is too short" };
    return {
      kind: "header",
      version: 2,
      consumed,
      source: { address: ipv6(body.subarray(0, 16)), port: view.getUint16(32) },
      destination: { address: ipv6(body.subarray(16, 32)), port: view.getUint16(34) },
    };
  }
  // AF_UNSPEC or AF_UNIX: no usable address (spec §2.2); keep the real peer.
  return { kind: "header", version: 2, consumed, source: null, destination: null };
}

function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n <= 65535 ? n : null;
}

function ipv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

function ipv6(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] << 8) | b[i + 1]).toString(16));
  return compressIPv6(groups);
}

/** RFC 5952 text form: the longest run of two or more zero groups becomes "::". */
function compressIPv6(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(":");
  return groups.slice(0, bestStart).join(":") + "::" +
    groups.slice(bestStart + bestLen).join(":");
}

export function isIPv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 &&
    parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function isIPv6(text: string): boolean {
  return parseIPv6(text) !== null;
}

/** Parses an IPv6 address into 16 bytes (an embedded IPv4 tail allowed). */
export function parseIPv6(text: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseSide = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        if (!isIPv4(p)) return null;
        const [a, b, c, d] = p.split(".").map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = parseSide(halves[0]);
  const tail = halves.length === 2 ? parseSide(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

/** Builds a v2 header (for tests and for tools that speak to a proxied port). */
export function buildProxyV2(source: ProxyAddress, destination: ProxyAddress): Uint8Array {
  const v6 = isIPv6(source.address);
  const length = v6 ? 36 : 12;
  const out = new Uint8Array(16 + length);
  out.set(V2_SIGNATURE);
  out[12] = 0x21; // version 2, PROXY
  out[13] = v6 ? 0x21 : 0x11; // AF_INET6/AF_INET, STREAM
  out[14] = 0;
  out[15] = length;
  const view = new DataView(out.buffer);
  if (v6) {
    out.set(parseIPv6(source.address)!, 16);
    out.set(parseIPv6(destination.address)!, 32);
    view.setUint16(48, source.port);
    view.setUint16(50, destination.port);
  } else {
    out.set(source.address.split(".").map(Number), 16);
    out.set(destination.address.split(".").map(Number), 20);
    view.setUint16(24, source.port);
    view.setUint16(26, destination.port);
  }
  return out;
}
