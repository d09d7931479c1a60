import assert from "node:assert/strict";
import { buildProxyV2, parseProxyHeader } from "../../lib/net/proxy_protocol.ts";

const enc = new TextEncoder();

Deno.test("`parseProxyHeader()` reads a v1 TCP4 header and says how much it took", () => {
  const bytes = enc.encode("PROXY TCP4 203.0.113.7 10.0.0.1 51000 143\r\na1 NOOP\r\n");
  const r = parseProxyHeader(bytes);
  assert.equal(r.kind, "header");
  if (r.kind !== "header") return;
  assert.deepEqual(r.source, { address: "203.0.113.7", port: 51000 });
  assert.equal(new TextDecoder().decode(bytes.subarray(r.consumed)), "a1 NOOP\r\n");
});

Deno.test("`parseProxyHeader()` asks for more on every prefix of a header", () => {
  const v1 = enc.encode("PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n");
  const v2 = buildProxyV2({ address: "2001:db8::5", port: 7 }, { address: "::1", port: 993 });
  for (const h of [v1, v2]) {
    for (let i = 1; i < h.length; i++) {
      assert.equal(parseProxyHeader(h.subarray(0, i)).kind, "need-more", `prefix ${i}`);
    }
    assert.equal(parseProxyHeader(h).kind, "header");
  }
});

Deno.test("`parseProxyHeader()` reads v2 IPv4 and IPv6 addresses", () => {
  const r4 = parseProxyHeader(buildProxyV2({ address: "198.51.100.9", port: 4000 }, {
    address: "127.0.0.1",
    port: 143,
  }));
  assert.equal(r4.kind === "header" && r4.source?.address, "198.51.100.9");
  const r6 = parseProxyHeader(buildProxyV2({ address: "2001:db8::5", port: 7 }, {
    address: "::1",
    port: 993,
  }));
  assert.equal(r6.kind === "header" && r6.source?.address, "2001:db8::5");
  assert.equal(r6.kind === "header" && r6.source?.port, 7);
});

Deno.test("`parseProxyHeader()` says none for IMAP and TLS bytes, invalid for junk after PROXY", () => {
  assert.equal(parseProxyHeader(enc.encode("a1 NOOP\r\n")).kind, "none");
  assert.equal(parseProxyHeader(new Uint8Array([0x16, 0x03, 0x01])).kind, "none");
  assert.equal(parseProxyHeader(enc.encode("PROXY TCP4 x y 1 2\r\n")).kind, "invalid");
  assert.equal(parseProxyHeader(enc.encode("PROXY " + "9".repeat(120))).kind, "invalid");
});
