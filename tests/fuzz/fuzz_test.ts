/**
 * The fuzz test (issue 12): a seeded, grammar-aware generator sends every
 * command of the command table, valid and mutated, split at random points,
 * to a real server in a child process over several connections. Every
 * command must get its tagged reply or a BYE within REPLY_MS, and a fresh
 * connection must still get a greeting at the end.
 *
 * The seed is printed; FUZZ_SEED=<n> replays it. Long runs:
 * FUZZ_SECONDS (default: a bounded count of commands instead),
 * FUZZ_CONNECTIONS (default 3), FUZZ_COMMANDS (per connection, default 200),
 * FUZZ_RSS_LIMIT_MB (fails when the server's RSS grew more than this).
 */
import assert from "node:assert/strict";
import { COMMANDS } from "../../lib/server/command_table.ts";
import { spawnTestServer } from "../_support/server.ts";
import { TestClient } from "../_support/imap_client.ts";
import { type FuzzCommand, Generator, serialize } from "./_generator.ts";

/** How long one command may take before it counts as a hang (the machine may be loaded). */
const REPLY_MS = 20_000;

const env = (name: string) => Deno.env.get(name);

interface Stats {
  commands: number;
  mutated: number;
  tagged: number;
  byes: number;
  reconnects: number;
  hangs: string[];
  lost: string[];
  serverBugs: string[];
  replies: Map<string, number>;
}

function rssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

function describe(tag: string, cmd: FuzzCommand): string {
  const text = new TextDecoder().decode(
    serialize(tag, cmd).reduce((a, b) => {
      const out = new Uint8Array(a.length + b.length);
      out.set(a);
      out.set(b, a.length);
      return out;
    }),
  );
  return JSON.stringify(text.length > 300 ? text.slice(0, 300) + "…" : text);
}

/** Writes `bytes` in random pieces, sometimes with a pause: the server must reassemble them. */
async function writeSplit(c: TestClient, g: Generator, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const n = g.chance(0.7) ? bytes.length - off : 1 + g.int(Math.min(64, bytes.length - off));
    await c.writeRaw(bytes.subarray(off, off + n));
    off += n;
    if (off < bytes.length && g.chance(0.1)) await new Promise((r) => setTimeout(r, g.int(3)));
  }
}

type Outcome = "tagged" | "bye" | "closed";

/** Reads until the tagged reply of `tag`, a BYE, or EOF; answers continuations as the command needs. */
async function awaitReply(
  c: TestClient,
  g: Generator,
  tag: string,
  cmd: FuzzCommand,
  stats: Stats,
): Promise<{ outcome: Outcome; line: string }> {
  for (;;) {
    const line = await c.readLine(REPLY_MS);
    if (line.startsWith(tag + " ")) return { outcome: "tagged", line };
    if (line.startsWith("* BYE")) return { outcome: "bye", line };
    if (line.startsWith("+")) {
      // A continuation inside the command: SASL challenges, IDLE.
      const answer = cmd.name === "IDLE"
        ? g.pick(["DONE", "DONE", "done", "NOPE"])
        : g.pick(["*", btoa("\0alice\0alice-pw"), btoa("\0alice\0nope"), "!!!", "", btoa("alice")]);
      await c.writeRaw(answer + "\r\n");
    }
    if (/^\S+ NO \[SERVERBUG\]/.test(line)) stats.serverBugs.push(line);
  }
}

async function runConnection(
  port: number,
  seed: number,
  index: number,
  until: { commands: number; deadline: number },
  stats: Stats,
): Promise<void> {
  const g = new Generator(seed * 1000 + index);
  const names = [...COMMANDS.keys()];
  let c: TestClient | null = null;
  let n = 0;
  let state: "not-authenticated" | "authenticated" | "selected" = "not-authenticated";
  const connect = async () => {
    c?.close();
    c = await TestClient.connect(port, "127.0.0.1", true);
    assert.match(c.greeting, /^\* (OK|PREAUTH)/, `greeting: ${c.greeting}`);
    state = "not-authenticated";
  };
  /** Most commands run logged in with a mailbox selected, so that every state is reached. */
  const setState = async () => {
    if (state === "not-authenticated" && g.chance(0.85)) {
      if (/ OK/.test((await c!.command("LOGIN alice alice-pw", REPLY_MS)).tagged)) {
        state = "authenticated";
      }
    }
    if (state === "authenticated" && g.chance(0.75)) {
      const box = g.pick(["INBOX", "INBOX", "Archive", "Fuzz1"]);
      if (/ OK/.test((await c!.command(`SELECT ${box}`, REPLY_MS)).tagged)) state = "selected";
    }
  };
  await connect();
  while (n < until.commands && Date.now() < until.deadline) {
    await setState();
    const cmd = g.command(names);
    const tag = `f${index}.${++n}`;
    stats.commands++;
    if (cmd.mutated) stats.mutated++;
    const parts = serialize(tag, cmd);
    let result: { outcome: Outcome; line: string } | null = null;
    try {
      for (let i = 0; i < parts.length && !result; i++) {
        await writeSplit(c!, g, parts[i]);
        if (i === parts.length - 1) break;
        // A synchronizing literal: "+" to go on, or the command's answer (refused).
        for (;;) {
          const line = await c!.readLine(REPLY_MS);
          if (line.startsWith("+")) break;
          if (line.startsWith(tag + " ")) {
            result = { outcome: "tagged", line };
            break;
          }
          if (line.startsWith("* BYE")) {
            result = { outcome: "bye", line };
            break;
          }
        }
      }
      result ??= await awaitReply(c!, g, tag, cmd, stats);
    } catch (err) {
      const message = (err as Error).message;
      if (message.startsWith("Timed out")) {
        stats.hangs.push(`${describe(tag, cmd)}: ${message.slice(0, 300)}`);
      } else if (message === "EOF" || /reset|Broken pipe|closed/i.test(message)) {
        stats.lost.push(`${describe(tag, cmd)}: ${message}`);
      } else throw err;
      result = { outcome: "closed", line: "" };
    }
    if (result.outcome === "tagged") {
      stats.tagged++;
      const status = /^\S+ (\S+)/.exec(result.line)?.[1] ?? "?";
      if (env("FUZZ_VERBOSE") && status === "BAD" && !cmd.mutated) {
        console.log(`BAD for valid ${describe(tag, cmd)}: ${result.line}`);
      }
      stats.replies.set(
        `${cmd.name} ${status}`,
        (stats.replies.get(`${cmd.name} ${status}`) ?? 0) + 1,
      );
      if (/ NO \[SERVERBUG\]/.test(result.line)) {
        stats.serverBugs.push(`${describe(tag, cmd)} → ${result.line}`);
      }
    }
    if (result.outcome === "bye") stats.byes++;
    const ok = result.outcome === "tagged" && / OK/.test(result.line);
    if (ok && ["LOGIN", "AUTHENTICATE"].includes(cmd.name)) state = "authenticated";
    if (ok && ["SELECT", "EXAMINE"].includes(cmd.name)) state = "selected";
    if (!ok && ["SELECT", "EXAMINE"].includes(cmd.name) && state === "selected") {
      state = "authenticated"; // a failed SELECT leaves no mailbox selected (RFC 3501 §6.3.1)
    }
    if (ok && ["CLOSE", "UNSELECT"].includes(cmd.name)) state = "authenticated";
    if (ok && cmd.name === "UNAUTHENTICATE") state = "not-authenticated";
    const compressed = cmd.name === "COMPRESS" && / OK/.test(result.line);
    const loggedOut = cmd.name === "LOGOUT" && result.outcome !== "closed";
    if (result.outcome !== "tagged" || compressed || loggedOut) {
      // A BYE ends the session; after COMPRESS the stream is deflate, which this client does not speak.
      if (result.outcome === "bye" || loggedOut) {
        await c!.closedByServer(REPLY_MS).catch(() => false);
      }
      stats.reconnects++;
      await connect();
    }
  }
  (c as TestClient | null)?.close();
}

Deno.test("fuzz: every command, valid and mutated, gets its reply or a BYE, and the server stays up", async () => {
  const seed = Number(env("FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 31));
  const connections = Number(env("FUZZ_CONNECTIONS") ?? 3);
  const seconds = env("FUZZ_SECONDS");
  const perConnection = Number(env("FUZZ_COMMANDS") ?? (seconds ? Infinity : 200));
  console.log(`fuzz seed=${seed} (replay: FUZZ_SEED=${seed}) connections=${connections}`);

  // Every command of the table has a generator (a new command needs one).
  const g = new Generator(seed);
  for (const name of COMMANDS.keys()) g.args(name);

  const srv = await spawnTestServer({
    imapExtra: "",
    users: { alice: "alice-pw" },
  });
  const stats: Stats = {
    commands: 0,
    mutated: 0,
    tagged: 0,
    byes: 0,
    reconnects: 0,
    hangs: [],
    lost: [],
    serverBugs: [],
    replies: new Map(),
  };
  try {
    // A few messages and mailboxes to work on.
    const setup = await TestClient.connect(srv.port);
    await setup.login("alice", "alice-pw");
    for (const box of ["Archive/2020", "Fuzz1", "a/b/c/d"]) await setup.command(`CREATE "${box}"`);
    for (let i = 0; i < 8; i++) {
      const m = new Generator(seed + i).message();
      await setup.writeRaw(`s${i} APPEND INBOX {${m.length}+}\r\n`);
      await setup.writeRaw(m);
      await setup.writeRaw("\r\n");
      await setup.readUntilTagged(`s${i}`, REPLY_MS);
    }
    setup.close();

    const rssStart = rssMb(srv.process.pid);
    const deadline = seconds ? Date.now() + Number(seconds) * 1000 : Infinity;
    await Promise.all(
      Array.from(
        { length: connections },
        (_, i) => runConnection(srv.port, seed, i, { commands: perConnection, deadline }, stats),
      ),
    );
    const fresh = await TestClient.connect(srv.port);
    assert.match(fresh.greeting, /^\* OK/);
    assert.match((await fresh.command("NOOP", REPLY_MS)).tagged, /OK/);
    fresh.close();
    const rssEnd = rssMb(srv.process.pid);

    const summary = [...stats.replies.entries()].sort().map(([k, v]) => `${k}=${v}`).join(" ");
    console.log(
      `fuzz: ${stats.commands} commands (${stats.mutated} mutated), ${stats.tagged} tagged replies, ` +
        `${stats.byes} BYE, ${stats.reconnects} reconnects, ${stats.hangs.length} hangs, ` +
        `${stats.lost.length} lost, ${stats.serverBugs.length} SERVERBUG; ` +
        `server RSS ${rssStart.toFixed(1)} → ${rssEnd.toFixed(1)} MB`,
    );
    console.log(`fuzz replies: ${summary}`);
    for (const h of stats.hangs.slice(0, 5)) console.log(`hang: ${h}`);
    for (const l of stats.lost.slice(0, 5)) console.log(`lost: ${l}`);
    for (const b of stats.serverBugs.slice(0, 5)) console.log(`serverbug: ${b}`);
    assert.deepEqual(stats.hangs, [], `seed ${seed}: commands without a reply`);
    assert.deepEqual(stats.lost, [], `seed ${seed}: connections closed without a BYE`);
    assert.deepEqual(stats.serverBugs, [], `seed ${seed}: internal errors`);
    const limit = env("FUZZ_RSS_LIMIT_MB");
    if (limit) assert.ok(rssEnd - rssStart <= Number(limit), `RSS grew ${rssEnd - rssStart} MB`);
  } finally {
    await srv.stop("SIGKILL");
  }
});
