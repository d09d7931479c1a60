/** Terminal I/O for the admin commands. */

const encoder = new TextEncoder();

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  isTerminal: boolean;
  readPassword(): Promise<string>;
}

function writeSync(w: { writeSync(p: Uint8Array): number }, s: string): void {
  const data = encoder.encode(s);
  let off = 0;
  while (off < data.length) off += w.writeSync(data.subarray(off));
}

/** Reads one line from stdin; on a terminal without echo (a password prompt). */
export async function readPassword(): Promise<string> {
  const stdin = Deno.stdin;
  const terminal = stdin.isTerminal();
  if (terminal) {
    writeSync(Deno.stderr, "Password: ");
    stdin.setRaw(true);
  }
  const bytes: number[] = [];
  const buf = new Uint8Array(1);
  try {
    for (;;) {
      const n = await stdin.read(buf);
      if (n === null) break;
      const b = buf[0];
      if (b === 0x0a || b === 0x0d) break;
      if (terminal && b === 0x03) throw new Error("Interrupted");
      if (terminal && (b === 0x7f || b === 0x08)) {
        bytes.pop();
        continue;
      }
      bytes.push(b);
    }
  } finally {
    if (terminal) {
      stdin.setRaw(false);
      writeSync(Deno.stderr, "\n");
    }
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

export function processIo(): CliIo {
  return {
    stdout: (s) => writeSync(Deno.stdout, s),
    stderr: (s) => writeSync(Deno.stderr, s),
    isTerminal: Deno.stdout.isTerminal(),
    readPassword,
  };
}
