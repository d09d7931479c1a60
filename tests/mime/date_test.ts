import assert from "node:assert/strict";
import { sentDate, sentDay } from "../../lib/mime/date.ts";

function iso(value: string): string | undefined {
  return sentDate(value)?.toISOString();
}

Deno.test("`sentDate()` reads RFC 5322 dates with numeric zones", () => {
  assert.equal(iso("Fri, 21 Nov 1997 09:55:06 -0600"), "1997-11-21T15:55:06.000Z");
  assert.equal(iso("1 Jan 2024 00:30 +0100"), "2023-12-31T23:30:00.000Z");
  assert.equal(
    iso("Thu,\r\n 13\r\n  Feb\r\n    1969\r\n 23:32\r\n   -0330 (Newfoundland Time)"),
    "1969-02-14T03:02:00.000Z",
  );
});

Deno.test("`sentDate()` reads the obsolete forms of RFC 5322 §4.3", () => {
  assert.equal(iso("21 Nov 97 09:55:06 GMT"), "1997-11-21T09:55:06.000Z");
  assert.equal(iso("21 Nov 05 09:55:06 EST"), "2005-11-21T14:55:06.000Z");
  assert.equal(iso("21 Nov 105 09:55:06 PDT"), "2005-11-21T16:55:06.000Z");
  assert.equal(iso("Tue, 1 Jul 2003 10:52:37 Z"), "2003-07-01T10:52:37.000Z");
  // Military zones other than Z are read as -0000.
  assert.equal(iso("Tue, 1 Jul 2003 10:52:37 K"), "2003-07-01T10:52:37.000Z");
});

Deno.test("`sentDate()` reads asctime order, dashes and a missing zone", () => {
  assert.equal(iso("Mon Jan  2 15:04:05 2006"), "2006-01-02T15:04:05.000Z");
  assert.equal(iso("2-Jan-2006 15:04:05 +0000"), "2006-01-02T15:04:05.000Z");
  assert.equal(iso("Sat, 05 September 2020 1:02:03 +02:00"), "2020-09-04T23:02:03.000Z");
  assert.equal(iso("2024-01-15T10:00:00Z"), "2024-01-15T10:00:00.000Z");
  assert.equal(iso("2024-01-15 10:00:00 +0130"), "2024-01-15T08:30:00.000Z");
  assert.equal(iso("2024-13-15"), undefined);
});

Deno.test("`sentDate()` rejects what is not a date", () => {
  assert.equal(sentDate(null), null);
  assert.equal(sentDate(""), null);
  assert.equal(sentDate("yesterday"), null);
  assert.equal(sentDate("31 Feb 2024 10:00:00 +0000"), null);
  assert.equal(sentDate("1 Jan 2024 25:00:00 +0000"), null);
});

Deno.test("`sentDay()` gives the day in the sender's zone", () => {
  assert.equal(sentDay("Fri, 21 Nov 1997 23:55:06 -0600"), "1997-11-21");
  assert.equal(
    sentDate("Fri, 21 Nov 1997 23:55:06 -0600")?.toISOString().slice(0, 10),
    "1997-11-22",
  );
  assert.equal(sentDay("nonsense"), null);
});
