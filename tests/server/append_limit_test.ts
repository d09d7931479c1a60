import assert from "node:assert/strict";
import { appendLimitCapability } from "../../lib/server/append_limit.ts";
import { appendLimitIn, largestAppendLimit } from "../../lib/store/mail_store.ts";

Deno.test("`appendLimitIn()` takes a mailbox's own limit, else the account's", () => {
  const limits = { account: 1000, mailboxes: { 7: 50, 9: 5000 } };
  assert.equal(appendLimitIn(limits, 7), 50);
  assert.equal(appendLimitIn(limits, 8), 1000);
  assert.equal(appendLimitIn(limits, null), 1000);
  assert.equal(largestAppendLimit(limits), 5000);
  assert.equal(largestAppendLimit({ account: 1000, mailboxes: {} }), 1000);
});

Deno.test("`appendLimitCapability()` has a value only when every mailbox has the same limit (RFC 7889)", () => {
  assert.equal(appendLimitCapability({ account: 1000, mailboxes: {} }), "APPENDLIMIT=1000");
  assert.equal(
    appendLimitCapability({ account: 1000, mailboxes: { 3: 1000 } }),
    "APPENDLIMIT=1000",
  );
  assert.equal(appendLimitCapability({ account: 1000, mailboxes: { 3: 10 } }), "APPENDLIMIT");
});
