import assert from "node:assert/strict";
import { parseUidSet, readMbox, runStoreCli, type StoreCommand } from "../../lib/cli/store.ts";
import { openTestStore } from "../store/sql/_helpers.ts";
import type { SqlMailStore } from "../../lib/store/sql/sql_store.ts";
import type { CliIo } from "../../lib/cli/io.ts";

async function run(store: SqlMailStore, command: StoreCommand, ...args: string[]) {
  return await runAnswering(store, undefined, command, ...args);
}

/** Runs with a terminal that answers `answer` (undefined: no terminal). */
async function runAnswering(
  store: SqlMailStore,
  answer: boolean | undefined,
  command: StoreCommand,
  ...args: string[]
) {
  let out = "";
  let err = "";
  const asked: string[] = [];
  const io: CliIo = {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    isTerminal: false,
    readPassword: () => Promise.reject(new Error("no password is asked for")),
  };
  if (answer !== undefined) io.confirm = (q) => (asked.push(q), Promise.resolve(answer));
  const code = await runStoreCli(command, args, store, io);
  return { code, out, err, asked };
}

Deno.test("`runStoreCli()` manages accounts, mailboxes and messages", async () => {
  const t = await openTestStore("memory");
  try {
    const s = t.store;
    assert.equal((await run(s, "imap-acct", "create", "alice")).code, 0);
    const dup = await run(s, "imap-acct", "create", "ALICE");
    assert.equal(dup.code, 1);
    assert.match(dup.err, /already exists/);
    assert.equal((await run(s, "imap-acct", "list")).out, "alice\n");
    assert.equal((await run(s, "imap-acct", "appendlimit", "alice", "1M")).code, 0);
    assert.equal((await run(s, "imap-acct", "appendlimit", "alice")).out, "1048576\n");
    assert.equal((await run(s, "imap-acct", "appendlimit", "alice", "lots")).code, 2);
    // QUOTA: the storage has no default here; the account gets its own limits.
    assert.equal(
      (await run(s, "imap-acct", "quota", "alice")).out,
      "storage: 0 of unlimited (default)\nmessages: 0 of unlimited (default)\n",
    );
    assert.equal(
      (await run(s, "imap-acct", "quota", "alice", "--storage", "2M", "--messages", "500")).code,
      0,
    );
    assert.equal(
      (await run(s, "imap-acct", "quota", "alice")).out,
      "storage: 0 of 2097152\nmessages: 0 of 500\n",
    );
    assert.equal((await run(s, "imap-acct", "quota", "alice", "--messages", "none")).code, 0);
    assert.match(
      (await run(s, "imap-acct", "quota", "alice")).out,
      /^messages: 0 of unlimited \(none\)$/m,
    );
    assert.equal((await run(s, "imap-acct", "quota", "alice", "--storage", "lots")).code, 2);
    assert.equal((await run(s, "imap-acct", "quota", "alice", "--messages", "-1")).code, 2);
    assert.equal((await run(s, "imap-acct", "list", "--storage", "1M")).code, 2);

    assert.equal(
      (await run(s, "imap-mboxes", "create", "--special", "flagged", "alice", "Stars")).code,
      0,
    );
    assert.equal(
      (await run(s, "imap-mboxes", "create", "--special", "bogus", "alice", "X")).code,
      2,
    );
    assert.match((await run(s, "imap-mboxes", "list", "alice")).out, /^Stars \[\\Flagged\]$/m);
    assert.equal((await run(s, "imap-mboxes", "rename", "alice", "Stars", "Starred")).code, 0);

    const file = `${t.dir}/m.eml`;
    await Deno.writeTextFile(file, "Subject: hello\r\n\r\nbody\r\n");
    const add = await run(
      s,
      "imap-msgs",
      "add",
      "--file",
      file,
      "--flag",
      "\\Seen",
      "alice",
      "Starred",
    );
    assert.equal(add.out, "1\n");
    await run(s, "imap-msgs", "add", "--file", file, "alice", "Starred");
    const list = await run(s, "imap-msgs", "list", "alice", "Starred");
    assert.match(list.out, /^1\t\S+\t24\t\\Seen\thello$/m);
    assert.match(list.out, /^2\t\S+\t24\t\thello$/m);
    assert.equal(
      (await run(s, "imap-msgs", "flags", "alice", "Starred", "add", "2", "$Work")).out,
      "1 changed\n",
    );
    assert.equal(
      (await run(s, "imap-msgs", "copy", "alice", "Starred", "1:*", "INBOX")).out,
      "1 -> 1\n2 -> 2\n",
    );
    assert.equal(
      (await run(s, "imap-msgs", "move", "alice", "INBOX", "2", "Trash")).out,
      "2 -> 1\n",
    );
    assert.equal(
      (await run(s, "imap-msgs", "remove", "-y", "alice", "Starred", "1")).out,
      "1 removed\n",
    );
    const out = `${t.dir}/dump.eml`;
    assert.equal((await run(s, "imap-msgs", "dump", "--out", out, "alice", "Trash", "1")).code, 0);
    assert.equal(await Deno.readTextFile(out), "Subject: hello\r\n\r\nbody\r\n");
    assert.equal((await run(s, "imap-msgs", "dump", "alice", "Trash", "9")).code, 1);
    assert.equal((await run(s, "imap-msgs", "list", "alice", "Nope")).code, 1);
    assert.equal((await run(s, "imap-msgs", "frobnicate")).code, 2);

    assert.equal((await run(s, "imap-mboxes", "remove", "--yes", "alice", "Starred")).code, 0);
    assert.equal((await run(s, "imap-acct", "remove", "-y", "alice")).code, 0);
    assert.equal((await run(s, "imap-acct", "list")).out, "");
  } finally {
    await t.cleanup();
  }
});

Deno.test("`runStoreCli()` imports an mbox file and a Maildir", async () => {
  const t = await openTestStore("memory");
  try {
    const s = t.store;
    await run(s, "imap-acct", "create", "bob");
    const mbox = `${t.dir}/in.mbox`;
    await Deno.writeTextFile(
      mbox,
      "From a@example.org Mon Jan  1 10:00:00 2024\nSubject: one\nStatus: RO\n\nHi\n>From the start\n\n" +
        "From b@example.org Tue Jan  2 10:00:00 2024\nSubject: two\n\nBye\n",
    );
    const r = await run(s, "import", "bob", "Old", mbox);
    assert.equal(r.out, 'Imported 2 messages into "Old"\n');
    const md = `${t.dir}/Maildir`;
    await Deno.mkdir(`${md}/cur`, { recursive: true });
    await Deno.mkdir(`${md}/new`, { recursive: true });
    await Deno.writeTextFile(`${md}/cur/1700000000.1.host:2,FS`, "Subject: three\n\nx\n");
    await Deno.writeTextFile(`${md}/new/1700000001.2.host`, "Subject: four\n\ny\n");
    assert.equal(
      (await run(s, "import", "bob", "Old", md)).out,
      'Imported 2 messages into "Old"\n',
    );
    const list = (await run(s, "imap-msgs", "list", "bob", "Old")).out.trim().split("\n");
    assert.equal(list.length, 4);
    assert.match(list[0], /^1\t2024-01-01T10:00:00.000Z\t\d+\t\\Seen\tone$/);
    assert.match(list[2], /^3\t\S+\t\d+\t\\Flagged \\Seen\tthree$/);
    const dump = `${t.dir}/d.eml`;
    await run(s, "imap-msgs", "dump", "--out", dump, "bob", "Old", "1");
    assert.equal(
      await Deno.readTextFile(dump),
      "Subject: one\r\nStatus: RO\r\n\r\nHi\r\nFrom the start\r\n",
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("`parseUidSet()` reads ranges and stars and rejects zero", () => {
  assert.deepEqual(parseUidSet("5,1:3,9:*"), [
    { from: 1, to: 3 },
    { from: 5, to: 5 },
    { from: 9, to: 0xffffffff },
  ]);
  assert.throws(() => parseUidSet("0:4"));
  assert.throws(() => parseUidSet("a"));
});

Deno.test("`readMbox()` splits only on From lines at message starts", () => {
  const bytes = new TextEncoder().encode(
    "From x Mon Jan  1 00:00:00 2024\nSubject: a\n\nline\nFrom inside body is not escaped\n",
  );
  const msgs = [...readMbox(bytes)];
  assert.equal(msgs.length, 2);
});

Deno.test("`runStoreCli()` asks before removing, takes --yes, and refuses without a terminal", async () => {
  const t = await openTestStore("memory");
  try {
    const s = t.store;
    await run(s, "imap-acct", "create", "carol");
    await run(s, "imap-mboxes", "create", "carol", "Old");
    const file = `${t.dir}/m.eml`;
    await Deno.writeTextFile(file, "Subject: keep\r\n\r\nbody\r\n");
    await run(s, "imap-msgs", "add", "--file", file, "carol", "Old");
    const removals = [
      ["imap-msgs", "remove", "carol", "Old", "1"],
      ["imap-mboxes", "remove", "carol", "Old"],
      ["imap-acct", "remove", "carol"],
    ] as const;
    const still = async () => (await run(s, "imap-msgs", "list", "carol", "Old")).out;
    for (const [command, ...args] of removals) {
      const refused = await run(s, command, ...args);
      assert.equal(refused.code, 1, `${command} ${args.join(" ")}`);
      assert.match(refused.err, /not confirmed: .*not a terminal.*--yes/);
      const no = await runAnswering(s, false, command, ...args);
      assert.equal(no.code, 1);
      assert.match(no.err, /cancelled/);
      assert.equal(no.asked.length, 1);
      assert.match(no.asked[0], /^Delete .*(carol|Old).*\?$/);
      assert.match(await still(), /^1\t.*\tkeep$/m, `${command} kept everything`);
    }
    assert.match(
      (await runAnswering(s, true, "imap-msgs", "remove", "carol", "Old", "1")).out,
      /^1 removed$/m,
    );
    assert.equal((await runAnswering(s, true, "imap-mboxes", "remove", "carol", "Old")).code, 0);
    assert.doesNotMatch((await run(s, "imap-mboxes", "list", "carol")).out, /Old/);
    assert.equal((await run(s, "imap-acct", "remove", "-y", "carol")).code, 0);
    assert.equal((await run(s, "imap-acct", "list")).out, "");
    // A missing account is reported without asking.
    const gone = await runAnswering(s, true, "imap-acct", "remove", "carol");
    assert.equal(gone.code, 1);
    assert.deepEqual(gone.asked, []);
    assert.match(gone.err, /No account "carol"/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("`runStoreCli()` imap-msgs fails naming UIDs that do not exist, and changes nothing", async () => {
  const t = await openTestStore("memory");
  try {
    const s = t.store;
    await run(s, "imap-acct", "create", "dave");
    await run(s, "imap-mboxes", "create", "dave", "Archive");
    const file = `${t.dir}/m.eml`;
    await Deno.writeTextFile(file, "Subject: one\r\n\r\nbody\r\n");
    await run(s, "imap-msgs", "add", "--file", file, "dave", "INBOX");
    await run(s, "imap-msgs", "add", "--file", file, "dave", "INBOX");
    const inbox = async () =>
      (await run(s, "imap-msgs", "list", "dave", "INBOX")).out.split("\n").filter(Boolean)
        .map((l) => l.split("\t")[0] + ":" + l.split("\t")[3]);
    const before = await inbox();
    assert.deepEqual(before, ["1:", "2:"]);
    const cases: [string[], RegExp][] = [
      [["move", "dave", "INBOX", "99", "Archive"], /no message with UID 99 in "INBOX"/],
      [["copy", "dave", "INBOX", "1,99", "Archive"], /no message with UID 99 in "INBOX"/],
      [["move", "dave", "INBOX", "2,7,5:6", "Archive"], /no messages with UIDs 7, 5:6 in "INBOX"/],
      [["remove", "-y", "dave", "INBOX", "1,3"], /no message with UID 3 in "INBOX"/],
      [["flags", "dave", "INBOX", "add", "2,40", "\\Flagged"], /no message with UID 40/],
      [["list", "--uid", "8:*", "dave", "INBOX"], /no messages with UIDs 8:\* in "INBOX"/],
    ];
    for (const [args, message] of cases) {
      const r = await run(s, "imap-msgs", ...args);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.err, message, args.join(" "));
      assert.match(r.err, /nothing was changed/);
      assert.equal(r.out, "");
    }
    assert.deepEqual(await inbox(), before);
    assert.equal((await run(s, "imap-msgs", "list", "dave", "Archive")).out, "");
    // A range that holds some messages is a set, as in IMAP: fine.
    const moved = await run(s, "imap-msgs", "move", "dave", "INBOX", "2:*", "Archive");
    assert.equal(moved.code, 0, moved.err);
    assert.equal(moved.out, "2 -> 1\n");
    // An empty mailbox has no "*".
    const empty = await run(s, "imap-msgs", "remove", "-y", "dave", "Junk", "*");
    assert.equal(empty.code, 1);
    assert.match(empty.err, /no message with UID \* in "Junk"/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("`runStoreCli()` imap-msgs list decodes UTF-8 subjects and encoded words", async () => {
  const t = await openTestStore("memory");
  try {
    const s = t.store;
    await run(s, "imap-acct", "create", "erin");
    const subjects = [
      ["Subject: café au lait", "café au lait"],
      ["Subject: =?UTF-8?B?Y2Fmw6k=?= =?UTF-8?Q?_cr=C3=A8me?=", "café crème"],
      ["Subject: =?ISO-8859-1?Q?caf=E9?= noir", "café noir"],
      ["Subject: folded\r\n  =?utf-8?q?line?=", "folded  line"],
      ["Subject: =?UTF-8?Q?tab=09and=0Anewline?=", "tab and newline"],
      ["From: x@example.org", ""],
    ];
    for (const [i, [field]] of subjects.entries()) {
      const file = `${t.dir}/${i}.eml`;
      await Deno.writeFile(file, new TextEncoder().encode(`${field}\r\n\r\nbody\r\n`));
      assert.equal((await run(s, "imap-msgs", "add", "--file", file, "erin", "INBOX")).code, 0);
    }
    const rows = (await run(s, "imap-msgs", "list", "erin", "INBOX")).out.split("\n")
      .filter(Boolean).map((l) => l.split("\t"));
    assert.deepEqual(rows.map((r) => r.length), subjects.map(() => 5));
    assert.deepEqual(rows.map((r) => r[4]), subjects.map(([, want]) => want));
  } finally {
    await t.cleanup();
  }
});

Deno.test("`runStoreCli()` import refuses what is not an mbox or a Maildir, before creating anything", async () => {
  const t = await openTestStore("memory");
  try {
    const s = t.store;
    await run(s, "imap-acct", "create", "fay");
    const before = (await run(s, "imap-mboxes", "list", "fay")).out;
    const text = `${t.dir}/notes.txt`;
    await Deno.writeTextFile(text, "Subject: not an mbox\n\nJust a message.\n");
    const bin = `${t.dir}/image.png`;
    await Deno.writeFile(bin, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
    const dir = `${t.dir}/plain-dir`;
    await Deno.mkdir(dir);
    const cases: [string, RegExp][] = [
      [text, /notes\.txt" is not an mbox file \(it does not begin with a "From " line\)/],
      [bin, /image\.png" is not an mbox file/],
      [dir, /plain-dir" is a directory but not a Maildir/],
      [`${t.dir}/missing.mbox`, /cannot read ".*missing\.mbox"/],
    ];
    for (const [source, message] of cases) {
      const r = await run(s, "import", "fay", "Imported", source);
      assert.equal(r.code, 1, source);
      assert.match(r.err, message);
      assert.equal(r.out, "");
      assert.equal((await run(s, "imap-mboxes", "list", "fay")).out, before, "no mailbox made");
    }
    // An empty file is an empty mbox.
    const empty = `${t.dir}/empty.mbox`;
    await Deno.writeFile(empty, new Uint8Array());
    assert.equal(
      (await run(s, "import", "fay", "Empty", empty)).out,
      'Imported 0 messages into "Empty"\n',
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("`runStoreCli()` list commands print JSON with --json", async () => {
  const t = await openTestStore("memory");
  try {
    const s = t.store;
    assert.deepEqual(JSON.parse((await run(s, "imap-acct", "list", "--json")).out), []);
    await run(s, "imap-acct", "create", "gus");
    await run(s, "imap-acct", "create", "hal");
    const accts = await run(s, "imap-acct", "list", "--json");
    assert.deepEqual(JSON.parse(accts.out), [{ name: "gus" }, { name: "hal" }]);
    await run(s, "imap-mboxes", "create", "--special", "archive", "gus", "Old");
    const boxes = JSON.parse((await run(s, "imap-mboxes", "list", "--json", "gus")).out);
    assert.deepEqual(boxes.find((b: { name: string }) => b.name === "Old"), {
      name: "Old",
      specialUse: "\\Archive",
      subscribed: false,
    });
    assert.deepEqual(boxes.find((b: { name: string }) => b.name === "INBOX").specialUse, null);
    assert.deepEqual(
      JSON.parse((await run(s, "imap-msgs", "list", "--json", "gus", "Old")).out),
      [],
    );
    const file = `${t.dir}/m.eml`;
    await Deno.writeTextFile(file, "Subject: =?UTF-8?Q?caf=C3=A9=09tab?=\r\n\r\nbody\r\n");
    await run(
      s,
      "imap-msgs",
      "add",
      "--file",
      file,
      "-f",
      "\\Seen",
      "-d",
      "2024-05-01T10:00:00Z",
      "gus",
      "Old",
    );
    await run(s, "imap-msgs", "add", "--file", file, "gus", "Old");
    const msgs = await run(s, "imap-msgs", "list", "--json", "--uid", "1", "gus", "Old");
    assert.equal(msgs.code, 0, msgs.err);
    assert.deepEqual(JSON.parse(msgs.out), [{
      uid: 1,
      internalDate: "2024-05-01T10:00:00.000Z",
      size: (await Deno.stat(file)).size,
      flags: ["\\Seen"],
      subject: "café\ttab",
    }]);
    assert.equal(
      JSON.parse((await run(s, "imap-msgs", "list", "--json", "gus", "Old")).out).length,
      2,
    );
    assert.equal((await run(s, "imap-acct", "create", "--json", "x")).code, 2);
  } finally {
    await t.cleanup();
  }
});
