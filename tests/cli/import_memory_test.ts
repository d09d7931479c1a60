/**
 * `import` streams an mbox: a 100 MB file is imported message by message
 * with peak RSS under 150 MB (it peaked at 482 MB when the file was read
 * whole), and chunk boundaries anywhere give the same messages.
 */
import assert from "node:assert/strict";
import { readMbox, readMboxStream } from "../../lib/cli/store.ts";
import { baseConfig, ROOT, runMain } from "../_support/server.ts";

function mboxText(count: number, seed = 7): string {
  let x = seed;
  const rand = (n: number) => (x = (x * 1103515245 + 12345) % 2147483648) % n;
  const line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\n";
  let out = "";
  for (let i = 1; i <= count; i++) {
    out += `From sender${i}@example.org Mon Nov  3 10:00:00 2025\n` +
      `From: Sender ${i} <sender${i}@example.org>\nSubject: Message ${i}\n` +
      (i % 3 === 0 ? "Status: RO\n" : "") + "\n" + line.repeat(20 + rand(230)) +
      ">From the archives\n" + (i % 5 === 0 ? "\r\n" : "\n");
  }
  return out;
}

Deno.test("`readMboxStream()` gives the messages of `readMbox()` whatever the chunk sizes", async () => {
  const bytes = new TextEncoder().encode(
    mboxText(12) + "From last@example.org Tue Jan  2 10:00:00 2024\nSubject: no end\n\nx",
  );
  const whole = readMbox(bytes);
  assert.equal(whole.length, 13);
  for (const size of [1, 2, 3, 5, 7, 64, 1000, 4096]) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
    const streamed = [];
    for await (const m of readMboxStream(ReadableStream.from(chunks))) streamed.push(m);
    assert.deepEqual(streamed, whole, `chunks of ${size}`);
  }
  const dec = new TextDecoder();
  assert.equal(dec.decode(whole[12].content), "Subject: no end\r\n\r\nx");
  assert.match(dec.decode(whole[0].content), /\r\nFrom the archives\r\n$/);
  assert.deepEqual(whole[2].flags, ["\\Seen"]);
});

Deno.test({
  name: "import of a 100 MB mbox peaks under 150 MB of RSS",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "imapd-import-rss-" });
    try {
      const config = `${dir}/config.toml`;
      await Deno.writeTextFile(config, baseConfig(dir));
      assert.equal((await runMain(["--config", config, "imap-acct", "create", "alice"])).code, 0);
      const file = `${dir}/big.mbox`;
      const f = await Deno.open(file, { write: true, create: true });
      const enc = new TextEncoder();
      let size = 0;
      let count = 0;
      for (let seed = 1; size < 100 * 1024 * 1024; seed++) {
        const part = enc.encode(mboxText(500, seed).replaceAll("Message ", `Message ${seed}-`));
        await f.write(part);
        size += part.length;
        count += 500;
      }
      f.close();
      const child = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}tests/cli/_import_rss_child.ts`, config, "alice", "Old", file],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(child.stdout).trim().split("\n");
      assert.equal(child.code, 0, new TextDecoder().decode(child.stderr));
      assert.equal(out[0], `Imported ${count} messages into "Old"`);
      const peakMb = Number(out.at(-1)) / 1024;
      assert.ok(peakMb < 150, `peak RSS ${peakMb.toFixed(0)} MB for ${size} bytes`);
      const listed = await runMain(["--config", config, "imap-msgs", "list", "alice", "Old"]);
      assert.equal(listed.stdout.trim().split("\n").length, count);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "import of a 240 MB Maildir peaks under 150 MB of RSS; a file over appendlimit is not read",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "imapd-import-maildir-rss-" });
    try {
      const config = `${dir}/config.toml`;
      await Deno.writeTextFile(
        config,
        baseConfig(dir).replace('dsn = "imapsql.db"', 'dsn = "imapsql.db"\nappendlimit = "8M"'),
      );
      assert.equal((await runMain(["--config", config, "imap-acct", "create", "alice"])).code, 0);
      const cur = `${dir}/Maildir/cur`;
      await Deno.mkdir(cur, { recursive: true });
      // 4,000 messages of about 10 KB (as the mbox test's), then one file of 200 MB
      // (sparse) over appendlimit: reading it whole would pass 150 MB by itself.
      // (Sorting the names with localeCompare() and options, an ICU collator per
      // call, once cost 60 MB here.)
      const count = 4000;
      const enc = new TextEncoder();
      const messages = mboxText(count).split(/^From .*\n/m).slice(1);
      for (let i = 0; i < count; i++) {
        await Deno.writeFile(`${cur}/${1700000000 + i}.m${i}.host:2,S`, enc.encode(messages[i]));
      }
      const huge = `${cur}/1800000000.huge.host:2,`;
      await Deno.writeTextFile(huge, "Subject: huge\n\n");
      await Deno.truncate(huge, 200 * 1024 * 1024);
      const child = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${ROOT}tests/cli/_import_rss_child.ts`,
          config,
          "alice",
          "Old",
          `${dir}/Maildir`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(child.stdout).trim().split("\n");
      const err = new TextDecoder().decode(child.stderr);
      assert.equal(child.code, 1, "one message was skipped");
      assert.equal(out[0], `Imported ${count} messages into "Old", 1 skipped`);
      assert.match(
        err,
        new RegExp(`skipped message ${count + 1}: 200\\.0 MB is over the append limit of 8\\.0 MB`),
      );
      const peakMb = Number(out.at(-1)) / 1024;
      assert.ok(peakMb < 150, `peak RSS ${peakMb.toFixed(0)} MB`);
      const listed = await runMain(["--config", config, "imap-msgs", "list", "alice", "Old"]);
      assert.equal(listed.stdout.trim().split("\n").length, count);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
