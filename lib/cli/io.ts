/**
 * Terminal I/O of the admin commands (`creds`, `hash`, `imap-acct`,
 * `imap-mboxes`, `imap-msgs`, `import`): one interface, so tests hand the
 * commands a captured one, and one password reader.
 */

const encoder = new TextEncoder();

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Whether stdout is a terminal (progress output only then). */
  isTerminal: boolean;
  /** Reads a password without echo (terminal) or a line (piped stdin). */
  readPassword(prompt?: string): Promise<string>;
  /** Asks a yes/no question; absent means "no" unless `--yes` is given. */
  confirm?(prompt: string): Promise<boolean>;
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
  return {
    stdout: (s) => writeSync(Deno.stdout, s),
    stderr: (s) => writeSync(Deno.stderr, s),
    isTerminal: Deno.stdout.isTerminal(),
    readPassword,
  };
}
