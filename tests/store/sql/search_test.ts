import assert from "node:assert/strict";
import type { SearchKey } from "../../../lib/store/mail_store.ts";
import { sentDay } from "../../../lib/store/sql/search.ts";
import { KINDS, message, on, openInbox, openTestStore } from "./_helpers.ts";

for (const kind of KINDS) {
  Deno.test(
    `search() answers flag, date, size, UID, MODSEQ and text keys (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox: box } = await openInbox(kind);
      try {
        const day = (d: string) => new Date(`${d}T12:00:00Z`);
        await acct.append(box.id, {
          content: message(1, "X-Project: Apollo\r\n"),
          flags: ["\\Seen"],
          internalDate: day("2024-01-10"),
        });
        await acct.append(box.id, {
          content: message(2, "Cc: carol@example.com\r\n"),
          flags: ["\\Flagged", "Urgent"],
          internalDate: day("2024-02-10"),
        });
        await acct.append(box.id, {
          content: new TextEncoder().encode(
            "Subject: big\r\nDate: 3 Mar 2024 01:00 +1400\r\n\r\n" +
              "Needle in caf\u00e9 ".repeat(50) +
              "\r\n",
          ),
          internalDate: day("2024-03-10"),
        });
        const s = (key: SearchKey) => acct.search(box.id, key);
        assert.deepEqual(await s({ type: "all" }), [1, 2, 3]);
        assert.deepEqual(await s({ type: "flag", flag: "\\seen", present: false }), [2, 3]);
        assert.deepEqual(await s({ type: "flag", flag: "urgent", present: true }), [2]);
        assert.deepEqual(await s({ type: "flag", flag: "Urgent", present: false }), [1, 3]);
        assert.deepEqual(await s({ type: "internalDate", op: "since", date: "2024-02-10" }), [
          2,
          3,
        ]);
        assert.deepEqual(await s({ type: "internalDate", op: "on", date: "2024-02-10" }), [2]);
        assert.deepEqual(await s({ type: "internalDate", op: "before", date: "2024-02-10" }), [1]);
        assert.deepEqual(await s({ type: "sentDate", op: "on", date: "2024-03-03" }), [3]);
        assert.deepEqual(await s({ type: "sentDate", op: "before", date: "2000-01-01" }), [1, 2]);
        assert.deepEqual(await s({ type: "size", op: "larger", bytes: 400 }), [3]);
        assert.deepEqual(await s({ type: "uid", set: [{ from: 2, to: 9 }] }), [2, 3]);
        assert.deepEqual(await s({ type: "header", name: "x-project", value: "apollo" }), [1]);
        assert.deepEqual(await s({ type: "header", name: "Cc", value: "" }), [2]);
        assert.deepEqual(await s({ type: "header", name: "subject", value: "message 2" }), [2]);
        assert.deepEqual(await s({ type: "body", value: "NEEDLE IN CAF\u00e9" }), [3]);
        assert.deepEqual(await s({ type: "body", value: "Apollo" }), []);
        assert.deepEqual(await s({ type: "text", value: "apollo" }), [1]);
        assert.deepEqual(await s({ type: "text", value: "second line" }), [1, 2]);
        assert.deepEqual(
          await s({
            type: "or",
            left: { type: "flag", flag: "\\Flagged", present: true },
            right: { type: "not", key: { type: "body", value: "needle" } },
          }),
          [1, 2],
        );
        assert.deepEqual(
          await s({
            type: "and",
            keys: [
              { type: "not", key: { type: "flag", flag: "\\Seen", present: true } },
              { type: "text", value: "message" },
            ],
          }),
          [2],
        );
        const r = await acct.storeFlags(box.id, [{ from: 3, to: 3 }], "add", ["\\Answered"]);
        assert.deepEqual(await s({ type: "modSeq", min: r.changed[0].modSeq }), [3]);
      } finally {
        await t.cleanup();
      }
    },
  );
}

Deno.test("search() pages through more candidates than one chunk", async () => {
  const t = await openTestStore("memory");
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    const box = (await acct.getMailbox("INBOX"))!;
    await acct.append(box.id, { content: message(1) });
    for (let i = 0; i < 10; i++) await acct.copy(box.id, [{ from: 1, to: 0xffffffff }], box.id);
    await acct.storeFlags(box.id, [{ from: 700, to: 1024 }], "add", ["\\Seen"]);
    const unseen = await acct.search(box.id, { type: "flag", flag: "\\Seen", present: false });
    assert.equal(unseen.length, 699);
    assert.equal(unseen[698], 699);
    const text = await acct.search(box.id, { type: "text", value: "Message 1" });
    assert.equal(text.length, 1024);
  } finally {
    await t.cleanup();
  }
});

Deno.test("sentDay() reads the date as written, in its own zone", () => {
  assert.equal(sentDay("Mon, 7 Feb 1994 21:52:25 -0800"), "1994-02-07");
  assert.equal(sentDay("3 Mar 24 01:00 +1400"), "2024-03-03");
  assert.equal(sentDay("garbage"), null);
  assert.equal(sentDay(null), null);
});

Deno.test("search() matches decoded encoded words, base64 and quoted-printable text parts", async () => {
  const t = await openTestStore("memory");
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    const box = (await acct.getMailbox("INBOX"))!;
    const b64 = btoa(String.fromCharCode(...new TextEncoder().encode("Schöne Grüße vom Dom")));
    const content = new TextEncoder().encode(
      "Subject: =?UTF-8?B?R3LDvMOfZQ==?= =?ISO-8859-1?Q?_aus_K=F6ln?=\r\n" +
        'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n' +
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        `${b64}\r\n` +
        "--b1\r\nContent-Type: text/html; charset=iso-8859-1\r\n" +
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n<p>Sch=F6ne Gr=FC=DFe aus dem Rhein=\r\nland</p>\r\n" +
        "--b1--\r\n",
    );
    await acct.append(box.id, { content });
    await acct.append(box.id, { content: message(2) });
    const s = (key: SearchKey) => acct.search(box.id, key);
    assert.deepEqual(await s({ type: "header", name: "subject", value: "GRÜSSE" }), []);
    assert.deepEqual(await s({ type: "header", name: "subject", value: "grüße aus köln" }), [1]);
    assert.deepEqual(await s({ type: "body", value: "SCHÖNE GRÜßE VOM DOM" }), [1]);
    assert.deepEqual(await s({ type: "body", value: "rheinland" }), [1]);
    assert.deepEqual(await s({ type: "text", value: "köln" }), [1]);
    assert.deepEqual(await s({ type: "text", value: "second line" }), [2]);
  } finally {
    await t.cleanup();
  }
});
