/**
 * A small IMAP client for tests: sends raw lines, reads responses line by
 * line (literals kept inline, so a FETCH with a body is one "line" holding
 * CRLFs), and collects everything up to a tagged reply.
 */
const enc = new TextEncoder();
const dec = new TextDecoder();

export interface Reply {
  /** The tagged line, e.g. "a1 OK LOGIN completed". */
  tagged: string;
  /** Untagged and continuation lines before it, in order. */
  untagged: string[];
}

export class TestClient {
  readonly conn: Deno.Conn;
  #buf = new Uint8Array(0);
  #tag = 0;
  greeting = "";

  private constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  static async connect(
    port: number,
    hostname = "127.0.0.1",
    readGreeting = true,
  ): Promise<TestClient> {
    const client = new TestClient(await Deno.connect({ hostname, port }));
    if (readGreeting) client.greeting = await client.readLine();
    return client;
  }

  static wrap(conn: Deno.Conn): TestClient {
    return new TestClient(conn);
  }

  async writeRaw(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? enc.encode(data) : data;
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
  }

  /** Reads one response line; a literal {N} pulls its bytes and the rest of the line in. */
  async readLine(timeoutMs = 10_000): Promise<string> {
    let out = "";
    for (;;) {
      const line = await this.#readRawLine(timeoutMs);
      out += line;
      const m = /\{(\d+)\}$/.exec(line);
      if (!m) return out;
      const n = Number(m[1]);
      out += "\r\n" + dec.decode(await this.#readBytes(n, timeoutMs));
    }
  }

  /** Sends `command` with a fresh tag and reads up to its tagged reply. */
  async command(command: string, timeoutMs = 10_000): Promise<Reply> {
    const tag = `t${++this.#tag}`;
    await this.writeRaw(`${tag} ${command}\r\n`);
    return await this.readUntilTagged(tag, timeoutMs);
  }

  async readUntilTagged(tag: string, timeoutMs = 10_000): Promise<Reply> {
    const untagged: string[] = [];
    for (;;) {
      const line = await this.readLine(timeoutMs);
      if (line.startsWith(tag + " ")) return { tagged: line, untagged };
      untagged.push(line);
    }
  }

  /** Logs in with LOGIN and fails the test on anything but OK. */
  async login(user: string, password: string): Promise<Reply> {
    const reply = await this.command(`LOGIN ${quote(user)} ${quote(password)}`);
    if (!/^\S+ OK/.test(reply.tagged)) throw new Error(`Login failed: ${reply.tagged}`);
    return reply;
  }

  /** True when the server closed the connection (reads until EOF). */
  async closedByServer(timeoutMs = 5000): Promise<boolean> {
    try {
      for (;;) await this.#readRawLine(timeoutMs);
    } catch (err) {
      return (err as Error).message === "EOF";
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  async #fill(timeoutMs: number): Promise<void> {
    const chunk = new Uint8Array(65536);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((
      r,
    ) => (timer = setTimeout(() => r("timeout"), timeoutMs)));
    const n = await Promise.race([this.conn.read(chunk), timeout]).finally(() =>
      clearTimeout(timer)
    );
    if (n === "timeout") {
      throw new Error(
        `Timed out waiting for the server; buffered: ${JSON.stringify(dec.decode(this.#buf))}`,
      );
    }
    if (n === null) throw new Error("EOF");
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
  }

  async #readRawLine(timeoutMs: number): Promise<string> {
    for (;;) {
      const i = this.#buf.indexOf(0x0a);
      if (i >= 0) {
        const end = i > 0 && this.#buf[i - 1] === 0x0d ? i - 1 : i;
        const line = dec.decode(this.#buf.subarray(0, end));
        this.#buf = this.#buf.slice(i + 1);
        return line;
      }
      await this.#fill(timeoutMs);
    }
  }

  async #readBytes(n: number, timeoutMs: number): Promise<Uint8Array> {
    while (this.#buf.length < n) await this.#fill(timeoutMs);
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }
}

export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (m) => "\\" + m)}"`;
}
