/**
 * The dependency rule of DESIGN.md, checked on the import lines:
 * lib/wire and lib/protocol are pure (no Deno.*, no server, no SQL store;
 * protocol may read the store's domain types in mail_store.ts and lib/mime);
 * lib/server knows the MailStore interface, never Kysely or the SQL store.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${ROOT}${dir}`)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await sources(path));
    else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** The code of a file without its comments. */
async function code(file: string): Promise<string> {
  const text = await Deno.readTextFile(`${ROOT}${file}`);
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

/** Imports of a file, resolved to paths relative to the project root (npm: kept as is). */
async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(`${ROOT}${file}`);
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"']*?from\s+["']([^"']+)["']/g)]
    .map((m) => m[1]);
  const dir = file.slice(0, file.lastIndexOf("/"));
  return specs.map((s) => s.startsWith(".") ? new URL(s, `file:///${dir}/`).pathname.slice(1) : s);
}

Deno.test("lib/wire imports only lib/wire, and touches no Deno API", async () => {
  for (const file of await sources("lib/wire")) {
    for (const spec of await importsOf(file)) {
      assert.ok(spec.startsWith("lib/wire/") || spec === "lib/bytes.ts", `${file} imports ${spec}`);
    }
    assert.doesNotMatch(await code(file), /\bDeno\./, file);
  }
});

Deno.test("lib/protocol imports only wire, protocol, mime and the store's domain types", async () => {
  const allowed = (s: string) =>
    s.startsWith("lib/wire/") || s.startsWith("lib/protocol/") || s.startsWith("lib/mime/") ||
    s === "lib/store/mail_store.ts";
  for (const file of await sources("lib/protocol")) {
    for (const spec of await importsOf(file)) assert.ok(allowed(spec), `${file} imports ${spec}`);
    assert.doesNotMatch(await code(file), /\bDeno\./, file);
  }
});

Deno.test("lib/server reaches the store only through mail_store.ts", async () => {
  for (const file of await sources("lib/server")) {
    for (const spec of await importsOf(file)) {
      assert.ok(
        !spec.startsWith("lib/store/sql/") && spec !== "kysely" && !spec.includes("libsql"),
        `${file} imports ${spec}`,
      );
      assert.ok(
        !spec.startsWith("lib/auth/"),
        `${file} imports ${spec} (auth is reached through the LoginService seam)`,
      );
    }
  }
});

Deno.test("lib/mime is pure", async () => {
  for (const file of await sources("lib/mime")) {
    for (const spec of await importsOf(file)) {
      assert.ok(spec.startsWith("lib/mime/"), `${file} imports ${spec}`);
    }
    assert.doesNotMatch(await code(file), /\bDeno\./, file);
  }
});
