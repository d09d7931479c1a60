import type { ResponseEncoder } from "../../wire/encoder.ts";

/**
 * namespace-response = "NAMESPACE" SP namespace SP namespace SP namespace
 * (RFC 2342 §5): one personal namespace with `prefix` and `delimiter`, no
 * other users' and no shared ones.
 */
export function writeNamespace(enc: ResponseEncoder, prefix: string, delimiter: string): void {
  enc.untagged().atom("NAMESPACE ((").string(prefix).sp().string(delimiter).atom(")) NIL NIL")
    .crlf();
}
