import { CommandReader } from "../lib/wire/command_reader.ts";
const enc = new TextEncoder(), dec = new TextDecoder();
const limits = {
  maxCommand: 100,
  commandLimit: (p: Uint8Array) => dec.decode(p).includes(" APPEND ") ? 1000 : 100,
};
const body = "m".repeat(500);
const input = `a1 APPEND INBOX {500+}\r\n${body}\r\na2 NOOP {90+}\r\n${
  "n".repeat(90)
}\r\na3 NOOP\r\n`;
for (const step of [13, 1000]) {
  const r = new CommandReader(limits);
  const b = enc.encode(input);
  const out: string[] = [];
  for (let i = 0; i < b.length; i += step) {
    r.push(b.subarray(i, i + step));
    for (;;) {
      const x = r.next();
      if (x.kind === "need-more") break;
      out.push(x.kind + ("bytes" in x ? ":" + dec.decode(x.bytes).slice(0, 20) : ""));
    }
  }
  console.log(step, out);
}
