import assert from "node:assert/strict";
import { cidrContains, parseCidr } from "../../lib/net/cidr.ts";

Deno.test("`parseCidr()` treats a bare address as a single host", () => {
  const v4 = parseCidr("127.0.0.1")!;
  assert.equal(v4.prefix, 32);
  assert.ok(cidrContains(v4, "127.0.0.1"));
  assert.ok(!cidrContains(v4, "127.0.0.2"));
  const v6 = parseCidr("::1")!;
  assert.equal(v6.prefix, 128);
  assert.ok(cidrContains(v6, "::1"));
  assert.ok(!cidrContains(v6, "::2"));
});

Deno.test("`cidrContains()` matches networks of both families and mapped IPv4", () => {
  const net = parseCidr("192.168.0.1/24")!;
  assert.ok(cidrContains(net, "192.168.0.200"));
  assert.ok(cidrContains(net, "::ffff:192.168.0.9"));
  assert.ok(!cidrContains(net, "192.168.1.1"));
  const v6 = parseCidr("2001:db8::/32")!;
  assert.ok(cidrContains(v6, "2001:db8:ffff::1"));
  assert.ok(!cidrContains(v6, "2001:db9::1"));
  assert.ok(!cidrContains(v6, "10.0.0.1"));
});

Deno.test("`parseCidr()` rejects bad networks", () => {
  for (const bad of ["300.1.1.1", "10.0.0.0/33", "::1/129", "x", "1.2.3.4/8/9", "::1::2"]) {
    assert.equal(parseCidr(bad), null, bad);
  }
});
