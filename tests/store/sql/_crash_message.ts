/** The deterministic message number `n` of the crash test (sizes vary from 200 B to ~40 KB). */
export function crashMessage(n: number): Uint8Array {
  const pad = "0123456789abcdef".repeat(((n * 7919) % 2500) + 1);
  return new TextEncoder().encode(
    `From: crash@example.org\r\nSubject: crash ${n}\r\nX-Seq: ${n}\r\n\r\n${n}\r\n${pad}\r\nend ${n}\r\n`,
  );
}
