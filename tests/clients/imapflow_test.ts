/**
 * imapflow (a client nobody here wrote) against the server: list, select,
 * fetch envelope and bodystructure, search, append with UIDPLUS, move
 * (MOVE), copy + expunge, flags, and IDLE notifications from another session.
 * The first two run on libSQL and again on PostgreSQL (ignored, with the
 * reason printed, where no cluster starts: tests/_support/postgres.ts).
 */
import assert from "node:assert/strict";
import { baseConfig, onPostgres, startTestServer, type TestServer } from "../_support/server.ts";
import { postgres } from "../_support/postgres.ts";
import { TestClient } from "../_support/imap_client.ts";
import { connectImapflow } from "../_support/imapflow.ts";

const MSG = (n: number, subject: string, extra = "") =>
  `From: Sender ${n} <s${n}@example.com>\r\nTo: alice@example.com\r\nSubject: ${subject}\r\n` +
  `Date: Mon, 3 Nov 2025 10:0${n}:00 +0000\r\nMessage-ID: <m${n}@example.com>\r\n${extra}\r\n` +
  `Body number ${n} mentions ${subject.toLowerCase()}.\r\n`;

function flowFor(srv: TestServer) {
  return connectImapflow(srv.port);
}

const cluster = await postgres();

for (const engine of ["libsql", "postgres"] as const) {
  const on = engine === "postgres" ? " (postgres)" : "";
  const ignore = engine === "postgres" && cluster === null;
  const setup = async () => {
    if (engine === "libsql") return await startTestServer({ users: { alice: "alice-pw" } });
    const dsn = await cluster!.createMigratedDatabase();
    return await startTestServer({
      users: { alice: "alice-pw" },
      config: (d) => onPostgres(baseConfig(d), dsn),
    });
  };

  Deno.test({
    name: `imapflow: list, append (UIDPLUS), fetch, search, flags, move and copy+expunge${on}`,
    ignore,
    fn: async () => {
      const srv = await setup();
      const flow = await flowFor(srv);
      try {
        const list = await flow.list();
        const byUse = Object.fromEntries(list.map((m) => [m.specialUse ?? m.path, m.path]));
        assert.equal(byUse["\\Sent"], "Sent");
        assert.equal(byUse["\\Trash"], "Trash");
        assert.ok(list.some((m) => m.path === "INBOX"));

        const appended = [];
        for (const [i, s] of ["Invoice", "Lunch", "Invoice reminder"].entries()) {
          appended.push(
            await flow.append("INBOX", MSG(i + 1, s), ["$Work"], new Date("2025-11-03T10:00:00Z")),
          );
        }
        const results = appended as unknown as { uid?: number; uidValidity?: bigint }[];
        assert.deepEqual(results.map((a) => a.uid), [1, 2, 3]);
        assert.ok(results.every((a) => a.uidValidity));

        const box = await flow.mailboxOpen("INBOX");
        assert.equal(box.exists, 3);
        const msgs = [];
        for await (
          const m of flow.fetch("1:*", {
            uid: true,
            envelope: true,
            bodyStructure: true,
            flags: true,
          })
        ) {
          msgs.push(m);
        }
        assert.deepEqual(msgs.map((m) => m.envelope?.subject), [
          "Invoice",
          "Lunch",
          "Invoice reminder",
        ]);
        assert.equal(msgs[0].envelope?.messageId, "<m1@example.com>");
        assert.equal(msgs[0].bodyStructure?.type, "text/plain");
        assert.ok(msgs.every((m) => m.flags?.has("$Work")));

        assert.deepEqual(await flow.search({ subject: "invoice" }, { uid: true }), [1, 3]);
        assert.deepEqual(await flow.search({ body: "lunch" }, { uid: true }), [2]);
        assert.deepEqual(await flow.search({ from: "s2@example.com" }), [2]);

        assert.ok(await flow.messageFlagsAdd({ uid: "1" }, ["\\Seen", "\\Flagged"], { uid: true }));
        assert.deepEqual(await flow.search({ seen: true }, { uid: true }), [1]);
        assert.ok(await flow.messageFlagsRemove({ uid: "1" }, ["\\Flagged"], { uid: true }));
        assert.deepEqual(await flow.search({ flagged: true }, { uid: true }), []);

        // MOVE with COPYUID.
        const moved = await flow.messageMove({ uid: "2" }, "Archive", { uid: true });
        assert.ok(moved);
        assert.deepEqual([...(moved as { uidMap: Map<number, number> }).uidMap.entries()], [[
          2,
          1,
        ]]);
        // Move by copy + expunge, as older clients do.
        const copied = await flow.messageCopy({ uid: "3" }, "Trash", { uid: true });
        assert.ok(copied && (copied as { uidMap: Map<number, number> }).uidMap.get(3) === 1);
        assert.ok(await flow.messageDelete({ uid: "3" }, { uid: true }));
        const status = await flow.status("INBOX", { messages: true });
        assert.equal(status.messages, 1);
        assert.equal((await flow.status("Archive", { messages: true })).messages, 1);
        assert.equal((await flow.status("Trash", { messages: true })).messages, 1);
      } finally {
        await flow.logout();
        await srv.close();
      }
    },
  });

  Deno.test({
    name:
      `imapflow in IDLE hears another session's append, expunge and flag change within a second${on}`,
    ignore,
    fn: async () => {
      const srv = await setup();
      const flow = await flowFor(srv);
      const other = await TestClient.connect(srv.port);
      try {
        await other.login("alice", "alice-pw");
        await flow.mailboxOpen("INBOX");
        const events: string[] = [];
        let wake: () => void = () => {};
        const next = () => new Promise<void>((r) => (wake = r));
        flow.on("exists", (d: { count: number }) => {
          events.push(`exists ${d.count}`);
          wake();
        });
        (flow as unknown as { on(e: string, f: (d: { seq: number }) => void): void }).on(
          "expunge",
          (d) => {
            events.push(`expunge ${d.seq}`);
            wake();
          },
        );
        flow.on("flags", (d: { flags: Set<string> }) => {
          events.push(`flags ${[...d.flags].join(",")}`);
          wake();
        });
        const idling = flow.idle();
        /** Runs `act`, then waits up to 1 s (from the end of `act`) for an event matching `want`. */
        const within = async (want: RegExp, act: () => Promise<unknown>) => {
          await act();
          const deadline = Date.now() + 1000;
          while (!events.some((e) => want.test(e))) {
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`no ${want} within 1 s; got ${events.join(" | ")}`);
            await Promise.race([next(), new Promise((r) => setTimeout(r, left))]);
          }
        };
        await new Promise((r) => setTimeout(r, 100));
        const ping = MSG(1, "Ping");
        await within(
          /^exists 1$/,
          () => other.command(`APPEND INBOX {${ping.length}+}\r\n${ping}`),
        );
        await other.command("SELECT INBOX");
        // The message is \\Recent for imapflow's session, which had INBOX selected when it came.
        await within(
          /^flags \\Flagged,\\Recent$/,
          () => other.command("STORE 1 +FLAGS.SILENT (\\Flagged)"),
        );
        await other.command("STORE 1 +FLAGS.SILENT (\\Deleted)");
        await within(/^expunge 1$/, () => other.command("EXPUNGE"));
        void idling;
      } finally {
        other.close();
        await flow.logout();
        await srv.close();
      }
    },
  });
}

Deno.test("imapflow: getQuota() reads QUOTA STORAGE and MESSAGE (RFC 9208)", async () => {
  const srv = await startTestServer({
    users: { alice: "alice-pw" },
    config: (dir) => baseConfig(dir) + 'quota = { storage = "100K", messages = 10 }\n',
  });
  const flow = await flowFor(srv);
  try {
    await flow.append("INBOX", MSG(1, "Quota"));
    const q = await flow.getQuota("INBOX") as unknown as {
      path: string;
      storage?: { usage: number; limit: number; status: string };
      message?: { usage: number; limit: number; status: string };
    };
    assert.equal(q.path, "INBOX");
    // imapflow reports STORAGE in bytes (the wire's KiB times 1024).
    assert.deepEqual(q.storage, { usage: 1024, limit: 100 * 1024, status: "1%" });
    assert.deepEqual(q.message, { usage: 1, limit: 10, status: "10%" });
  } finally {
    await flow.logout();
    await srv.close();
  }
});
