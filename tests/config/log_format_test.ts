import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/config.ts";

const BASE = `
[imap]
listen = ["tcp://127.0.0.1:1143"]
auth = "pam"
storage = "&m"
[storage.imapsql.m]
dsn = "imapsql.db"
`;

Deno.test("`log_format` is text by default, json on request, and nothing else", () => {
  assert.equal(parseConfig(BASE, "/etc/x.toml").logFormat, "text");
  assert.equal(parseConfig(`log_format = "json"\n${BASE}`, "/etc/x.toml").logFormat, "json");
  assert.throws(
    () => parseConfig(`log_format = "xml"\n${BASE}`, "/etc/x.toml"),
    /x\.toml:1: log_format: expected "text" or "json", got "xml"/,
  );
});
