/**
 * Runs every golden transcript in tests/transcripts/ against a fresh
 * server (see tests/transcripts/README.md for the format), on libSQL and
 * again on PostgreSQL (mailboxes and credentials; ignored, with the reason
 * printed, where no cluster can be started: tests/_support/postgres.ts).
 */
import { baseConfig, onPostgres, startTestServer } from "./_support/server.ts";
import { postgres } from "./_support/postgres.ts";
import { checkResponses } from "./_support/response_grammar.ts";

const dir = new URL("./transcripts/", import.meta.url);
const enc = new TextEncoder();
const dec = new TextDecoder();

interface Step {
  line: number;
  kind: "send" | "expect" | "expect-any" | "wait";
  conn: number;
  text: string;
}

function parseTranscript(text: string): Step[] {
  const steps: Step[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || line.startsWith("#") || line.startsWith("!storage ")) return;
    const wait = /^!wait (\d+)$/.exec(line);
    if (wait) {
      steps.push({ line: i + 1, kind: "wait", conn: 0, text: wait[1] });
      return;
    }
    const m = /^([CS])(\d*)(~?): ?(.*)$/.exec(line);
    if (!m) throw new Error(`line ${i + 1}: cannot read ${JSON.stringify(line)}`);
    const conn = m[2] ? Number(m[2]) : 1;
    const kind = m[1] === "C" ? "send" : m[3] ? "expect-any" : "expect";
    steps.push({ line: i + 1, kind, conn, text: m[4] });
  });
  return steps;
}

/** Compiles a pattern into a matcher given the captures so far. */
function matches(pattern: string, actual: string, vars: Map<string, string>): boolean {
  const names: string[] = [];
  let re = "^";
  const tokens = pattern.split(/(\.\.\.|\$[A-Za-z_][A-Za-z0-9_]*)/);
  for (const t of tokens) {
    if (t === "...") re += ".*";
    else if (/^\$[A-Za-z_]/.test(t)) {
      const name = t.slice(1);
      if (vars.has(name)) re += escape(vars.get(name)!);
      else {
        names.push(name);
        re += "([^\\s()\\[\\]]+)";
      }
    } else re += escape(t);
  }
  const m = new RegExp(re + "$", "s").exec(actual);
  if (!m) return false;
  names.forEach((n, i) => vars.set(n, m[i + 1]));
  return true;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

class LineConn {
  #conn: Deno.Conn;
  #buf = new Uint8Array(0);
  /** Every byte the server sent, and how many of them the transcript has read as lines. */
  #received: Uint8Array[] = [];
  #consumed = 0;
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }
  async send(text: string): Promise<void> {
    const data = enc.encode(text + "\r\n");
    let off = 0;
    while (off < data.length) off += await this.#conn.write(data.subarray(off));
  }
  async line(): Promise<string> {
    for (;;) {
      const i = this.#buf.indexOf(0x0a);
      if (i >= 0) {
        const end = i > 0 && this.#buf[i - 1] === 0x0d ? i - 1 : i;
        const text = dec.decode(this.#buf.subarray(0, end));
        this.#buf = this.#buf.slice(i + 1);
        this.#consumed += i + 1;
        return text;
      }
      const chunk = new Uint8Array(65536);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const n = await Promise.race([
        this.#conn.read(chunk),
        new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), 5000))),
      ]).finally(() => clearTimeout(timer));
      if (n === "timeout") {
        throw new Error(`timed out; buffered ${JSON.stringify(dec.decode(this.#buf))}`);
      }
      if (n === null) throw new Error("connection closed by the server");
      this.#received.push(chunk.slice(0, n));
      const next = new Uint8Array(this.#buf.length + n);
      next.set(this.#buf);
      next.set(chunk.subarray(0, n), this.#buf.length);
      this.#buf = next;
    }
  }
  /** What the server sent that the transcript read, as one array. */
  get transcript(): Uint8Array {
    const all = new Uint8Array(this.#received.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.#received) {
      all.set(c, at);
      at += c.length;
    }
    return all.subarray(0, this.#consumed);
  }

  close(): void {
    try {
      this.#conn.close();
    } catch { /* closed */ }
  }
}

/** `!storage key = value` lines: keys added to the transcript server's storage section. */
function storageKeys(text: string): string {
  return text.split("\n").filter((l) => l.startsWith("!storage "))
    .map((l) => l.slice("!storage ".length).replace(/\r$/, "")).join("\n");
}

async function run(file: string, text: string, pgDsn?: string): Promise<void> {
  const steps = parseTranscript(text);
  const extra = storageKeys(text);
  const config = (d: string) => baseConfig(d) + extra + "\n";
  const srv = await startTestServer({
    config: pgDsn ? (d) => onPostgres(config(d), pgDsn) : config,
  });
  const conns = new Map<number, LineConn>();
  const vars = new Map<string, string>();
  const open = async (n: number) => {
    let c = conns.get(n);
    if (!c) {
      c = new LineConn(await Deno.connect({ hostname: "127.0.0.1", port: srv.port }));
      conns.set(n, c);
      const greeting = await c.line();
      if (!greeting.startsWith("* OK")) throw new Error(`${file}: bad greeting ${greeting}`);
    }
    return c;
  };
  try {
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (step.kind === "wait") {
        await new Promise((r) => setTimeout(r, Number(step.text)));
        continue;
      }
      const c = await open(step.conn);
      if (step.kind === "send") {
        // A captured $name stands for its value in what the client sends too.
        await c.send(
          step.text.replace(/\$[A-Za-z_][A-Za-z0-9_]*/g, (t) => vars.get(t.slice(1)) ?? t),
        );
        continue;
      }
      if (step.kind === "expect") {
        const actual = await c.line().catch((e) => `<${(e as Error).message}>`);
        if (!matches(step.text, actual, vars)) {
          throw new Error(`${file}:${step.line}: expected\n  ${step.text}\ngot\n  ${actual}`);
        }
        continue;
      }
      // A group of S~: lines on the same connection, matched in any order.
      const group: Step[] = [];
      while (i < steps.length && steps[i].kind === "expect-any" && steps[i].conn === step.conn) {
        group.push(steps[i++]);
      }
      i--;
      const lines: string[] = [];
      for (let k = 0; k < group.length; k++) lines.push(await c.line());
      for (const g of group) {
        const at = lines.findIndex((l) => matches(g.text, l, vars));
        if (at < 0) {
          throw new Error(
            `${file}:${g.line}: expected a line matching\n  ${g.text}\namong\n  ${
              lines.join("\n  ")
            }`,
          );
        }
        lines.splice(at, 1);
      }
    }
    // Every response of the session, read with a strict grammar of our own.
    for (const [n, c] of conns) {
      try {
        checkResponses(c.transcript);
      } catch (e) {
        throw new Error(`${file}: connection ${n}: ${(e as Error).message}`);
      }
    }
  } finally {
    for (const c of conns.values()) c.close();
    await srv.close();
  }
}

const cluster = await postgres();
for await (const entry of Deno.readDir(dir)) {
  if (!entry.isFile || !entry.name.endsWith(".imap")) continue;
  const text = await Deno.readTextFile(new URL(entry.name, dir));
  Deno.test(`transcript ${entry.name}`, () => run(entry.name, text));
  Deno.test({
    name: `transcript ${entry.name} (postgres)`,
    ignore: cluster === null,
    fn: async () => run(entry.name, text, await cluster!.createMigratedDatabase()),
  });
}
