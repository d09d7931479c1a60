import assert from "node:assert/strict";
import { BodyFiles, compress, decompress } from "../../../lib/store/sql/body_files.ts";
import { ALL, collect, message, openTestStore } from "./_helpers.ts";
import { parseImapSqlConfig } from "../../../lib/config/storage.ts";
import { openSqlStore } from "../../../lib/store/imapsql.ts";

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const sub of Deno.readDir(dir)) {
    if (!sub.isDirectory) continue;
    for await (const f of Deno.readDir(`${dir}/${sub.name}`)) out.push(f.name);
  }
  return out.sort();
}

Deno.test("`compress()` round-trips with every algorithm and keeps incompressible data raw", () => {
  const data = new TextEncoder().encode("Lorem ipsum dolor sit amet. ".repeat(200));
  for (const algorithm of ["zstd", "deflate", "gzip", "brotli"] as const) {
    const packed = compress(data, { algorithm, level: null });
    assert.equal(packed.algorithm, algorithm);
    assert.ok(packed.data.length < data.length / 4);
    assert.deepEqual(decompress(packed.data, packed.algorithm), data);
  }
  const noise = crypto.getRandomValues(new Uint8Array(4096));
  assert.equal(compress(noise, { algorithm: "zstd", level: 19 }).algorithm, "off");
});

Deno.test("msg_store fs keeps bodies in shared content-addressed files and removes them with the last message", async () => {
  const t = await openTestStore("file", { msg_store: ["fs", "messages"], compression: "zstd" });
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    const inbox = (await acct.getMailbox("INBOX"))!;
    const trash = (await acct.getMailbox("Trash"))!;
    const big = message(1, "X-Pad: " + "abc".repeat(500) + "\r\n");
    await acct.append(inbox.id, { content: big });
    await acct.append(inbox.id, { content: message(2) });
    await acct.copy(inbox.id, ALL, trash.id);
    const files = await listFiles(`${t.dir}/messages`);
    assert.equal(files.length, 2);
    const row = await t.store.db.selectFrom("bodies").select(["body", "compression"]).execute();
    assert.ok(row.every((r) => r.body === null));
    await t.reopen();
    const acct2 = (await t.store.openAccount("a"))!;
    const recs = await collect(acct2.fetch(trash.id, ALL, { content: true }));
    assert.deepEqual(recs[0].content, big);
    assert.deepEqual(recs[1].content, message(2));
    await acct2.storeFlags(inbox.id, ALL, "add", ["\\Deleted"]);
    await acct2.expunge(inbox.id);
    assert.equal((await listFiles(`${t.dir}/messages`)).length, 2);
    await acct2.storeFlags(trash.id, [{ from: 1, to: 1 }], "add", ["\\Deleted"]);
    await acct2.expunge(trash.id);
    assert.equal((await listFiles(`${t.dir}/messages`)).length, 1);
  } finally {
    await t.cleanup();
  }
});

Deno.test("`BodyFiles.removeOrphans()` removes temp files and files no row names", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const kept = "a".repeat(64);
    const files = new BodyFiles(dir, async (candidates, unlink) => {
      for (const h of candidates) if (h !== kept) await unlink(h);
    });
    await files.init();
    const orphan = "b".repeat(64);
    await files.write(kept, new Uint8Array([1]));
    await files.write(orphan, new Uint8Array([2]));
    await Deno.writeFile(`${dir}/aa/.tmp-x`, new Uint8Array([3]));
    // Fresh files are spared (another process may be about to commit their row)...
    assert.equal(await files.removeOrphans(), 0);
    // ...older ones go.
    assert.equal(await files.removeOrphans(-1), 2);
    assert.deepEqual(await files.read(kept), new Uint8Array([1]));
    await assert.rejects(files.read(orphan), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compression in the database round-trips and is recorded per body", async () => {
  const t = await openTestStore("memory", { compression: ["brotli", 5] });
  try {
    const acct = (await t.store.openAccount("a", { create: true }))!;
    const inbox = (await acct.getMailbox("INBOX"))!;
    const big = message(1, "X-Pad: " + "xyz".repeat(1000) + "\r\n");
    await acct.append(inbox.id, { content: big });
    const [row] = await t.store.db.selectFrom("bodies").select(["compression"]).execute();
    assert.equal(row.compression, "off"); // the padding sits in the header, which is never compressed
    const long = new TextEncoder().encode(
      "Subject: x\r\n\r\n" + "The same line again and again.\r\n".repeat(300),
    );
    await acct.append(inbox.id, { content: long });
    const rows = await t.store.db.selectFrom("bodies").select(["compression"]).orderBy("id")
      .execute();
    assert.equal(rows[1].compression, "brotli");
    const recs = await collect(acct.fetch(inbox.id, ALL, { content: true }));
    assert.deepEqual(recs[1].content, long);
  } finally {
    await t.cleanup();
  }
});

Deno.test("a file another process's row needs survives a concurrent EXPUNGE (issue 12, finding 12)", async () => {
  // Two stores on one database and one msg_store directory stand for the
  // server and `imap-msgs add` in another process (each has its own list of
  // appends in progress). B's APPEND finds the file already there, writes
  // nothing, and is held before its commit; A expunges the last message with
  // that content, which removes the file; then B commits its row.
  const t = await openTestStore("file", { msg_store: ["fs", "messages"] });
  const options = parseImapSqlConfig(
    { dsn: "file:mail.db", msg_store: ["fs", "messages"] },
    "storage.imapsql.test",
    { stateDir: t.dir },
  );
  const b = await openSqlStore(options);
  try {
    const acctA = (await t.store.openAccount("a", { create: true }))!;
    const inbox = (await acctA.getMailbox("INBOX"))!;
    const content = message(7, "X-Pad: " + "shared ".repeat(50) + "\r\n");
    await acctA.append(inbox.id, { content });
    await acctA.storeFlags(inbox.id, ALL, "add", ["\\Deleted"]);

    const filesB = b.options.files!;
    const write = filesB.write.bind(filesB);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const atGate = new Promise<void>((r) => (reached = r));
    let first = true;
    filesB.write = async (hash, data) => {
      await write(hash, data);
      if (first) {
        first = false;
        reached();
        await gate;
      }
    };
    const acctB = (await b.openAccount("a"))!;
    const appended = acctB.append(inbox.id, { content });
    await atGate;
    assert.deepEqual(await acctA.expunge(inbox.id), [1]);
    release();
    const { uid } = await appended;
    const recs = await collect(acctB.fetch(inbox.id, [{ from: uid, to: uid }], { content: true }));
    assert.deepEqual(recs[0].content, content);
  } finally {
    await b.close();
    await t.cleanup();
  }
});
