import { CommandReader } from "../lib/wire/command_reader.ts";
import { CommandParser } from "../lib/wire/parser.ts";
import { parseCommandHead } from "../lib/protocol/command.ts";
import { checkSearchLimits, parseSearch } from "../lib/protocol/commands/search.ts";
const cmd = new TextEncoder().encode(
  "t1 SEARCH" + " OR SUBJECT {1+}\r\na SUBJECT {1+}\r\nb".repeat(25000) + "\r\n",
);
let t = performance.now();
const r = new CommandReader({ maxCommand: 64 << 20 });
for (let i = 0; i < cmd.length; i += 65536) r.push(cmd.subarray(i, i + 65536));
const res = r.next();
console.log("reader", (performance.now() - t).toFixed(0), res.kind);
t = performance.now();
const p = new CommandParser((res as { bytes: Uint8Array }).bytes);
parseCommandHead(p);
const args = parseSearch(p);
console.log("parse", (performance.now() - t).toFixed(0));
t = performance.now();
try {
  checkSearchLimits(args.key, { maxKeys: 1000, maxOctets: 65536 });
} catch (e) {
  console.log((e as Error).message);
}
console.log("check", (performance.now() - t).toFixed(0));
