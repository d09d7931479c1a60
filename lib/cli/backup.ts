/**
 * `imapd backup DIR` and `imapd restore DIR`.
 *
 * backup: while the server runs, a consistent copy of every database the
 * config names (the mail stores the endpoints use, and libSQL credential
 * and table files) and of the `msg_store fs` files, laid out as they are
 * under `state_dir`, with a `manifest.json`. restore: the copy back into an
 * empty `state_dir`, each database checked with `PRAGMA integrity_check`.
 */
import type { Config, StorageOptions, TableOptions } from "../config/types.ts";
import { backupStore, integrityCheck, snapshotDatabase } from "../store/sql/backup.ts";
import { dsnToPath } from "../tables/_sqlite.ts";
import { ensurePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../private_files.ts";
import { VERSION } from "../version.ts";
import type { CliIo } from "./io.ts";
import { usageLine } from "./help.ts";
import { formatBytes, Progress } from "./progress.ts";

const MANIFEST = "manifest.json";

interface Manifest {
  format: 1;
  version: string;
  created: string;
  /** Database files, relative to state_dir. */
  databases: string[];
  /** msg_store fs directories, relative to state_dir. */
  messageDirs: string[];
}

class BackupError extends Error {}

function relative(stateDir: string, path: string, what: string): string {
  const base = stateDir.endsWith("/") ? stateDir : `${stateDir}/`;
  if (!path.startsWith(base)) {
    throw new BackupError(`${what} ${path} is outside state_dir ${stateDir}: copy it yourself`);
  }
  return path.slice(base.length);
}

/** The libSQL files of sql_table/sql_query tables, wherever the config uses them. */
function tableFiles(config: Config): string[] {
  const files = new Set<string>();
  const visit = (t: TableOptions) => {
    if ((t.module === "sql_table" || t.module === "sql_query") && t.db.driver === "sqlite") {
      const path = dsnToPath(t.db.dsn, t.db.stateDir);
      if (path !== ":memory:" && !/^[a-z]+:\/\//.test(path)) files.add(path);
    } else if (t.module === "chain") {
      for (const step of t.steps) visit(step.table);
    }
  };
  for (const mod of config.modules.values()) {
    if (mod.kind === "table") visit(mod.table);
    if (mod.kind === "auth" && mod.auth.module === "pass_table") visit(mod.auth.table);
  }
  for (const ep of config.endpoints) {
    for (const a of ep.auth) if (a.module === "pass_table") visit(a.table);
  }
  return [...files];
}

function storages(config: Config): StorageOptions[] {
  const out = new Map<string, StorageOptions>();
  for (const ep of config.endpoints) out.set(ep.storage.key, ep.storage);
  for (const ep of config.lmtp) out.set(ep.deliverTo.key, ep.deliverTo);
  return [...out.values()];
}

async function isEmptyDir(path: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(path)) return false;
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return true;
    throw e;
  }
}

async function mkdirsFor(root: string, rel: string): Promise<void> {
  const parts = rel.split("/").slice(0, -1);
  let dir = root;
  for (const p of parts) {
    dir = `${dir}/${p}`;
    await Deno.mkdir(dir, { mode: PRIVATE_DIR_MODE }).catch((e) => {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    });
  }
}

/** The one argument DIR of `backup` and `restore`, or null after printing the usage. */
function dirArgument(command: "backup" | "restore", args: string[], io: CliIo): string | null {
  if (args.length === 1 && !args[0].startsWith("-")) return args[0];
  io.stderr(usageLine(command));
  return null;
}

export async function runBackup(config: Config, args: string[], io: CliIo): Promise<number> {
  const dir = dirArgument("backup", args, io);
  if (dir === null) return 2;
  try {
    if (!(await isEmptyDir(dir))) throw new BackupError(`${dir} is not empty`);
    await ensurePrivateDir(dir);
    const manifest: Manifest = {
      format: 1,
      version: VERSION,
      created: new Date().toISOString(),
      databases: [],
      messageDirs: [],
    };
    for (const s of storages(config)) {
      const o = s.options;
      if (o.dsn.kind === "memory") continue;
      if (o.dsn.kind === "remote") {
        throw new BackupError(
          `storage ${s.key}: a remote libSQL database is backed up by its server`,
        );
      }
      if (o.dsn.kind === "postgres") {
        throw new BackupError(
          `storage ${s.key}: a PostgreSQL database is backed up with pg_dump or the server's own tools`,
        );
      }
      const rel = relative(config.stateDir, o.dsn.path, `storage ${s.key}: the database`);
      const msgRel = o.msgStore.kind === "fs"
        ? relative(config.stateDir, o.msgStore.dir, `storage ${s.key}: msg_store`)
        : null;
      await mkdirsFor(dir, rel);
      if (io.isTerminal) {
        // VACUUM INTO is one synchronous step: it gets a line, not a bar.
        const size = (await Deno.stat(o.dsn.path).catch(() => null))?.size ?? 0;
        io.stderr(`backup ${s.key}: copying the database ${rel} (${formatBytes(size)})\n`);
      }
      let bar: Progress | null = null;
      const r = await backupStore(
        o.dsn.path,
        o.msgStore.kind === "fs" ? o.msgStore.dir : null,
        `${dir}/${rel}`,
        msgRel === null ? null : `${dir}/${msgRel}`,
        io.isTerminal
          ? {
            files(total) {
              bar?.finish(); // a file vanished: the copy starts again
              bar = new Progress(io, { label: `backup ${s.key}`, unit: "bytes", total });
            },
            copied: (bytes) => bar?.add(bytes),
          }
          : undefined,
      );
      (bar as Progress | null)?.finish();
      manifest.databases.push(rel);
      if (msgRel !== null) manifest.messageDirs.push(msgRel);
      io.stdout(
        `storage ${s.key}: ${rel}, ${r.messages} messages` +
          (msgRel === null ? "" : `, ${r.files} files in ${msgRel} (${formatBytes(r.bytes)})`) +
          "\n",
      );
    }
    for (const path of tableFiles(config)) {
      try {
        await Deno.stat(path);
      } catch {
        continue; // never created
      }
      const rel = relative(config.stateDir, path, "the table database");
      await mkdirsFor(dir, rel);
      snapshotDatabase(path, `${dir}/${rel}`);
      manifest.databases.push(rel);
      io.stdout(`table ${rel}\n`);
    }
    await Deno.writeTextFile(`${dir}/${MANIFEST}`, JSON.stringify(manifest, null, 2) + "\n", {
      mode: PRIVATE_FILE_MODE,
    });
    io.stdout(`backup written to ${dir}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    io.stderr(`imapd backup: ${err.message}\n`);
    return 1;
  }
}

/** Copies the files below `from` to `to` (0600 files, 0700 directories); the count. */
async function copyTree(from: string, to: string, progress: Progress): Promise<number> {
  let files = 0;
  await Deno.mkdir(to, { mode: PRIVATE_DIR_MODE }).catch((e) => {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) files += await copyTree(`${from}/${e.name}`, `${to}/${e.name}`, progress);
    else if (e.isFile) {
      await copyPrivate(`${from}/${e.name}`, `${to}/${e.name}`, progress);
      files++;
    }
  }
  return files;
}

async function copyPrivate(from: string, to: string, progress: Progress): Promise<void> {
  await Deno.copyFile(from, to);
  await Deno.chmod(to, PRIVATE_FILE_MODE);
  progress.add((await Deno.stat(to)).size);
}

/** The bytes of the files below `path` (a file: its size). */
async function treeSize(path: string): Promise<number> {
  const info = await Deno.stat(path);
  if (!info.isDirectory) return info.size;
  let total = 0;
  for await (const e of Deno.readDir(path)) {
    if (e.isDirectory || e.isFile) total += await treeSize(`${path}/${e.name}`);
  }
  return total;
}

export async function runRestore(config: Config, args: string[], io: CliIo): Promise<number> {
  const dir = dirArgument("restore", args, io);
  if (dir === null) return 2;
  try {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await Deno.readTextFile(`${dir}/${MANIFEST}`));
    } catch {
      throw new BackupError(`${dir}/${MANIFEST} is missing or unreadable: not a backup`);
    }
    if (manifest.format !== 1) {
      throw new BackupError(`${dir}/${MANIFEST}: unknown backup format ${manifest.format}`);
    }
    if (!(await isEmptyDir(config.stateDir))) {
      throw new BackupError(
        `state_dir ${config.stateDir} is not empty: restore needs an empty one`,
      );
    }
    await ensurePrivateDir(config.stateDir);
    let total = 0;
    if (io.isTerminal) {
      for (const rel of [...manifest.databases, ...manifest.messageDirs]) {
        total += await treeSize(`${dir}/${rel}`);
      }
    }
    const progress = new Progress(io, { label: "restore", unit: "bytes", total });
    for (const rel of manifest.databases) {
      await mkdirsFor(config.stateDir, rel);
      await copyPrivate(`${dir}/${rel}`, `${config.stateDir}/${rel}`, progress);
      const check = integrityCheck(`${config.stateDir}/${rel}`);
      if (check !== "ok") throw new BackupError(`${rel}: integrity_check says ${check}`);
      progress.line(`restored ${rel} (integrity ok)`, io.stdout);
    }
    for (const rel of manifest.messageDirs) {
      await mkdirsFor(config.stateDir, `${rel}/x`);
      const n = await copyTree(`${dir}/${rel}`, `${config.stateDir}/${rel}`, progress);
      progress.line(`restored ${rel}: ${n} message files`, io.stdout);
    }
    progress.finish();
    return 0;
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    io.stderr(`imapd restore: ${err.message}\n`);
    return 1;
  }
}
