import { spawnTestServer } from "../tests/_support/server.ts";
const srv = await spawnTestServer({ imapExtra: 'login_timeout = "4s"', users: {} });
const conn = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
const t0 = performance.now();
const buf = new Uint8Array(4096);
const reader = (async () => {
  for (;;) {
    const n = await conn.read(buf).catch((e) => {
      console.log("read err", e.message);
      return null;
    });
    if (n === null) {
      console.log("EOF at", ((performance.now() - t0) / 1000).toFixed(1));
      return;
    }
    console.log(
      ((performance.now() - t0) / 1000).toFixed(1),
      JSON.stringify(new TextDecoder().decode(buf.subarray(0, n))),
    );
  }
})();
for (let i = 0; i < 4; i++) {
  await new Promise((r) => setTimeout(r, 1500));
  await conn.write(new TextEncoder().encode("x")).catch(() => {});
}
await reader;
await srv.stop("SIGKILL");
