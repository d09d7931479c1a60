import type { ResponseEncoder } from "../../wire/encoder.ts";

/** capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev1" ... (RFC 3501 §7.2.1) */
export function writeCapability(enc: ResponseEncoder, capabilities: readonly string[]): void {
  enc.untagged().atom("CAPABILITY");
  for (const c of capabilities) enc.sp().atom(c);
  enc.crlf();
}
