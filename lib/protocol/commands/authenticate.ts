import { type CommandParser, ParseError } from "../../wire/parser.ts";

/**
 * authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]
 * (RFC 3501 §6.2.2, initial response from RFC 4959 SASL-IR).
 */
export interface AuthenticateArgs {
  mechanism: string;
  /** Decoded initial response: null when absent, empty for "=". */
  initialResponse: Uint8Array | null;
}

export function parseAuthenticate(p: CommandParser): AuthenticateArgs {
  p.sp();
  const mechanism = p.atom().toUpperCase();
  let initialResponse: Uint8Array | null = null;
  if (p.maybeSp()) {
    const text = p.takeWhile((b) => b !== 0x20, "an initial response");
    initialResponse = decodeSaslLine(text);
    if (initialResponse === null) throw new ParseError("Invalid base64 in the initial response");
  }
  p.end();
  return { mechanism, initialResponse };
}

/** A client SASL line: base64, or "=" for an empty response (RFC 4959 §3). */
export function decodeSaslLine(text: string): Uint8Array | null {
  if (text === "=") return new Uint8Array(0);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  try {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

export function encodeSaslChallenge(data: Uint8Array): string {
  let bin = "";
  for (const b of data) bin += String.fromCharCode(b);
  return btoa(bin);
}
