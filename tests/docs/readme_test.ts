import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The lines of the README's ```sh blocks that run `bin/imapd`, in order. */
async function readmeCommands(): Promise<string[]> {
  const text = await Deno.readTextFile(`${ROOT}README.md`);
  const out: string[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1].split("\n")) {
      if (line.startsWith("bin/imapd ")) out.push(line);
    }
  }
  return out;
}

Deno.test("every `bin/imapd` command in the README works as written", async () => {
  const commands = await readmeCommands();
  assert.ok(commands.length >= 3, `too few commands found: ${commands.join(" | ")}`);
  // A checkout-shaped temp dir: the shipped config.toml (state_dir = "data"
  // relative to it) and bin/ pointing at the real wrapper.
  const dir = await Deno.makeTempDir({ prefix: "imapd-readme-" });
  try {
    await Deno.copyFile(`${ROOT}config.toml`, `${dir}/config.toml`);
    await Deno.symlink(`${ROOT}bin`, `${dir}/bin`);
    const outputs: string[] = [];
    for (const line of commands) {
      const out = await new Deno.Command("sh", {
        args: ["-c", line],
        cwd: dir,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { PATH: `${Deno.execPath().replace(/\/[^/]*$/, "")}:${Deno.env.get("PATH")}` },
      }).output();
      const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, `${line}\n${said}`);
      outputs.push(said);
    }
    // What the commands did is visible to the next ones.
    const all = outputs.join("\n");
    assert.match(all, /alice@example\.org/);
    assert.match(all, /INBOX/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
