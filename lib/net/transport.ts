/**
 * A byte stream to one client, whatever carries it: a plain `Deno.Conn`
 * (read into a reused buffer, the fastest path we measured) or a `node:tls`
 * socket (tls:// listeners, STARTTLS, TLS after a PROXY header). Server-side
 * STARTTLS has no `Deno.*` API; `node:tls` over a Duplex wrapping the
 * Deno.Conn works (see docs/design.md).
 */
import tls from "node:tls";
import { Duplex } from "node:stream";
import { Buffer } from "node:buffer";
import { concatBytes } from "../bytes.ts";
import { quickAckFor } from "./tcp_quickack.ts";

export interface Transport {
  /** The next chunk, or null at end of stream. Valid until the next call. */
  read(): Promise<Uint8Array | null>;
  /** Writes all chunks, waiting for the kernel (or TLS) to take them. */
  write(chunks: Uint8Array[]): Promise<void>;
  /** Closes the stream; pending reads end with null. */
  close(): void;
  readonly secure: boolean;
  /** The TLS protocol in use, e.g. "TLSv1.3", or null. */
  readonly tlsProtocol: string | null;
  /** Starts server-side TLS on this stream (STARTTLS), `head` being bytes already read. */
  startTls(options: tls.TlsOptions, head?: Uint8Array): Promise<Transport>;
  /**
   * Asks the kernel to acknowledge the client's next segments at once
   * (after a continuation request; see tcp_quickack.ts). Optional: a no-op
   * where it cannot be done.
   */
  quickAck?(): void;
}

/** The read buffer while data streams in (an APPEND's literal). */
const READ_SIZE = 64 * 1024;
/** The read buffer of a quiet connection: what a command line needs. */
const QUIET_READ_SIZE = 4 * 1024;

/**
 * The buffer a connection reads into. Most connections are quiet most of the
 * time (a client in IDLE holds one read pending for up to 30 minutes), so a
 * read uses a small buffer; a read that filled it means data is streaming
 * in, and the next reads use a large one until a read again fits the small
 * one, when the large one is let go (issue 18: memory per IDLE connection).
 */
export class ReadBuffer {
  readonly #small = new Uint8Array(QUIET_READ_SIZE);
  #large: Uint8Array | null = null;

  /** The buffer for the next read. */
  get next(): Uint8Array {
    return this.#large ?? this.#small;
  }

  /** Records that the last read returned `n` bytes. */
  filled(n: number): void {
    if (n < QUIET_READ_SIZE) this.#large = null;
    else if (this.#large === null) this.#large = new Uint8Array(READ_SIZE);
  }
}

export class ConnTransport implements Transport {
  readonly #conn: Deno.Conn;
  readonly #buf = new ReadBuffer();
  #closed = false;
  readonly secure = false;
  readonly tlsProtocol = null;

  #quickAck: (() => void) | null;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
    this.#quickAck = quickAckFor(conn);
    try {
      if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
    } catch { /* unix sockets have no Nagle */ }
  }

  async read(): Promise<Uint8Array | null> {
    if (this.#closed) return null;
    try {
      const buf = this.#buf.next;
      const n = await this.#conn.read(buf);
      if (n === null) return null;
      this.#buf.filled(n);
      return buf.subarray(0, n);
    } catch (err) {
      if (this.#closed) return null;
      throw err;
    }
  }

  async write(chunks: Uint8Array[]): Promise<void> {
    const data = chunks.length === 1 ? chunks[0] : concatSmall(chunks);
    if (data === null) {
      for (const c of chunks) await writeAll(this.#conn, c);
    } else {
      await writeAll(this.#conn, data);
    }
  }

  quickAck(): void {
    if (!this.#closed) this.#quickAck?.();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  startTls(options: tls.TlsOptions, head?: Uint8Array): Promise<Transport> {
    this.#closed = true; // the TLS socket owns the connection from now on
    return upgradeToTls(duplexOf(this.#conn, head), options);
  }
}

/** Chunks up to this total go out joined in one write; larger ones one write each. */
const JOIN_LIMIT = 1024 * 1024;

/** Joins chunks into one buffer for one write, unless they are large. */
function concatSmall(chunks: Uint8Array[]): Uint8Array | null {
  let total = 0;
  for (const c of chunks) total += c.length;
  return total > JOIN_LIMIT ? null : concatBytes(chunks);
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

/** A node Duplex over a Deno.Conn, replaying `head` first. */
export function duplexOf(conn: Deno.Conn, head?: Uint8Array): Duplex {
  let pumping = false;
  let ended = false;
  const reads = new ReadBuffer();
  const duplex: Duplex = new Duplex({
    read() {
      if (pumping || ended) return;
      pumping = true;
      (async () => {
        for (;;) {
          const buf = reads.next;
          let n: number | null;
          try {
            n = await conn.read(buf);
          } catch (err) {
            ended = true;
            duplex.destroy(err as Error);
            return;
          }
          if (n === null) {
            ended = true;
            duplex.push(null);
            return;
          }
          reads.filled(n);
          if (!duplex.push(Buffer.from(buf.subarray(0, n)))) {
            pumping = false;
            return;
          }
        }
      })();
    },
    write(chunk: Uint8Array, _encoding, callback) {
      writeAll(conn, chunk).then(() => callback(), (err) => callback(err));
    },
    final(callback) {
      conn.closeWrite().then(() => callback(), () => callback());
    },
    destroy(err, callback) {
      try {
        conn.close();
      } catch { /* already closed */ }
      callback(err);
    },
  });
  if (head && head.length > 0) duplex.unshift(Buffer.from(head));
  return duplex;
}

function upgradeToTls(stream: Duplex, options: tls.TlsOptions): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = new tls.TLSSocket(stream as unknown as import("node:net").Socket, {
      ...options,
      isServer: true,
    });
    const onError = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once("error", onError);
    socket.once("close", () => reject(new Error("Connection closed during the TLS handshake")));
    socket.once("secure", () => {
      socket.off("error", onError);
      resolve(new SocketTransport(socket));
    });
  });
}

/** A transport over a node socket (TLS). */
export class SocketTransport implements Transport {
  readonly #socket: tls.TLSSocket;
  readonly #queue: Uint8Array[] = [];
  #waiter: ((chunk: Uint8Array | null) => void) | null = null;
  #failed: Error | null = null;
  #ended = false;
  readonly secure = true;

  constructor(socket: tls.TLSSocket) {
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      if (this.#waiter) {
        const w = this.#waiter;
        this.#waiter = null;
        w(chunk);
        return;
      }
      this.#queue.push(chunk);
      if (this.#queue.length > 16) socket.pause();
    });
    const end = () => {
      this.#ended = true;
      if (this.#waiter) {
        const w = this.#waiter;
        this.#waiter = null;
        w(null);
      }
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", (err: Error) => {
      this.#failed = err;
      end();
    });
  }

  get tlsProtocol(): string | null {
    return this.#socket.getProtocol() ?? null;
  }

  /** The server name the client asked for (SNI), if any. */
  get serverName(): string | null {
    return (this.#socket as unknown as { servername?: string }).servername || null;
  }

  read(): Promise<Uint8Array | null> {
    const chunk = this.#queue.shift();
    if (chunk) {
      if (this.#queue.length < 4) this.#socket.resume();
      return Promise.resolve(chunk);
    }
    if (this.#ended) {
      return this.#failed && !this.#socket.destroyed
        ? Promise.reject(this.#failed)
        : Promise.resolve(null);
    }
    this.#socket.resume();
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  async write(chunks: Uint8Array[]): Promise<void> {
    for (const chunk of chunks) {
      if (this.#ended) throw this.#failed ?? new Error("Connection closed");
      if (!this.#socket.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            this.#socket.off("drain", done);
            this.#socket.off("close", done);
            resolve();
          };
          this.#socket.on("drain", done);
          this.#socket.on("close", done);
        });
      }
    }
  }

  close(): void {
    this.#ended = true;
    this.#socket.end();
    this.#socket.destroySoon?.();
    setTimeout(() => this.#socket.destroy(), 1000).unref?.();
  }

  startTls(): Promise<Transport> {
    return Promise.reject(new Error("TLS is already active"));
  }
}
