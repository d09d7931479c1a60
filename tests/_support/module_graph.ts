/**
 * The real module graph of lib/ as Deno resolves it (`deno info --json`:
 * static, type-only, side-effect and dynamic imports alike), and the layer
 * rules of docs/design.md checked on it, transitively.
 */

export interface ModuleGraph {
  /** Direct dependencies by module: "lib/x.ts", "node:tls", "npm:kysely". */
  edges: Map<string, Set<string>>;
  /** Edges that are dynamic `import()`s, as "from -> to". */
  dynamic: Set<string>;
  /** Source text of the lib/ modules (for the Deno.* check). */
  sources: Map<string, string>;
}

/** All .ts files under `dir/sub`, relative to `dir`. */
export async function tsFiles(dir: string, sub: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${dir}/${sub}`)) {
    const path = `${sub}/${e.name}`;
    if (e.isDirectory) out.push(...await tsFiles(dir, path));
    else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

/** Runs `deno info --json` over every .ts file under `root/lib` (root holds deno.json). */
export async function moduleGraph(root: string): Promise<ModuleGraph> {
  const files = await tsFiles(root, "lib");
  const tmp = await Deno.makeTempDir({ prefix: "imapd-graph-" });
  try {
    const entry = `${tmp}/entry.ts`;
    await Deno.writeTextFile(
      entry,
      files.map((f) => `import ${JSON.stringify(`file://${root}/${f}`)};\n`).join(""),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", `${root}/deno.json`, entry],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`deno info failed: ${new TextDecoder().decode(out.stderr)}`);
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as DenoInfo;
    const name = (specifier: string): string | null => {
      if (specifier.startsWith(`file://${root}/`)) return specifier.slice(root.length + 8);
      if (specifier.startsWith("file://")) return null; // the entry file
      if (specifier.startsWith("node:")) return specifier;
      const npm = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)/.exec(specifier);
      return npm ? `npm:${npm[1]}` : specifier;
    };
    const graph: ModuleGraph = { edges: new Map(), dynamic: new Set(), sources: new Map() };
    for (const m of info.modules) {
      const from = name(m.specifier);
      if (from === null) continue;
      if (m.error) throw new Error(`${from}: ${m.error}`);
      const deps = new Set<string>();
      for (const d of m.dependencies ?? []) {
        for (const target of [d.code?.specifier, d.type?.specifier]) {
          if (!target) continue;
          const to = name(target);
          if (to === null || to === from) continue;
          deps.add(to);
          if (d.isDynamic) graph.dynamic.add(`${from} -> ${to}`);
        }
      }
      graph.edges.set(from, deps);
      if (from.startsWith("lib/")) {
        graph.sources.set(from, await Deno.readTextFile(`${root}/${from}`));
      }
    }
    return graph;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

interface DenoInfo {
  modules: {
    specifier: string;
    error?: string;
    dependencies?: {
      specifier: string;
      code?: { specifier: string };
      type?: { specifier: string };
      isDynamic?: boolean;
    }[];
  }[];
}

// ---------------------------------------------------------------------------
// The rules

const under = (...prefixes: string[]) => (m: string) => prefixes.some((p) => m.startsWith(p));

/** lib/config's translation (TOML readers and module translation); types.ts and errors.ts are shared. */
const configTranslation = (m: string) =>
  m.startsWith("lib/config/") && m !== "lib/config/types.ts" && m !== "lib/config/errors.ts";
const storeImplementation = (m: string) =>
  m.startsWith("lib/store/sql/") || m === "lib/store/imapsql.ts" || m === "npm:kysely" ||
  m === "npm:libsql" || m === "npm:@libsql/client";
const edge = under("lib/cli/", "lib/app.ts");

interface LayerRule {
  name: string;
  /** The modules the rule is about. */
  from: (m: string) => boolean;
  /** A module none of them may reach, directly or through others. */
  forbidden: (m: string) => boolean;
}

export const LAYER_RULES: readonly LayerRule[] = [
  {
    name: "lib/wire is pure: only wire and lib/bytes.ts",
    from: under("lib/wire/"),
    forbidden: (m) => !under("lib/wire/", "lib/bytes.ts")(m),
  },
  {
    name: "lib/mime is pure: only mime and lib/bytes.ts",
    from: under("lib/mime/"),
    forbidden: (m) => !under("lib/mime/", "lib/bytes.ts")(m),
  },
  {
    name:
      "lib/protocol is pure: only wire, protocol, mime, lib/bytes.ts and the store's domain types",
    from: under("lib/protocol/"),
    forbidden: (m) =>
      !under("lib/wire/", "lib/protocol/", "lib/mime/", "lib/bytes.ts")(m) &&
      m !== "lib/store/mail_store.ts",
  },
  {
    name: "lib/net serves any protocol: no server, store, auth, tables, CLI or config translation",
    from: under("lib/net/"),
    forbidden: (m) =>
      under("lib/server/", "lib/store/", "lib/auth/", "lib/tables/")(m) || edge(m) ||
      configTranslation(m),
  },
  {
    name: "lib/server reaches the store only through mail_store.ts and auth through its seam",
    from: under("lib/server/"),
    forbidden: (m) =>
      storeImplementation(m) || under("lib/auth/", "lib/tables/")(m) || edge(m) ||
      configTranslation(m),
  },
  {
    name: "lib/store does not know the server, the network, auth or the CLI",
    from: under("lib/store/"),
    forbidden: (m) =>
      under("lib/server/", "lib/net/", "lib/auth/", "lib/tables/")(m) || edge(m) ||
      configTranslation(m),
  },
  {
    name: "lib/auth and lib/tables get typed options, never TOML, and know no server",
    from: under("lib/auth/", "lib/tables/"),
    forbidden: (m) =>
      under("lib/server/", "lib/store/", "lib/net/")(m) || edge(m) || configTranslation(m),
  },
  {
    name:
      "lib/lmtp delivers through mail_store.ts only: no IMAP server, store implementation, auth, tables, CLI or config translation",
    from: under("lib/lmtp/"),
    forbidden: (m) =>
      under("lib/server/", "lib/auth/", "lib/tables/")(m) || storeImplementation(m) || edge(m) ||
      configTranslation(m),
  },
  {
    name: "lib/metrics counts and serves; it knows no server, store, auth or config translation",
    from: under("lib/metrics/"),
    forbidden: (m) =>
      under("lib/server/", "lib/store/", "lib/auth/", "lib/tables/")(m) || edge(m) ||
      configTranslation(m),
  },
  {
    name: "lib/config translates and imports no subsystem (only net's IP/CIDR parsing)",
    from: under("lib/config/"),
    forbidden: (m) =>
      m.startsWith("lib/") && !m.startsWith("lib/config/") && m !== "lib/net/cidr.ts" &&
      m !== "lib/net/ip.ts",
  },
];

/** Handler-to-handler imports that exist today; their owner removes them. Shrink only. */
export const HANDLER_EXCEPTIONS: readonly string[] = [];

/**
 * Import cycles that exist today, each named by a module in it and bounded
 * by its size now; their owners break them, and they may shrink, not grow.
 * None left.
 */
export const CYCLE_EXCEPTIONS: readonly { through: string; maxSize: number }[] = [];

/** Every module `from` reaches, with the module it was reached from (for the report). */
function reach(graph: ModuleGraph, from: string): Map<string, string> {
  const parent = new Map<string, string>();
  const queue = [from];
  while (queue.length > 0) {
    const m = queue.shift()!;
    for (const d of graph.edges.get(m) ?? []) {
      if (parent.has(d) || d === from) continue;
      parent.set(d, m);
      if (d.startsWith("lib/")) queue.push(d);
    }
  }
  return parent;
}

function chain(parent: Map<string, string>, from: string, to: string): string {
  const path = [to];
  for (let m = to; m !== from;) {
    m = parent.get(m)!;
    path.unshift(m);
  }
  return path.join(" -> ");
}

/** The code of a file without comments and string contents of comments. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

/** Strongly connected components with more than one module (Tarjan). */
export function cycles(graph: ModuleGraph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.edges.get(v) ?? []) {
      if (!w.startsWith("lib/")) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...graph.edges.keys()].filter((m) => m.startsWith("lib/")).sort()) {
    if (!idx.has(v)) visit(v);
  }
  return out;
}

/** Every broken rule, one line each, naming the rule and the import chain. */
export function violations(graph: ModuleGraph): string[] {
  const out: string[] = [];
  const libModules = [...graph.edges.keys()].filter((m) => m.startsWith("lib/")).sort();
  for (const m of libModules) {
    const parent = reach(graph, m);
    for (const rule of LAYER_RULES) {
      if (!rule.from(m)) continue;
      for (const d of parent.keys()) {
        if (rule.forbidden(d)) out.push(`${rule.name}: ${chain(parent, m, d)}`);
      }
    }
    if (under("lib/wire/", "lib/protocol/", "lib/mime/")(m)) {
      for (const d of [m, ...parent.keys()]) {
        const text = graph.sources.get(d);
        if (text !== undefined && /\bDeno\./.test(code(text))) {
          out.push(`wire, protocol and mime touch no Deno API: ${d} (reached from ${m})`);
        }
      }
    }
    if (m.startsWith("lib/server/handlers/")) {
      for (const d of graph.edges.get(m) ?? []) {
        const target = d.slice(d.lastIndexOf("/") + 1);
        if (!d.startsWith("lib/server/handlers/") || target.startsWith("_")) continue;
        const e = `${m} -> ${d}`;
        if (!HANDLER_EXCEPTIONS.includes(e)) out.push(`a handler imports no other handler: ${e}`);
      }
    }
  }
  for (const scc of cycles(graph)) {
    const known = CYCLE_EXCEPTIONS.find((c) => scc.includes(c.through));
    if (known && scc.length <= known.maxSize) continue;
    out.push(`no import cycles: ${scc.length} modules (${scc.slice(0, 6).join(", ")}, ...)`);
  }
  return [...new Set(out)];
}
