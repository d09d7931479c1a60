/**
 * Child of import_memory_test.ts: runs `imapd --config FILE import ARGS...`
 * as main.ts does, then prints the process's peak RSS (VmHWM, in KiB) as the
 * last line of stdout. Linux only (/proc).
 */
import { loadConfig } from "../../lib/config/config.ts";
import { openAdminStore } from "../../lib/app.ts";
import { runStoreCli } from "../../lib/cli/store.ts";
import { processIo } from "../../lib/cli/io.ts";

const [configFile, ...args] = Deno.args;
const store = await openAdminStore(await loadConfig(configFile));
let code: number;
try {
  code = await runStoreCli("import", args, store, processIo());
} finally {
  await store.close();
}
const status = await Deno.readTextFile("/proc/self/status");
console.log(/^VmHWM:\s*(\d+) kB$/m.exec(status)![1]);
Deno.exit(code);
