import assert from "node:assert/strict";
import { parseMessageUrl } from "../../lib/protocol/imap_url.ts";

Deno.test("`parseMessageUrl()` reads an absolute path with UIDVALIDITY, SECTION and PARTIAL", () => {
  assert.deepEqual(
    parseMessageUrl(
      "/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER.FIELDS%20(TO)/;PARTIAL=5.10",
    ),
    {
      user: null,
      mailbox: "Drafts",
      uidValidity: 385759045,
      uid: 20,
      section: { part: [], text: "HEADER.FIELDS", fields: ["TO"] },
      partial: { origin: 5, count: 10 },
    },
  );
});

Deno.test("`parseMessageUrl()` reads imap:// with a user, a nested mailbox and UTF-8", () => {
  const url = parseMessageUrl(
    "imap://j%40x.org;AUTH=*@mail.x.org:143/Lists/caf%C3%A9/;UID=7/;SECTION=1.2.MIME",
  );
  assert.equal(url.user, "j@x.org");
  assert.equal(url.mailbox, "Lists/café");
  assert.equal(url.uid, 7);
  assert.deepEqual(url.section, { part: [1, 2], text: "MIME", fields: [] });
  assert.equal(url.partial, null);
  assert.equal(parseMessageUrl("IMAP://host/INBOX/;uid=1/;partial=3").partial?.count, null);
});

Deno.test("`parseMessageUrl()` refuses what CATENATE cannot use", () => {
  const bad = [
    ";UID=1", // relative to the selected mailbox: not accepted
    "http://x/INBOX/;UID=1",
    "/INBOX",
    "/INBOX/;UID=0",
    "/INBOX/;UID=99999999999",
    "/INBOX/;UID=1/;SECTION=0",
    "/INBOX/;UID=1/;SECTION=HEADER.FIELDS%20(TO",
    "/INBOX/;UID=1;URLAUTH=anonymous:internal:00",
    "/INB%ZZOX/;UID=1",
    "/%FF/;UID=1",
    "/INBOX/;UID=1/extra",
  ];
  for (const url of bad) assert.throws(() => parseMessageUrl(url), Error, url);
});
