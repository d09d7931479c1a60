/**
 * The dependency rules of docs/design.md, checked on the module graph Deno
 * itself resolves (`deno info --json`): transitive, with type-only,
 * side-effect and dynamic imports counted (tests/_support/module_graph.ts).
 * The second half shows the checker catches the mutations that fooled the
 * old line-matching test, on a copy of lib/ in a temp directory.
 */
import assert from "node:assert/strict";
import {
  CYCLE_EXCEPTIONS,
  cycles,
  HANDLER_EXCEPTIONS,
  moduleGraph,
  violations,
} from "./_support/module_graph.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("lib/ keeps the layer rules on its real module graph", async () => {
  const graph = await moduleGraph(ROOT);
  assert.ok(graph.edges.has("lib/app.ts") && graph.edges.has("lib/wire/parser.ts"));
  assert.deepEqual(violations(graph), []);
});

Deno.test("every listed exception still exists (remove it from the list once fixed)", async () => {
  const graph = await moduleGraph(ROOT);
  for (const e of HANDLER_EXCEPTIONS) {
    const [from, to] = e.split(" -> ");
    assert.ok(graph.edges.get(from)?.has(to), `${e} is gone: remove it from HANDLER_EXCEPTIONS`);
  }
  const sccs = cycles(graph);
  for (const c of CYCLE_EXCEPTIONS) {
    assert.ok(
      sccs.some((scc) => scc.includes(c.through)),
      `the cycle through ${c.through} is gone: remove it from CYCLE_EXCEPTIONS`,
    );
  }
});

/** A copy of lib/ with deno.json, the lock file and node_modules, to mutate. */
async function withCopy(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "imapd-arch-" });
  try {
    const cp = await new Deno.Command("cp", {
      args: ["-r", `${ROOT}/lib`, `${ROOT}/deno.json`, `${ROOT}/deno.lock`, dir],
    }).output();
    assert.ok(cp.success, new TextDecoder().decode(cp.stderr));
    await Deno.symlink(`${ROOT}/node_modules`, `${dir}/node_modules`);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Appends `code` to `file` in the copy, checks, and puts the file back. */
async function mutated(
  dir: string,
  file: string,
  code: string,
): Promise<string[] & { dynamic: Set<string> }> {
  const path = `${dir}/${file}`;
  const original = await Deno.readTextFile(path);
  await Deno.writeTextFile(path, `${original}\n${code}\n`);
  try {
    const graph = await moduleGraph(dir);
    return Object.assign(violations(graph), { dynamic: graph.dynamic });
  } finally {
    await Deno.writeTextFile(path, original);
  }
}

Deno.test("the checker catches side-effect, dynamic and transitive imports across layers", async () => {
  await withCopy(async (dir) => {
    assert.deepEqual(violations(await moduleGraph(dir)), [], "the unchanged copy passes");

    const sideEffect = await mutated(
      dir,
      "lib/protocol/command.ts",
      'import "../server/connection.ts";',
    );
    assert.ok(
      sideEffect.some((v) =>
        v.startsWith("lib/protocol is pure") &&
        v.includes("lib/protocol/command.ts -> lib/server/connection.ts")
      ),
      sideEffect.join("\n"),
    );

    const dynamic = await mutated(
      dir,
      "lib/protocol/command.ts",
      'export const load = () => import("../store/sql/sql_store.ts");',
    );
    assert.ok(
      dynamic.some((v) =>
        v.startsWith("lib/protocol is pure") &&
        v.includes("lib/protocol/command.ts -> lib/store/sql/sql_store.ts")
      ),
      dynamic.join("\n"),
    );
    assert.ok(dynamic.dynamic.has("lib/protocol/command.ts -> lib/store/sql/sql_store.ts"));
    // Through the SQL store, protocol would reach Kysely and Deno.* as well.
    assert.ok(dynamic.some((v) => v.includes("-> npm:kysely")), dynamic.join("\n"));

    const serverToStore = await mutated(
      dir,
      "lib/server/server.ts",
      'import "../store/imapsql.ts";',
    );
    assert.ok(
      serverToStore.some((v) =>
        v.startsWith("lib/server reaches the store only through mail_store.ts") &&
        v.includes("lib/server/server.ts -> lib/store/imapsql.ts")
      ),
      serverToStore.join("\n"),
    );
    assert.ok(serverToStore.some((v) => v.endsWith("-> npm:kysely")), serverToStore.join("\n"));

    const storeToServer = await mutated(
      dir,
      "lib/store/mail_store.ts",
      'export type { Endpoint } from "../server/endpoint.ts";',
    );
    assert.ok(
      storeToServer.some((v) => v.startsWith("lib/store does not know the server")),
      storeToServer.join("\n"),
    );

    const handlerToHandler = await mutated(
      dir,
      "lib/server/handlers/noop.ts",
      'import "./fetch.ts";',
    );
    assert.ok(
      handlerToHandler.includes(
        "a handler imports no other handler: lib/server/handlers/noop.ts -> lib/server/handlers/fetch.ts",
      ),
      handlerToHandler.join("\n"),
    );

    const configToSubsystem = await mutated(
      dir,
      "lib/config/config.ts",
      'import "../auth/hash.ts";',
    );
    assert.ok(
      configToSubsystem.some((v) => v.startsWith("lib/config translates and imports no subsystem")),
      configToSubsystem.join("\n"),
    );

    const denoInWire = await mutated(
      dir,
      "lib/wire/parser.ts",
      "export const cwd = () => Deno.cwd();",
    );
    assert.ok(
      denoInWire.some((v) => v.includes("touch no Deno API: lib/wire/parser.ts")),
      denoInWire.join("\n"),
    );
  });
});
