// A small IMAP load client of our own for `make bench`: no library between the
// harness and the socket, so both servers are measured through the same thin
// code. It pipelines (commands are written without waiting), reads literals by
// their announced length (RFC 3501 §4.3) so FETCH of bodies is counted right,
// and times each command from its write to its tagged completion.

/** One server response, with any literals taken out of its text. */
export type Response =
  | {
    kind: "untagged";
    /** The response text after "* ", literals replaced by their `{N}` marker only. */
    text: string;
    /** Sizes of the literals in order of appearance. */
    literalSizes: number[];
    /** Literal contents, kept only when the parser was asked to keep them. */
    literals: Uint8Array[];
  }
  | { kind: "tagged"; tag: string; status: "OK" | "NO" | "BAD"; text: string }
  | { kind: "continuation"; text: string };

const LF = 10;
const CR = 13;
const decoder = new TextDecoder();

/**
 * Turns a byte stream from an IMAP server into responses. Incremental: bytes
 * may be split anywhere, including inside a literal or a CRLF.
 */
export class ResponseParser {
  // The line being read; it always starts at offset 0 and is emptied at each LF.
  #buf = new Uint8Array(64 * 1024);
  #end = 0;
  #keepLiterals: boolean;
  // State of the response being assembled across literals.
  #parts: string[] = [];
  #sizes: number[] = [];
  #literals: Uint8Array[] = [];
  #literalLeft = -1; // bytes of the current literal still to read; -1 when reading a line
  #literalBuf: Uint8Array | null = null;
  #literalPos = 0;

  constructor(options: { keepLiterals?: boolean } = {}) {
    this.#keepLiterals = options.keepLiterals ?? false;
  }

  /** Total bytes of literals seen so far (kept or not). */
  literalBytes = 0;

  /** Feeds bytes; returns the responses they complete (possibly none). */
  push(chunk: Uint8Array): Response[] {
    const out: Response[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#literalLeft >= 0) {
        const n = Math.min(this.#literalLeft, chunk.length - pos);
        if (this.#literalBuf) this.#literalBuf.set(chunk.subarray(pos, pos + n), this.#literalPos);
        this.#literalPos += n;
        this.#literalLeft -= n;
        pos += n;
        if (this.#literalLeft === 0) {
          if (this.#literalBuf) this.#literals.push(this.#literalBuf);
          this.#literalBuf = null;
          this.#literalLeft = -1;
        }
        continue;
      }
      // Line mode: copy up to and including the next LF into the line buffer.
      const lf = chunk.indexOf(LF, pos);
      const stop = lf < 0 ? chunk.length : lf + 1;
      this.#append(chunk.subarray(pos, stop));
      pos = stop;
      if (lf < 0) break;
      this.#endOfLine(out);
    }
    return out;
  }

  #append(bytes: Uint8Array): void {
    if (this.#end + bytes.length > this.#buf.length) {
      const next = new Uint8Array((this.#end + bytes.length) * 2);
      next.set(this.#buf.subarray(0, this.#end), 0);
      this.#buf = next;
    }
    this.#buf.set(bytes, this.#end);
    this.#end += bytes.length;
  }

  #endOfLine(out: Response[]): void {
    let stop = this.#end - 1; // at LF
    if (stop > 0 && this.#buf[stop - 1] === CR) stop--;
    const line = decoder.decode(this.#buf.subarray(0, stop));
    this.#end = 0;
    const literal = /\{(\d+)\+?\}$/.exec(line);
    if (literal) {
      const size = Number(literal[1]);
      this.#parts.push(line);
      this.#sizes.push(size);
      this.literalBytes += size;
      if (size === 0) {
        if (this.#keepLiterals) this.#literals.push(new Uint8Array(0));
        return;
      }
      this.#literalLeft = size;
      this.#literalPos = 0;
      this.#literalBuf = this.#keepLiterals ? new Uint8Array(size) : null;
      return;
    }
    if (this.#parts.length > 0) {
      this.#parts.push(line);
      const text = this.#parts.join("");
      out.push({
        kind: "untagged",
        text: text.startsWith("* ") ? text.slice(2) : text,
        literalSizes: this.#sizes,
        literals: this.#literals,
      });
      this.#parts = [];
      this.#sizes = [];
      this.#literals = [];
      return;
    }
    out.push(classify(line));
  }
}

/** Classifies one complete response line that carries no literal. */
export function classify(line: string): Response {
  if (line.startsWith("* ")) {
    return { kind: "untagged", text: line.slice(2), literalSizes: [], literals: [] };
  }
  if (line === "+" || line.startsWith("+ ")) return { kind: "continuation", text: line.slice(2) };
  const sp = line.indexOf(" ");
  const tag = sp < 0 ? line : line.slice(0, sp);
  const rest = sp < 0 ? "" : line.slice(sp + 1);
  const sp2 = rest.indexOf(" ");
  const word = (sp2 < 0 ? rest : rest.slice(0, sp2)).toUpperCase();
  const text = sp2 < 0 ? "" : rest.slice(sp2 + 1);
  if (word === "OK" || word === "NO" || word === "BAD") {
    return { kind: "tagged", tag, status: word, text };
  }
  // A line that is neither is a protocol error from the server; report it as BAD
  // under its first word so the waiting command fails visibly.
  return {
    kind: "tagged",
    tag,
    status: "BAD",
    text: `Unparsable response ${JSON.stringify(line)}`,
  };
}

/** The outcome of one command. */
export interface CommandResult {
  status: "OK" | "NO" | "BAD";
  text: string;
  /** Untagged responses received since the previous tagged completion. */
  untagged: Response[];
  /** Milliseconds from the write of the command to its tagged completion. */
  ms: number;
}

/** Counts untagged responses whose text matches `* <n> <WORD>` (e.g. FETCH, EXISTS). */
export function countNumbered(untagged: Response[], word: string): number {
  let n = 0;
  const re = new RegExp(`^\\d+ ${word}(?: |$)`, "i");
  for (const r of untagged) if (r.kind === "untagged" && re.test(r.text)) n++;
  return n;
}

/** The number in the last `* <n> EXISTS`, or undefined. */
export function lastExists(untagged: Response[]): number | undefined {
  let found: number | undefined;
  for (const r of untagged) {
    if (r.kind !== "untagged") continue;
    const m = /^(\d+) EXISTS$/i.exec(r.text);
    if (m) found = Number(m[1]);
  }
  return found;
}

/** The numbers of `* SEARCH n n n`, concatenated over all SEARCH responses. */
export function searchResults(untagged: Response[]): number[] {
  const out: number[] = [];
  for (const r of untagged) {
    if (r.kind !== "untagged") continue;
    if (!/^SEARCH\b/i.test(r.text)) continue;
    for (const w of r.text.slice(6).trim().split(" ")) if (w) out.push(Number(w));
  }
  return out;
}

/**
 * Marks a command's promise as handled: when the connection drops, commands in
 * flight reject, and one the caller has not awaited yet must not end the
 * process as an unhandled rejection. Awaiting it still throws.
 */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

interface Pending {
  tag: string;
  start: number;
  resolve: (r: CommandResult) => void;
  reject: (e: Error) => void;
}

const encoder = new TextEncoder();

/** One IMAP connection on `Deno.connect`. */
export class ImapClient {
  #conn: Deno.TcpConn;
  #parser: ResponseParser;
  #pending: Pending[] = [];
  #untagged: Response[] = [];
  #continuations: ((text: string) => void)[] = [];
  #next = 1;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  #error: Error | null = null;
  #greeting: Promise<Response>;
  #greeted: ((r: Response) => void) | null = null;
  /** Capabilities announced in the greeting's or LOGIN's CAPABILITY code. */
  capabilities = new Set<string>();

  private constructor(conn: Deno.TcpConn, keepLiterals: boolean) {
    this.#conn = conn;
    this.#parser = new ResponseParser({ keepLiterals });
    this.#greeting = new Promise((resolve) => this.#greeted = resolve);
    this.#readLoop();
  }

  /** Connects and waits for the server's greeting. */
  static async connect(
    port: number,
    options: { hostname?: string; keepLiterals?: boolean } = {},
  ): Promise<ImapClient> {
    const conn = await Deno.connect({ hostname: options.hostname ?? "127.0.0.1", port });
    conn.setNoDelay(true);
    const client = new ImapClient(conn, options.keepLiterals ?? false);
    const greeting = await client.#greeting;
    if (greeting.kind !== "untagged" || !/^(OK|PREAUTH)\b/i.test(greeting.text)) {
      client.close();
      throw new Error(`Unexpected greeting ${JSON.stringify(greeting)}`);
    }
    client.#noteCapabilities(greeting.text);
    return client;
  }

  /** Whether the connection has failed or been closed. */
  get closed(): boolean {
    return this.#closed || this.#error !== null;
  }

  /** Bytes of literals received on this connection. */
  get literalBytes(): number {
    return this.#parser.literalBytes;
  }

  /** Sends one command (text without tag and CRLF); resolves at its tagged completion. */
  command(text: string): Promise<CommandResult> {
    return this.#send([encoder.encode(`${this.#tag()} ${text}\r\n`)]);
  }

  /** Sends several commands in one write (pipelined); resolves when all complete. */
  pipeline(texts: string[]): Promise<CommandResult[]> {
    if (texts.length === 0) return Promise.resolve([]);
    const tags = texts.map(() => this.#tag());
    const bytes = encoder.encode(texts.map((t, i) => `${tags[i]} ${t}\r\n`).join(""));
    const start = performance.now();
    const results = tags.map((tag) =>
      handled(
        new Promise<CommandResult>((resolve, reject) => {
          this.#pending.push({ tag, start, resolve, reject });
        }),
      )
    );
    this.#write(bytes);
    return Promise.all(results);
  }

  /**
   * APPEND one message with a non-synchronizing literal (RFC 7888) when the server
   * announced LITERAL+, else with a synchronizing one. Does not wait for earlier
   * appends: callers bound how many are in flight.
   */
  append(mailbox: string, message: Uint8Array, flags = "", date?: string): Promise<CommandResult> {
    const tag = this.#tag();
    const plus = this.capabilities.has("LITERAL+");
    const head = `${tag} APPEND ${mailbox}${flags ? ` (${flags})` : ""}${
      date ? ` "${date}"` : ""
    } {${message.length}${plus ? "+" : ""}}\r\n`;
    const headBytes = encoder.encode(head);
    if (plus) {
      const all = new Uint8Array(headBytes.length + message.length + 2);
      all.set(headBytes, 0);
      all.set(message, headBytes.length);
      all.set([CR, LF], headBytes.length + message.length);
      return this.#send([all], tag);
    }
    const start = performance.now();
    const done = new Promise<CommandResult>((resolve, reject) => {
      this.#pending.push({ tag, start, resolve, reject });
    });
    handled(done);
    this.#continuations.push(() => {
      this.#write(message);
      this.#write(new Uint8Array([CR, LF]));
    });
    this.#write(headBytes);
    return done;
  }

  /** Starts IDLE and resolves once the server's continuation arrives. */
  async idle(): Promise<{ done: () => Promise<CommandResult> }> {
    const tag = this.#tag();
    const cont = new Promise<null>((resolve) => this.#continuations.push(() => resolve(null)));
    const finished = this.#send([encoder.encode(`${tag} IDLE\r\n`)], tag);
    const early = await Promise.race([cont, finished]);
    if (early) throw new Error(`IDLE refused: ${early.status} ${early.text}`);
    return {
      done: () => {
        this.#write(encoder.encode("DONE\r\n"));
        return finished;
      },
    };
  }

  /** Closes the socket without LOGOUT. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed by the peer
    }
  }

  #tag(): string {
    return `A${this.#next++}`;
  }

  #send(chunks: Uint8Array[], tag?: string): Promise<CommandResult> {
    const t = tag ?? decoder.decode(chunks[0].subarray(0, chunks[0].indexOf(32)));
    if (this.#error) return Promise.reject(this.#error);
    const start = performance.now();
    const done = new Promise<CommandResult>((resolve, reject) => {
      this.#pending.push({ tag: t, start, resolve, reject });
    });
    handled(done);
    for (const c of chunks) this.#write(c);
    return done;
  }

  #write(bytes: Uint8Array): void {
    this.#writing = this.#writing.then(async () => {
      if (this.#error) return;
      let off = 0;
      while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
    }).catch((e) => this.#fail(e instanceof Error ? e : new Error(String(e))));
  }

  #noteCapabilities(text: string): void {
    const m = /\[CAPABILITY ([^\]]*)\]/i.exec(text) ?? /^CAPABILITY (.*)$/i.exec(text);
    if (!m) return;
    this.capabilities = new Set(m[1].toUpperCase().split(" ").filter((w) => w));
  }

  async #readLoop(): Promise<void> {
    const buf = new Uint8Array(256 * 1024);
    try {
      while (true) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        for (const r of this.#parser.push(buf.subarray(0, n))) this.#dispatch(r);
      }
      this.#fail(new Error("Connection closed by the server"));
    } catch (e) {
      this.#fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  #dispatch(r: Response): void {
    if (this.#greeted) {
      const g = this.#greeted;
      this.#greeted = null;
      g(r);
      return;
    }
    if (r.kind === "untagged") {
      this.#noteCapabilities(r.text);
      this.#untagged.push(r);
      return;
    }
    if (r.kind === "continuation") {
      const c = this.#continuations.shift();
      if (c) c(r.text);
      return;
    }
    const i = this.#pending.findIndex((p) => p.tag === r.tag);
    if (i < 0) return; // a tag we never sent: ignore
    const [p] = this.#pending.splice(i, 1);
    this.#noteCapabilities(r.text);
    const untagged = this.#untagged;
    this.#untagged = [];
    p.resolve({ status: r.status, text: r.text, untagged, ms: performance.now() - p.start });
  }

  #fail(e: Error): void {
    if (this.#error) return;
    this.#error = e;
    if (this.#greeted) {
      const g = this.#greeted;
      this.#greeted = null;
      g({ kind: "tagged", tag: "*", status: "BAD", text: e.message });
    }
    for (const p of this.#pending.splice(0)) p.reject(e);
    this.close();
  }
}

/** Sends a command and throws unless it completes with OK. */
export async function must(client: ImapClient, text: string): Promise<CommandResult> {
  const r = await client.command(text);
  if (r.status !== "OK") throw new Error(`${text.split(" ")[0]} failed: ${r.status} ${r.text}`);
  return r;
}

/** Quotes a string as an IMAP quoted string (RFC 3501 §4.3). */
export function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
