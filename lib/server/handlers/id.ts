import type { Connection } from "../connection.ts";
import type { IdArgs } from "../../protocol/commands/id.ts";

/** Connections whose ID was logged: one log line per connection, however often it asks. */
const logged = new WeakSet<Connection>();

/** RFC 2971: the client's fields are logged (once); ours are name and version. */
export function handleId(conn: Connection, args: IdArgs): Promise<void> {
  if (args.params && !logged.has(conn)) {
    logged.add(conn);
    const fields: Record<string, string> = {};
    for (const [k, v] of args.params) {
      fields[`id_${k.toLowerCase().replace(/[^a-z0-9-]/g, "_")}`] = v ?? "NIL";
    }
    conn.log.info("client ID", fields);
  }
  conn.enc.untagged().atom("ID (").string("name").sp().string("imapd").sp().string("version").sp()
    .string(conn.endpoint.version).atom(")").crlf();
  return Promise.resolve();
}
