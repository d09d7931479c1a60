import type { Connection } from "../connection.ts";
import { HIERARCHY_DELIMITER } from "../../store/mail_store.ts";

/** NAMESPACE (RFC 2342): one personal namespace, no shared or other users'. */
export function handleNamespace(conn: Connection): Promise<void> {
  conn.enc.untagged().atom(`NAMESPACE (("" "${HIERARCHY_DELIMITER}")) NIL NIL`).crlf();
  return Promise.resolve();
}
