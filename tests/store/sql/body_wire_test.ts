/**
 * `body_wire` (migration 10): ENVELOPE and BODYSTRUCTURE kept as FETCH
 * writes them. A FETCH asking for a wire form answers byte for byte what
 * writing the structures gives, in both forms (UTF8=ACCEPT or not), for
 * bodies with their rows, without them (stored before the migration) and
 * with rows of another WIRE_VERSION; COPY shares them; and they go with
 * their body.
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import { ALL, collect, KINDS, message, on, openInbox, openTestStore } from "./_helpers.ts";
import { ResponseEncoder } from "../../../lib/wire/encoder.ts";
import { writeFetchResponse } from "../../../lib/protocol/fetch_response.ts";
import type { FetchItem } from "../../../lib/protocol/commands/fetch.ts";
import type { AccountStore, MessageFields } from "../../../lib/store/mail_store.ts";

const enc = new TextEncoder();

/** 8-bit header fields, an encoded word, a message/rfc822 part, a long subject (a literal). */
const MESSAGES = [
  message(1),
  enc.encode(
    "From: Chloé Müller <chloe@exämple.org>\r\nTo: =?UTF-8?Q?J=C3=BCrgen?= <j@example.net>\r\n" +
      "Subject: Grüße\r\nMessage-ID: <ü@example.org>\r\n\r\nHallo\r\n",
  ),
  enc.encode(
    'Subject: forwarded\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
      "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee below\r\n" +
      "--b\r\nContent-Type: message/rfc822\r\n\r\n" +
      "From: Ünïcode <u@example.org>\r\nSubject: inner Ä\r\n\r\ninner body\r\n--b--\r\n",
  ),
  enc.encode(
    `Subject: ${"long ".repeat(300)}\r\nFrom: "a \\"quoted\\" name" <q@example.org>\r\n\r\nx\r\n`,
  ),
];

const ITEMS: FetchItem[] = [{ kind: "envelope" }, { kind: "bodyStructure" }];

/** FETCH responses for every message, written as the FETCH handler would. */
async function responses(
  acct: AccountStore,
  mailboxId: number,
  utf8: boolean,
  fields: MessageFields,
): Promise<{ text: string; wire: number }> {
  const out = new ResponseEncoder();
  out.utf8 = utf8;
  let wire = 0;
  let seq = 0;
  for (const r of await collect(acct.fetch(mailboxId, ALL, fields))) {
    if (r.envelopeWire && r.bodyStructureWire) wire++;
    writeFetchResponse(out, ++seq, r, ITEMS);
  }
  return { text: new TextDecoder().decode(out.takeBytes()), wire };
}

for (const kind of KINDS) {
  Deno.test(
    `stored ENVELOPE and BODYSTRUCTURE answer as writing them does (${kind})`,
    on(kind),
    async () => {
      const { t, acct, inbox } = await openInbox(kind);
      try {
        for (const content of MESSAGES) await acct.append(inbox.id, { content });
        const n = MESSAGES.length;
        const check = async (expectWire: number) => {
          for (const utf8 of [false, true]) {
            const fields: MessageFields = { envelope: true, bodyStructure: true };
            const live = await responses(acct, inbox.id, utf8, fields);
            assert.equal(live.wire, 0);
            const stored = await responses(acct, inbox.id, utf8, {
              ...fields,
              wireForm: utf8 ? "utf8" : "ascii",
            });
            assert.equal(stored.wire, expectWire);
            assert.equal(stored.text, live.text);
            // ENVELOPE alone, with other fields beside it.
            const one = await collect(
              acct.fetch(inbox.id, ALL, { envelope: true, size: true, wireForm: "ascii" }),
            );
            assert.equal(one.filter((r) => r.envelopeWire).length, expectWire);
            assert.ok(one.every((r) => r.size && !r.bodyStructureWire));
          }
        };
        await check(n);
        // The ASCII form is kept only where it differs: message 2's 8-bit envelope, the
        // 8-bit envelope inside message 3's message/rfc822 part.
        const rows = (await sql<{ a: unknown; b: unknown }>`select envelope_ascii as a,
        body_structure_ascii as b from body_wire order by body_id`.execute(t.store.db)).rows;
        assert.deepEqual(rows.map((r) => [r.a !== null, r.b !== null]), [
          [false, false],
          [true, false],
          [false, true],
          [false, false],
        ]);
        // A COPY reads the same rows.
        const other = await acct.createMailbox("Other");
        await acct.copy(inbox.id, ALL, other.id);
        const copied = await responses(acct, other.id, false, {
          envelope: true,
          bodyStructure: true,
          wireForm: "ascii",
        });
        assert.equal(copied.wire, n);
        // Rows of another version of the writer are not used; neither are missing ones.
        await sql`update body_wire set version = version + 1 where body_id % 2 = 0`.execute(
          t.store.db,
        );
        await check(n / 2);
        await sql`delete from body_wire`.execute(t.store.db);
        await check(0);
      } finally {
        await t.cleanup();
      }
    },
  );

  Deno.test(`a body's stored forms go with it (${kind})`, on(kind), async () => {
    const { t, acct, inbox } = await openInbox(kind);
    try {
      await acct.append(inbox.id, { content: MESSAGES[0] });
      await acct.append(inbox.id, { content: MESSAGES[1] });
      const count = async () =>
        Number(
          (await sql<{ n: number }>`select count(*) as n from body_wire`.execute(t.store.db))
            .rows[0].n,
        );
      assert.equal(await count(), 2);
      await acct.storeFlags(inbox.id, [{ from: 1, to: 1 }], "add", ["\\Deleted"]);
      await acct.expunge(inbox.id);
      assert.equal(await count(), 1);
    } finally {
      await t.cleanup();
    }
  });
}

for (const kind of ["file", "postgres"] as const) {
  Deno.test(
    `migration 10 writes the forms of the bodies already stored (${kind})`,
    on(kind),
    async () => {
      const t = await openTestStore(kind);
      try {
        let acct = (await t.store.openAccount("a", { create: true }))!;
        const inbox = (await acct.getMailbox("INBOX"))!;
        for (const content of MESSAGES) await acct.append(inbox.id, { content });
        const fields: MessageFields = { envelope: true, bodyStructure: true };
        const live = await responses(acct, inbox.id, false, fields);
        // Back to the schema before migration 10.
        await sql`drop table body_wire`.execute(t.store.db);
        await sql`alter table bodies drop column has_nul`.execute(t.store.db);
        await sql`delete from schema_migrations where version = 10`.execute(t.store.db);
        const store = await t.reopen();
        acct = (await store.openAccount("a"))!;
        for (const utf8 of [false, true]) {
          const stored = await responses(acct, inbox.id, utf8, {
            ...fields,
            wireForm: utf8 ? "utf8" : "ascii",
          });
          assert.equal(stored.wire, MESSAGES.length);
          if (!utf8) assert.equal(stored.text, live.text);
          else assert.equal(stored.text, (await responses(acct, inbox.id, true, fields)).text);
        }
      } finally {
        await t.cleanup();
      }
    },
  );
}
