/** Line-end normalization for messages that arrive with bare LF. */
import { CR, LF } from "./_bytes.ts";

/**
 * The message with every bare LF (and bare CR) turned into CRLF, or the
 * same array when it has none. IMAP sizes and offsets count CRLF line ends
 * (RFC 3501 §2.3.4 measures the message as sent), so a store that accepts
 * bare-LF input should normalize before `parseMessage()`.
 */
export function toCrlf(bytes: Uint8Array): Uint8Array {
  let extra = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === LF && (i === 0 || bytes[i - 1] !== CR)) extra++;
    else if (c === CR && bytes[i + 1] !== LF) extra++;
  }
  if (extra === 0) return bytes;
  const out = new Uint8Array(bytes.length + extra);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === LF && (i === 0 || bytes[i - 1] !== CR)) {
      out[o++] = CR;
      out[o++] = LF;
    } else if (c === CR && bytes[i + 1] !== LF) {
      out[o++] = CR;
      out[o++] = LF;
    } else {
      out[o++] = c;
    }
  }
  return out;
}
