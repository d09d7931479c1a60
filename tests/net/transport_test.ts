/** lib/net/transport.ts: the read buffer of a connection, small while it is quiet. */
import assert from "node:assert/strict";
import { ReadBuffer } from "../../lib/net/transport.ts";

Deno.test("`ReadBuffer` reads into a small buffer until a read fills it, and returns to it when data stops streaming", () => {
  const reads = new ReadBuffer();
  const quiet = reads.next;
  assert.ok(quiet.length <= 4096, `a quiet connection reads into ${quiet.length} bytes`);
  reads.filled(100);
  assert.equal(reads.next, quiet);
  reads.filled(quiet.length);
  const large = reads.next;
  assert.ok(large.length >= 64 * 1024);
  // Partly filled large reads keep the large buffer (a literal arriving in pieces).
  reads.filled(20_000);
  assert.equal(reads.next, large);
  reads.filled(large.length);
  assert.equal(reads.next, large);
  // A read that the small buffer would have held: the stream went quiet.
  reads.filled(30);
  assert.equal(reads.next, quiet);
});
