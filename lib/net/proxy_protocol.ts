/**
 * HAProxy PROXY protocol headers, version 1 (text) and 2 (binary), as the
 * HAProxy "proxy-protocol.txt" specification defines them. Pure: bytes in,
 * a verdict out.
 */
import { formatIPv4, formatIPv6, isIPv4, isIPv6, parseIPv6 } from "./ip.ts";

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
      source: { address: formatIPv4(body.subarray(0, 4)), port: view.getUint16(8) },
      destination: { address: formatIPv4(body.subarray(4, 8)), port: view.getUint16(10) },
    };
  }
  if (family === 2) { // AF_INET6
    if (body.length < 36) return { kind: "invalid", message: "PROXY v2 IPv6 block is too short" };
    return {
      kind: "header",
      version: 2,
      consumed,
      source: { address: formatIPv6(body.subarray(0, 16)), port: view.getUint16(32) },
      destination: { address: formatIPv6(body.subarray(16, 32)), port: view.getUint16(34) },
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
