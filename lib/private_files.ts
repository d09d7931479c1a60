/**
 * State files hold mail and password hashes: they are created readable by
 * the server's user only (files 0600, directories 0700) whatever the umask.
 * A mode passed to open/mkdir is masked by the umask, so each new file or
 * directory is chmod-ed after it is created. Existing files and
 * directories are left as the operator set them.
 */

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates `path` and its missing parents as 0700 directories. */
export async function ensurePrivateDir(path: string): Promise<void> {
  const missing: string[] = [];
  for (let p = path.replace(/\/+$/, ""); p !== "" && p !== "."; p = parentOf(p)) {
    try {
      await Deno.stat(p);
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      missing.unshift(p);
    }
    if (!p.includes("/")) break;
  }
  for (const dir of missing) {
    try {
      await Deno.mkdir(dir, { mode: PRIVATE_DIR_MODE });
      await Deno.chmod(dir, PRIVATE_DIR_MODE);
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
  }
}

/**
 * Creates an empty 0600 file at `path` if there is none, so that a database
 * opened there next is private from its first byte (SQLite gives its -wal
 * and -shm files the database file's mode).
 */
export function ensurePrivateFile(path: string): void {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { write: true, createNew: true, mode: PRIVATE_FILE_MODE });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return;
    throw e;
  }
  file.close();
  Deno.chmodSync(path, PRIVATE_FILE_MODE);
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : "") : path.slice(0, i);
}
