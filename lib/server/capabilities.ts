/**
 * CAPABILITY as the session stands: before login only what a client needs
 * to log in (RFC 3501 §6.2: LOGINDISABLED on cleartext when insecure_auth
 * is off, STARTTLS when TLS is configured and not active), after login the
 * extensions we implement.
 */
import type { Connection } from "./connection.ts";

/** Extensions advertised in every state. */
const ALWAYS = ["IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE"];

/** Extensions advertised once authenticated (each must be implemented in full). */
export const AUTHENTICATED_EXTENSIONS: string[] = [
  "IDLE",
  "NAMESPACE",
  "UNSELECT",
  "CHILDREN",
  "UIDPLUS",
  "MOVE",
  "SPECIAL-USE",
  "CREATE-SPECIAL-USE",
  "COMPRESS=DEFLATE",
  "SORT",
  "THREAD=ORDEREDSUBJECT",
  "THREAD=REFERENCES",
  "I18NLEVEL=1",
];

export function capabilities(conn: Connection): string[] {
  const caps = [...ALWAYS];
  if (conn.state.kind === "not-authenticated") {
    if (conn.endpoint.tls && !conn.secure) caps.push("STARTTLS");
    if (conn.cleartextAllowed) {
      caps.push("AUTH=PLAIN");
      if (conn.endpoint.config.saslLogin) caps.push("AUTH=LOGIN");
    } else {
      caps.push("LOGINDISABLED");
    }
    return caps;
  }
  caps.push(...AUTHENTICATED_EXTENSIONS);
  caps.push(`APPENDLIMIT=${conn.endpoint.config.appendLimit}`);
  return caps;
}
