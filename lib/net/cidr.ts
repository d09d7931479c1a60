/**
 * IP networks for `proxy_protocol.trust`: "127.0.0.1", "::1",
 * "192.168.0.1/24", "fd00::/8". A bare address is a /32 or /128 network.
 */
import type { Cidr } from "../config/types.ts";
import { addressBytes } from "./ip.ts";

export type { Cidr } from "../config/types.ts";

export function parseCidr(text: string): Cidr | null {
  const [addr, len, extra] = text.split("/");
  if (extra !== undefined) return null;
  const bytes = addressBytes(addr);
  if (!bytes) return null;
  const max = bytes.length * 8;
  let prefix = max;
  if (len !== undefined) {
    if (!/^\d{1,3}$/.test(len) || Number(len) > max) return null;
    prefix = Number(len);
  }
  return { text, bytes, prefix };
}

export function cidrContains(cidr: Cidr, address: string): boolean {
  const bytes = addressBytes(address);
  if (!bytes || bytes.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i] & mask) !== (cidr.bytes[i] & mask)) return false;
  }
  return true;
}
