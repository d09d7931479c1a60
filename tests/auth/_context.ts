import { ConfigError } from "../../lib/config/errors.ts";
import type { ModuleContext } from "../../lib/auth/tables.ts";

/** A context over named module blocks keyed "TYPE.NAME". */
export function contextOf(
  stateDir: string,
  blocks: Record<string, Record<string, unknown>> = {},
): ModuleContext {
  return {
    stateDir,
    resolve(ref: string) {
      const name = ref.slice(1);
      for (const [key, body] of Object.entries(blocks)) {
        const dot = key.lastIndexOf(".");
        if (key.slice(dot + 1) === name) {
          return { type: key.slice(0, dot), name, body, path: key };
        }
      }
      throw new ConfigError("", `unknown module reference ${JSON.stringify(ref)}`);
    },
  };
}
