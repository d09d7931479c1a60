import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/errors.ts";
import { parseNormalizer } from "../../lib/config/values.ts";

Deno.test("`parseNormalizer()` names the key path of an unknown function", () => {
  assert.equal(parseNormalizer("precis", "imap.auth_map_normalize"), "precis");
  assert.throws(
    () => parseNormalizer("lowercase", "imap.auth_map_normalize"),
    (e: unknown) =>
      e instanceof ConfigError && e.keyPath === "imap.auth_map_normalize" &&
      /"lowercase"/.test(e.message),
  );
});
