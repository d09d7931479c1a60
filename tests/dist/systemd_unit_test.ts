import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const UNIT = `${ROOT}dist/imapd.service`;

function hasSystemdAnalyze(): boolean {
  try {
    new Deno.Command("systemd-analyze", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    return true;
  } catch {
    return false;
  }
}

const available = hasSystemdAnalyze();
if (!available) console.warn("systemd-analyze not found: the unit file is not verified");

/** The unit's directives as key → values (a key may repeat). */
function directives(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("[")) continue;
    const eq = line.indexOf("=");
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

Deno.test("dist/imapd.service runs the binary confined, as its own user, able to bind 143/993", async () => {
  const d = directives(await Deno.readTextFile(UNIT));
  assert.deepEqual(d.get("User"), ["imapd"]);
  assert.deepEqual(d.get("StateDirectory"), ["imapd"]);
  assert.deepEqual(d.get("ProtectSystem"), ["strict"]);
  assert.deepEqual(d.get("NoNewPrivileges"), ["yes"]);
  assert.deepEqual(d.get("AmbientCapabilities"), ["CAP_NET_BIND_SERVICE"]);
  assert.deepEqual(d.get("CapabilityBoundingSet"), ["CAP_NET_BIND_SERVICE"]);
  assert.deepEqual(d.get("Restart"), ["on-failure"]);
  assert.deepEqual(d.get("ExecReload"), ["/bin/kill -HUP $MAINPID"]); // main.ts handles SIGHUP
  // The command line is one the binary accepts (see `imapd --help`).
  assert.deepEqual(d.get("ExecStart"), [
    "/usr/local/bin/imapd --config /etc/imapd/config.toml run",
  ]);
  const sysusers = await Deno.readTextFile(`${ROOT}dist/imapd.sysusers`);
  assert.match(sysusers, /^u imapd - /m);
});

Deno.test({
  name: "`systemd-analyze verify` accepts dist/imapd.service without a warning",
  ignore: !available,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "imapd-unit-" });
    try {
      // verify checks that ExecStart exists: point it at a real executable.
      const text = (await Deno.readTextFile(UNIT)).replaceAll("/usr/local/bin/imapd", "/bin/true");
      await Deno.writeTextFile(`${dir}/imapd.service`, text);
      const out = await new Deno.Command("systemd-analyze", {
        args: ["verify", `${dir}/imapd.service`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      // Unknown keys and unparsable values are only warnings (exit 0): none may appear.
      const aboutUnit = said.split("\n").filter((l) => l.includes("imapd.service"));
      assert.equal(out.code, 0, said);
      assert.deepEqual(aboutUnit, []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
