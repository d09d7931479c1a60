import type { Connection } from "../connection.ts";
import type { Completion } from "../command_table.ts";
import type { LoginArgs } from "../../protocol/commands/login.ts";
import { no } from "../../protocol/errors.ts";
import { capabilities } from "../capabilities.ts";

/** Failed logins one connection may make before it is closed. */
export const MAX_AUTH_FAILURES = 5;

export function handleLogin(conn: Connection, args: LoginArgs): Promise<Completion> {
  // RFC 3501 §6.2.3 and §7.2.1: with LOGINDISABLED advertised, LOGIN gets NO.
  if (!conn.cleartextAllowed) {
    return Promise.reject(
      no(
        "Plain-text login is disabled on an unencrypted connection; use STARTTLS",
        "PRIVACYREQUIRED",
      ),
    );
  }
  return completeLogin(conn, args.username, args.password);
}

/**
 * Shared by LOGIN and AUTHENTICATE: checks the credentials, waits out the
 * failure delay, opens (creating on first login) the storage account.
 */
export async function completeLogin(
  conn: Connection,
  username: string,
  password: string,
  authzid = "",
): Promise<Completion> {
  const result = await conn.endpoint.auth.login(username, password, conn.clientAddress, authzid);
  if (!result.ok) {
    conn.authFailures++;
    conn.log.info("authentication failed", { username, reason: result.reason });
    if (result.delayMs > 0) await new Promise((r) => setTimeout(r, result.delayMs));
    if (conn.authFailures >= MAX_AUTH_FAILURES) {
      conn.enc.untagged().atom("BYE Too many failed logins").crlf();
      conn.closeAfterReply();
    }
    throw result.reason === "unavailable"
      ? no("Authentication is temporarily unavailable", "UNAVAILABLE")
      : no("Invalid credentials", "AUTHENTICATIONFAILED");
  }
  const account = await conn.endpoint.store.openAccount(result.storageAccount, { create: true });
  if (!account) throw no("Your mail account is not available", "UNAVAILABLE");
  conn.state = {
    kind: "authenticated",
    user: { authName: result.authName, accountName: result.storageAccount, account },
  };
  conn.log.info("logged in", { username: result.authName, account: result.storageAccount });
  return { code: `CAPABILITY ${capabilities(conn).join(" ")}`, text: "Logged in" };
}
