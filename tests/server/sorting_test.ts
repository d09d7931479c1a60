import assert from "node:assert/strict";
import type { Envelope, EnvelopeAddress } from "../../lib/mime/types.ts";
import { messageDate, type SortInput, sortMessages } from "../../lib/server/sorting.ts";
import type { SortCriterion } from "../../lib/protocol/commands/sort.ts";

const addr = (mailbox: string, host = "x.org"): EnvelopeAddress => ({
  name: null,
  adl: null,
  mailbox,
  host,
});

function env(fields: Partial<Envelope>): Envelope {
  return {
    date: null,
    subject: null,
    from: null,
    sender: null,
    replyTo: null,
    to: null,
    cc: null,
    bcc: null,
    inReplyTo: null,
    messageId: null,
    ...fields,
  };
}

function m(uid: number, arrival: string, size: number, e: Partial<Envelope>): SortInput {
  return { uid, internalDate: new Date(arrival), size, envelope: env(e) };
}

const uids = (ms: SortInput[], criteria: SortCriterion[]) =>
  sortMessages(ms, criteria).map((x) => x.uid);
const by = (...keys: string[]): SortCriterion[] =>
  keys.map((k) => {
    const reverse = k.startsWith("-");
    return { key: k.replace("-", "") as SortCriterion["key"], reverse };
  });

const box = [
  m(1, "2024-01-03T00:00:00Z", 300, {
    date: "Wed, 3 Jan 2024 10:00:00 +0000",
    subject: "Re: banana",
    from: [addr("carol")],
    to: [addr("zed")],
  }),
  m(2, "2024-01-01T00:00:00Z", 100, {
    date: "Mon, 1 Jan 2024 23:00:00 -0500", // 2 Jan 04:00 UTC
    subject: "Apple",
    from: [addr("Bob")],
    to: [addr("amy")],
    cc: [addr("x")],
  }),
  m(3, "2024-01-02T00:00:00Z", 200, {
    date: null, // falls back to the internal date, 2 Jan 00:00 UTC
    subject: "[list] Cherry",
    from: [{ name: null, adl: null, mailbox: "team", host: null }, addr("alice")],
    to: [addr("Amy")],
  }),
  m(4, "2024-01-02T00:00:00Z", 200, {
    date: "not a date",
    subject: "Fwd: apple",
    from: [addr("bob")],
  }),
];

Deno.test("`sortMessages()` sorts by ARRIVAL, SIZE and DATE with the internal-date fallback", () => {
  assert.deepEqual(uids(box, by("arrival")), [2, 3, 4, 1]);
  assert.deepEqual(uids(box, by("size")), [2, 3, 4, 1]);
  assert.deepEqual(uids(box, by("date")), [3, 4, 2, 1]);
  assert.deepEqual(uids(box, by("-date")), [1, 2, 3, 4]);
});

Deno.test("`sortMessages()` sorts by base SUBJECT and first address, ignoring case", () => {
  assert.deepEqual(uids(box, by("subject")), [2, 4, 1, 3]);
  assert.deepEqual(uids(box, by("subject", "-arrival")), [4, 2, 1, 3]);
  // 3's first From entry is the start of group "team": RFC 5256 §3 sorts by the first
  // address's mailbox, and a group's is its name.
  assert.deepEqual(uids(box, by("from")), [2, 4, 1, 3]);
  // Empty (no To) sorts first; "amy" and "Amy" tie and keep mailbox order.
  assert.deepEqual(uids(box, by("to")), [4, 2, 3, 1]);
  assert.deepEqual(uids(box, by("cc")), [1, 3, 4, 2]);
});

Deno.test("`sortMessages()` keeps mailbox order for ties, even with REVERSE", () => {
  assert.deepEqual(uids(box, by("-size")), [1, 3, 4, 2]);
  assert.deepEqual(uids(box, by("-from", "size")), [3, 1, 2, 4]);
});

Deno.test("`messageDate()` reads the Date header in UTC, else the internal date", () => {
  const internal = new Date("2000-01-01T00:00:00Z");
  assert.equal(
    messageDate("Tue, 2 Jan 2024 01:00:00 +0100", internal),
    Date.parse("2024-01-02T00:00:00Z"),
  );
  assert.equal(messageDate(null, internal), internal.getTime());
  // The canonical form (read directly) and other forms (the full parser) agree.
  const sameInstant = [
    ["Tue, 2 Jan 2024 01:00:00 +0100", "2 Jan 2024 00:00 +0000"],
    ["02 Jan 2024 09:30:00 +0930 (ACST)", "Tue, 2 Jan 2024 00:00:00 GMT"],
    ["Mon, 1 Jan 2024 19:00:00 -0500", "Tue,  2 Jan 2024 00:00:00 +0000"],
    ["Sun, 31 Dec 2023 23:59:60 +0000", "31 Dec 2023 23:59:59 UT"],
  ];
  for (const [canonical, other] of sameInstant) {
    assert.equal(messageDate(canonical, internal), messageDate(other, internal), canonical);
    assert.notEqual(messageDate(canonical, internal), internal.getTime(), canonical);
  }
  assert.equal(messageDate("Fri, 30 Feb 2024 10:00:00 +0000", internal), internal.getTime());
  assert.equal(messageDate("garbage", internal), internal.getTime());
});
