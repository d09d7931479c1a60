import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { askYesNo, readLine } from "../../lib/cli/io.ts";

Deno.test("`readLine()` takes the first line and edits in raw mode", async () => {
  const stream = (s: string) => ReadableStream.from([new TextEncoder().encode(s)]);
  assert.equal(await readLine(stream("secret\r\nnext\n"), false), "secret");
  assert.equal(await readLine(stream("no newline"), false), "no newline");
  assert.equal(await readLine(stream("sex\x7fcret\r"), true), "secret");
  await assert.rejects(() => readLine(stream("ab\x03"), true), /interrupted/);
});

Deno.test("`readPassword()` reads a piped line in a real process", async () => {
  const cli = fileURLToPath(new URL("../../lib/cli/io.ts", import.meta.url));
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { readPassword } from ${
        JSON.stringify(cli)
      }; console.log(JSON.stringify(await readPassword()));`,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode("päss word\nignored\n"));
  await w.close();
  const { code, stdout } = await child.output();
  assert.equal(code, 0);
  assert.equal(new TextDecoder().decode(stdout).trim(), '"päss word"');
});

Deno.test("`askYesNo()` writes the question and takes y or yes, anything else is no", async () => {
  const stream = (s: string) => ReadableStream.from([new TextEncoder().encode(s)]);
  for (
    const [typed, want] of [["y\n", true], [" YES\r\n", true], ["n\n", false], ["\n", false], [
      "",
      false,
    ], ["yep\n", false]] as const
  ) {
    let written = "";
    assert.equal(await askYesNo("Delete it?", stream(typed), (s) => (written += s)), want, typed);
    assert.equal(written, "Delete it? [y/N] ");
  }
});
