/**
 * Terminal I/O of the admin commands (`creds`, `hash`, `imap-acct`,
 * `imap-mboxes`, `imap-msgs`, `import`): one interface, so tests hand the
 * commands a captured one, and one password reader.
 */

const encoder = new TextEncoder();

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Whether stderr is a terminal: progress bars are drawn there only then. */
  isTerminal: boolean;
  /** Reads a password without echo (terminal) or a line (piped stdin). */
  readPassword(prompt?: string): Promise<string>;
  /**
   * Asks a yes/no question on the terminal. Absent when there is no terminal
   * to ask on: destructive commands then refuse unless `--yes` is given.
   */
  confirm?(prompt: string): Promise<boolean>;
}

/** A failure the command reports with its message and exit code 1. */
export class CliError extends Error {}

/**
 * The gate of a destructive command: passes with `--yes`; else asks on the
 * terminal (`question` ends in "?"), and without one refuses, naming
 * `--yes`. Throws `CliError` when not confirmed.
 */
export async function confirmDestructive(
  io: CliIo,
  yes: boolean | undefined,
  question: string,
): Promise<void> {
  if (yes) return;
  if (!io.confirm) {
    throw new CliError(
      `not confirmed: ${question} (standard input is not a terminal to ask on; ` +
        "pass --yes to confirm)",
    );
  }
  if (!await io.confirm(question)) throw new CliError("cancelled, nothing was changed");
}

/** Writes `question [y/N] ` and reads one line: true for "y" or "yes". */
export async function askYesNo(
  question: string,
  stream: ReadableStream<Uint8Array>,
  write: (s: string) => void,
): Promise<boolean> {
  write(`${question} [y/N] `);
  const answer = (await readLine(stream, false)).trim().toLowerCase();
  return answer === "y" || answer === "yes";
}

function writeSync(w: { writeSync(p: Uint8Array): number }, s: string): void {
  const data = encoder.encode(s);
  let off = 0;
  while (off < data.length) off += w.writeSync(data.subarray(off));
}

/**
 * Reads a password: without echo from a terminal, else the first line of
 * stdin (so `echo pw | imapd creds create alice` works).
 */
export async function readPassword(prompt = "Password"): Promise<string> {
  if (Deno.stdin.isTerminal()) {
    writeSync(Deno.stderr, `${prompt}: `);
    Deno.stdin.setRaw(true);
    try {
      return await readLine(Deno.stdin.readable, true);
    } finally {
      Deno.stdin.setRaw(false);
      writeSync(Deno.stderr, "\n");
    }
  }
  return await readLine(Deno.stdin.readable, false);
}

/**
 * The first line of `stream` (without CR/LF). In raw terminal mode, Ctrl-C
 * aborts and backspace edits, since the terminal no longer does either.
 */
export async function readLine(stream: ReadableStream<Uint8Array>, raw: boolean): Promise<string> {
  const reader = stream.getReader();
  const bytes: number[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const b of value) {
        if (b === 0x0a || b === 0x0d) return new TextDecoder().decode(new Uint8Array(bytes));
        if (raw && b === 0x03) throw new Error("interrupted");
        if (raw && (b === 0x7f || b === 0x08)) {
          bytes.pop();
          continue;
        }
        bytes.push(b);
      }
    }
  } finally {
    reader.releaseLock();
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The I/O of this process. */
export function processIo(): CliIo {
  const io: CliIo = {
    stdout: (s) => writeSync(Deno.stdout, s),
    stderr: (s) => writeSync(Deno.stderr, s),
    isTerminal: Deno.stderr.isTerminal(),
    readPassword,
  };
  if (Deno.stdin.isTerminal()) {
    io.confirm = (q) => askYesNo(q, Deno.stdin.readable, (s) => writeSync(Deno.stderr, s));
  }
  return io;
}

/**
 * Writes a JSON array one element at a time (`--json` of the list
 * commands), so a long list is not held whole: "[", elements joined by
 * ",\n", "]\n". Call `item()` for each element, then `end()`.
 */
export function jsonArrayWriter(write: (s: string) => void) {
  let first = true;
  return {
    item(value: unknown): void {
      write(`${first ? "[\n" : ",\n"}${JSON.stringify(value)}`);
      first = false;
    },
    end(): void {
      write(first ? "[]\n" : "\n]\n");
    },
  };
}
