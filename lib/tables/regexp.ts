/** maddy's `table.regexp`: a match, optionally rewritten through a template. */
import type { Table } from "./table.ts";

/** `source` and `flags` as lib/config translated them (RE2 spellings already turned into JavaScript). */
export function regexpTable(options: {
  source: string;
  flags: string;
  replacement: string | null;
  expandPlaceholders: boolean;
}): Table {
  const re = new RegExp(options.source, options.flags);
  const { replacement, expandPlaceholders: expand } = options;
  return {
    lookup(key) {
      const m = re.exec(key);
      if (!m) return Promise.resolve(null);
      if (replacement === null) return Promise.resolve(key);
      return Promise.resolve(expand ? expandTemplate(replacement, m) : replacement);
    },
  };
}

/**
 * Go's regexp.Expand: `$$` is a literal `$`; `$name` takes the longest run
 * of letters, digits and underscores (so `$1x` is group "1x", empty), and
 * `${name}` delimits it; a number names a group by index; an unknown group
 * expands to nothing.
 */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  return template.replace(
    /\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g,
    (all, _x, braced, bare) => {
      if (all === "$$") return "$";
      const name: string = braced ?? bare;
      if (/^\d+$/.test(name)) return m[Number(name)] ?? "";
      return m.groups?.[name] ?? "";
    },
  );
}
