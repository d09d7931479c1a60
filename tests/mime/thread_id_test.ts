import assert from "node:assert/strict";
import { threadObjectId, threadRoot } from "../../lib/mime/mod.ts";

const h = (text: string) => new TextEncoder().encode(text);

Deno.test("`threadRoot()` takes the first of References, else In-Reply-To, else Message-ID", () => {
  assert.equal(threadRoot(h("Message-ID: <a@x>\r\n\r\n")), "a@x");
  assert.equal(threadRoot(h("Message-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\n\r\n")), "a@x");
  assert.equal(
    threadRoot(h("Message-ID: <c@x>\r\nIn-Reply-To: <b@x>\r\nReferences: <a@x>\r\n <b@x>\r\n\r\n")),
    "a@x",
  );
  assert.equal(threadRoot(h("Subject: none\r\n\r\n")), null);
  // A header that names no usable msg-id: none.
  assert.equal(threadRoot(h("Message-ID: nonsense\r\nReferences: <>\r\n\r\n")), null);
  // Parsing stops at the empty line: a body line is not a field.
  assert.equal(threadRoot(h("Subject: x\r\n\r\nMessage-ID: <z@x>\r\n")), null);
});

Deno.test("`threadObjectId()` is an objectid, the same for a thread, from header or whole message", () => {
  const root = threadObjectId(h("Message-ID: <a@x>\r\n\r\nbody"));
  assert.match(root, /^T[0-9a-f]{32}$/);
  assert.equal(threadObjectId(h("Message-ID: <b@x>\r\nReferences: <a@x>\r\n\r\n")), root);
  assert.notEqual(threadObjectId(h("Message-ID: <b@x>\r\n\r\n")), root);
  // Without a msg-id, the header decides, with or without the body after it.
  const bare = h("Subject: x\r\n\r\n");
  assert.equal(threadObjectId(h("Subject: x\r\n\r\nanything")), threadObjectId(bare));
  assert.notEqual(threadObjectId(h("Subject: y\r\n\r\n")), threadObjectId(bare));
});
