/**
 * Message bodies: compression, and `msg_store fs` files.
 *
 * Files are content-addressed (`DIR/ab/<sha-256>`), so copies and identical
 * messages share one file. Crash safety: a file is written to a temp name,
 * fsynced, renamed into place and the directory fsynced BEFORE the row that
 * names it commits; a crash in between leaves an orphan file, never a row
 * without its file. Orphans are removed at open.
 *
 * Several processes (the server, the admin CLI) share the files, so a file
 * is only ever removed under the database's write lock, after checking that
 * no `bodies` row names it (the `Sweep` the store provides), and a writer
 * checks again that its file exists inside the transaction that commits the
 * row (`write()` is a no-op when it does). SQLite serialises the two: either
 * the row commits first and the sweep sees it, or the sweep removes the file
 * first and the writer puts it back before its row commits.
 */
import { createHash } from "node:crypto";
import zlib from "node:zlib";
import type { Compression } from "../config.ts";
import { ensurePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../../private_files.ts";

export function compress(
  data: Uint8Array,
  c: Compression,
): { data: Uint8Array; algorithm: string } {
  if (c.algorithm === "off" || data.length < 64) return { data, algorithm: "off" };
  let out: Uint8Array;
  const level = c.level ?? undefined;
  switch (c.algorithm) {
    case "zstd":
      out = zlib.zstdCompressSync(
        data,
        level === undefined ? {} : { params: { [zlib.constants.ZSTD_c_compressionLevel]: level } },
      );
      break;
    case "deflate":
      out = zlib.deflateRawSync(data, level === undefined ? {} : { level });
      break;
    case "gzip":
      out = zlib.gzipSync(data, level === undefined ? {} : { level });
      break;
    case "brotli":
      out = zlib.brotliCompressSync(
        data,
        level === undefined ? {} : { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level } },
      );
      break;
  }
  // Keep the raw bytes when compression does not pay.
  if (out.length >= data.length) return { data, algorithm: "off" };
  return { data: new Uint8Array(out.buffer, out.byteOffset, out.length), algorithm: c.algorithm };
}

export function decompress(data: Uint8Array, algorithm: string): Uint8Array {
  let out: Uint8Array;
  switch (algorithm) {
    case "off":
      return data;
    case "zstd":
      out = zlib.zstdDecompressSync(data);
      break;
    case "deflate":
      out = zlib.inflateRawSync(data);
      break;
    case "gzip":
      out = zlib.gunzipSync(data);
      break;
    case "brotli":
      out = zlib.brotliDecompressSync(data);
      break;
    default:
      throw new Error(`Unknown body compression ${JSON.stringify(algorithm)}`);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * The content address of a message. Synchronous (node:crypto): WebCrypto's
 * `digest()` is an async op, a trip through another thread and a later task
 * for each APPEND on a store thread that has the CPU time at hand.
 */
export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

const HASH_RE = /^[0-9a-f]{64}$/;

/**
 * Removes the files of `candidates` that no row names: inside one database
 * write transaction, checks each hash and calls `unlink` for those no row
 * names. The store implements it; a process-local list would not do.
 */
export type Sweep = (
  candidates: readonly string[],
  unlink: (hash: string) => Promise<void>,
) => Promise<void>;

export class BodyFiles {
  readonly dir: string;
  /** Hashes being appended in this process: their files are not even considered for removal. */
  readonly pending = new Map<string, number>();
  readonly #sweep: Sweep;

  constructor(dir: string, sweep: Sweep) {
    this.dir = dir;
    this.#sweep = sweep;
  }

  pathOf(hash: string): string {
    return `${this.dir}/${hash.slice(0, 2)}/${hash}`;
  }

  async init(): Promise<void> {
    await ensurePrivateDir(this.dir);
  }

  /** Writes the file for `hash` durably, unless it already exists. */
  async write(hash: string, data: Uint8Array): Promise<void> {
    const path = this.pathOf(hash);
    try {
      await Deno.stat(path);
      return;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const sub = `${this.dir}/${hash.slice(0, 2)}`;
    try {
      await Deno.mkdir(sub, { mode: PRIVATE_DIR_MODE });
      await Deno.chmod(sub, PRIVATE_DIR_MODE); // the umask does not decide
      await syncDir(this.dir); // the new subdirectory's entry must be durable too
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    const tmp = `${sub}/.tmp-${hash}-${crypto.randomUUID()}`;
    const file = await Deno.open(tmp, { write: true, createNew: true, mode: PRIVATE_FILE_MODE });
    try {
      await Deno.chmod(tmp, PRIVATE_FILE_MODE);
      let off = 0;
      while (off < data.length) off += await file.write(data.subarray(off));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
    await syncDir(sub);
  }

  async read(hash: string): Promise<Uint8Array> {
    return await Deno.readFile(this.pathOf(hash));
  }

  hold(hash: string): void {
    this.pending.set(hash, (this.pending.get(hash) ?? 0) + 1);
  }

  unhold(hash: string): void {
    const n = (this.pending.get(hash) ?? 1) - 1;
    if (n <= 0) this.pending.delete(hash);
    else this.pending.set(hash, n);
  }

  /**
   * Removes files whose rows are gone (called after the deleting transaction
   * commits), through the sweep: a row another process committed meanwhile
   * keeps its file.
   */
  async remove(hashes: readonly string[]): Promise<void> {
    const candidates = hashes.filter((h) => !this.pending.has(h));
    if (candidates.length > 0) await this.#sweep(candidates, (h) => this.#unlink(h));
  }

  async #unlink(hash: string): Promise<void> {
    try {
      await Deno.remove(this.pathOf(hash));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }

  /**
   * Removes temp files and files no row names (through the sweep). Files
   * younger than `graceMs` are kept: a temp file may still be being
   * written. Returns how many files were removed.
   */
  async removeOrphans(graceMs = 60_000): Promise<number> {
    let removed = 0;
    const candidates: string[] = [];
    const now = Date.now();
    for await (const sub of Deno.readDir(this.dir)) {
      if (!sub.isDirectory || !/^[0-9a-f]{2}$/.test(sub.name)) continue;
      const subPath = `${this.dir}/${sub.name}`;
      for await (const entry of Deno.readDir(subPath)) {
        const path = `${subPath}/${entry.name}`;
        const info = await Deno.stat(path);
        if (now - (info.mtime?.getTime() ?? 0) < graceMs) continue;
        if (entry.name.startsWith(".tmp-")) {
          await Deno.remove(path);
          removed++;
        } else if (HASH_RE.test(entry.name) && !this.pending.has(entry.name)) {
          candidates.push(entry.name);
        }
      }
    }
    for (let i = 0; i < candidates.length; i += 256) {
      await this.#sweep(candidates.slice(i, i + 256), async (hash) => {
        await this.#unlink(hash);
        removed++;
      });
    }
    return removed;
  }
}

async function syncDir(path: string): Promise<void> {
  // fsync of a directory makes the rename durable (POSIX); Deno opens
  // directories read-only on Linux.
  const dir = await Deno.open(path, { read: true });
  try {
    await dir.sync();
  } finally {
    dir.close();
  }
}
