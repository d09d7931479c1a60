/**
 * mbsync (Debian's isync) syncing a mailbox both ways with flags and
 * deletions against the server started as a user starts it.
 */
import assert from "node:assert/strict";
import { baseConfig, portOf, runMain, spawnServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";

async function mbsync(rc: string): Promise<string> {
  const out = await new Deno.Command("mbsync", {
    args: ["-c", rc, "-a"],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`mbsync failed:\n${text}`);
  return text;
}

async function maildirFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const sub of ["cur", "new"]) {
    try {
      for await (const e of Deno.readDir(`${dir}/${sub}`)) files.push(`${sub}/${e.name}`);
    } catch { /* not there yet */ }
  }
  return files.sort();
}

const flagsOf = (file: string) => /:2,([A-Z]*)$/.exec(file)?.[1] ?? "";

Deno.test("mbsync syncs both ways with flags and deletions", async () => {
  if (!(await new Deno.Command("sh", { args: ["-c", "command -v mbsync"] }).output()).success) {
    throw new Error("mbsync is not installed (apt-get install isync)");
  }
  const dir = await Deno.makeTempDir({ prefix: "imapd-mbsync-" });
  const file = `${dir}/config.toml`;
  await Deno.writeTextFile(file, baseConfig(dir).replace('log = "off"', 'log = "stderr"'));
  assert.equal(
    (await runMain(["--config", file, "creds", "create", "--password", "pw", "alice"])).code,
    0,
  );
  const srv = await spawnServer(file);
  const port = portOf(srv.addresses[0]);
  const local = `${dir}/Mail`;
  await Deno.mkdir(local);
  const rc = `${dir}/mbsyncrc`;
  await Deno.writeTextFile(
    rc,
    `IMAPAccount test
Host 127.0.0.1
Port ${port}
User alice
Pass pw
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account test

MaildirStore local
Path ${local}/
Inbox ${local}/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns INBOX Archive
Create Both
Expunge Both
SyncState *
`,
  );
  const imap = await TestClient.connect(port);
  try {
    await imap.login("alice", "pw");
    for (let i = 1; i <= 3; i++) {
      const m =
        `From: a@example.org\r\nSubject: server ${i}\r\nMessage-ID: <s${i}@x>\r\n\r\nbody ${i}\r\n`;
      const flags = i === 1 ? "(\\Seen)" : "()";
      assert.match(
        (await imap.command(`APPEND INBOX ${flags} {${m.length}+}\r\n${m}`)).tagged,
        /OK/,
      );
    }
    // Far to near: three messages, the first seen.
    await mbsync(rc);
    let files = await maildirFiles(`${local}/INBOX`);
    assert.equal(files.length, 3);
    assert.deepEqual(files.map(flagsOf).sort(), ["", "", "S"]);

    // Near to far: flag one, delete one (trashed + expunged), add one.
    const unseen = files.filter((f) => flagsOf(f) === "");
    await Deno.rename(
      `${local}/INBOX/${unseen[0]}`,
      `${local}/INBOX/cur/${unseen[0].split("/")[1].replace(/(:2,.*)?$/, ":2,F")}`,
    );
    await Deno.rename(
      `${local}/INBOX/${unseen[1]}`,
      `${local}/INBOX/cur/${unseen[1].split("/")[1].replace(/(:2,.*)?$/, ":2,T")}`,
    );
    await Deno.writeTextFile(
      `${local}/INBOX/new/${Date.now()}.local1.host`,
      "From: me@example.org\r\nSubject: from near\r\n\r\nhello\r\n",
    );
    await mbsync(rc);

    await imap.command("SELECT INBOX");
    const fetched = await imap.command("FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    const summary = fetched.untagged.filter((l) => l.includes("FETCH")).map((l) => {
      const subject = /Subject: ([^\r\n]+)/.exec(l)?.[1];
      const flags = /FLAGS \(([^)]*)\)/.exec(l)?.[1];
      return `${subject}|${flags}`;
    });
    assert.equal(summary.length, 3, fetched.untagged.join("\n"));
    assert.ok(summary.includes("server 1|\\Seen"), summary.join(", "));
    assert.ok(summary.some((s) => /^server [23]\|\\Flagged$/.test(s)), summary.join(", "));
    assert.ok(summary.includes("from near|"), summary.join(", "));

    // Far to near again: a flag set and a message expunged on the server.
    const seqOfNear = summary.findIndex((s) => s.startsWith("from near")) + 1;
    await imap.command(`STORE ${seqOfNear} +FLAGS (\\Answered)`);
    await imap.command("STORE 1 +FLAGS (\\Deleted)");
    await imap.command("EXPUNGE");
    await mbsync(rc);
    files = await maildirFiles(`${local}/INBOX`);
    assert.equal(files.length, 2, files.join(", "));
    assert.ok(files.some((f) => flagsOf(f) === "R" || flagsOf(f) === "RS"), files.join(", "));
    assert.ok(files.some((f) => flagsOf(f).includes("F")), files.join(", "));
  } finally {
    imap.close();
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
