/**
 * CAPABILITY as the session stands: before login only what a client needs
 * to log in (RFC 3501 §6.2: LOGINDISABLED on cleartext when insecure_auth
 * is off, STARTTLS when TLS is configured and not active), after login the
 * extensions we implement.
 */
import type { CommandContext } from "./context.ts";
import { appendLimitCapability } from "./append_limit.ts";

/** Extensions advertised in every state. */
// RFC 9051 §6.3.1, Appendix E: IMAP4rev2 beside IMAP4rev1; a client turns it on with ENABLE.
const ALWAYS = ["IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE"];

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
  "SORT=DISPLAY",
  "ESORT",
  "CONTEXT=SEARCH",
  "CONTEXT=SORT",
  "THREAD=ORDEREDSUBJECT",
  "THREAD=REFERENCES",
  "I18NLEVEL=1",
  "LIST-EXTENDED",
  "LIST-STATUS",
  "STATUS=SIZE",
  // RFC 9208: QUOTA with its resources; no QUOTASET (SETQUOTA is answered NO).
  "QUOTA",
  "QUOTA=RES-STORAGE",
  "QUOTA=RES-MESSAGE",
  "MULTIAPPEND",
  "CATENATE",
  "REPLACE",
  "BINARY",
  "UTF8=ACCEPT",
  "ESEARCH",
  "SEARCHRES",
  "PARTIAL",
  "WITHIN",
  "SAVEDATE",
  "OBJECTID",
  "PREVIEW",
  // RFC 8437: after login (the command exists only there).
  "UNAUTHENTICATE",
  "CONDSTORE",
  "QRESYNC",
  "UIDONLY",
  // RFC 5464 §1: server and mailbox entries (METADATA alone says both).
  "METADATA",
  // RFC 5465: NOTIFY SET/NONE with STATUS, MailboxName, SubscriptionChange, METADATA events.
  "NOTIFY",
];

export function capabilities(
  ctx: Pick<CommandContext, "state" | "endpoint" | "secure" | "cleartextAllowed">,
): string[] {
  const caps = [...ALWAYS];
  if (ctx.state.kind === "not-authenticated") {
    if (ctx.endpoint.tls && !ctx.secure) caps.push("STARTTLS");
    if (ctx.cleartextAllowed) {
      caps.push("AUTH=PLAIN");
      if (ctx.endpoint.config.saslLogin) caps.push("AUTH=LOGIN");
    } else {
      caps.push("LOGINDISABLED");
    }
    return caps;
  }
  caps.push(...AUTHENTICATED_EXTENSIONS);
  // RFC 7889 §2: the account's limit, or no value when its mailboxes' limits differ.
  const s = ctx.state;
  caps.push(
    s.kind === "logout"
      ? `APPENDLIMIT=${ctx.endpoint.config.appendLimit}`
      : appendLimitCapability(s.user.appendLimits),
  );
  return caps;
}
