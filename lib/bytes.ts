/**
 * Byte-array helpers every layer may use (pure: no `Deno.*`, no I/O).
 */

/** Joins chunks into one array; a single chunk is returned as it is, not copied. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
