/**
 * Builds a table from the options lib/config translated (see
 * lib/config/modules.ts for the TOML spelling of each maddy table module).
 */
import type { TableOptions } from "../config/types.ts";
import type { Table } from "./table.ts";
import { emailLocalpartOptionalTable, emailLocalpartTable, emailWithDomainTable } from "./email.ts";
import { regexpTable } from "./regexp.ts";
import { FileTable } from "./file.ts";
import { openSqlQueryTable, openSqlTable } from "./sql.ts";

export { emailLocalpart } from "./email.ts";
export { FileTable, parseFileTable } from "./file.ts";
export { isMutableTable, type MutableTable, type Table } from "./table.ts";

/** Opens the table `options` describe; a file or database it cannot open is a ConfigError. */
export async function buildTable(options: TableOptions): Promise<Table> {
  switch (options.module) {
    case "identity":
      return { lookup: (key) => Promise.resolve(key) };
    case "email_localpart":
      return emailLocalpartTable;
    case "email_localpart_optional":
      return emailLocalpartOptionalTable;
    case "email_with_domain":
      return emailWithDomainTable(options.domains);
    case "static": {
      const entries = options.entries;
      return { lookup: (key) => Promise.resolve(entries.get(key) ?? null) };
    }
    case "regexp":
      return regexpTable(options);
    case "file": {
      const table = new FileTable(options.file);
      await table.load(options.path);
      return table;
    }
    case "chain":
      return await chainTable(options.steps);
    case "sql_query":
      return await openSqlQueryTable(options);
    case "sql_table":
      return await openSqlTable(options);
  }
}

/** maddy's `table.chain`: each step maps the previous result; an optional step may miss. */
async function chainTable(
  specs: readonly { table: TableOptions; optional: boolean }[],
): Promise<Table> {
  const steps: { table: Table; optional: boolean }[] = [];
  try {
    for (const s of specs) steps.push({ table: await buildTable(s.table), optional: s.optional });
  } catch (e) {
    for (const step of steps) await step.table.close?.();
    throw e;
  }
  return {
    async lookup(key) {
      let value = key;
      for (const step of steps) {
        const next = await step.table.lookup(value);
        if (next === null) {
          if (step.optional) continue;
          return null;
        }
        value = next;
      }
      return value;
    },
    async close() {
      for (const step of steps) await step.table.close?.();
    },
  };
}
