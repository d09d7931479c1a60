/**
 * The end of LOGIN and AUTHENTICATE (kept out of lib/server/handlers so
 * neither handler imports the other): checks the credentials, counts
 * failures in the not-authenticated state, waits out the failure delay,
 * opens (creating on first login) the storage account.
 */
import type { CommandContext, Completion } from "./context.ts";
import { no } from "../protocol/errors.ts";
import { writeStatus } from "../protocol/response.ts";
import { capabilities } from "./capabilities.ts";
import { authenticatedState } from "./session.ts";

/** Failed logins one connection may make before it is closed. */
export const MAX_AUTH_FAILURES = 5;

export async function completeLogin(
  ctx: CommandContext,
  username: string,
  password: string,
  authzid = "",
): Promise<Completion> {
  // A store thread stopped while idle (worker_store.ts) opens while the password is verified.
  ctx.endpoint.store.warm?.();
  const result = await ctx.endpoint.auth.login(username, password, ctx.clientAddress, authzid);
  if (!result.ok) {
    const state = ctx.state;
    const failures = state.kind === "not-authenticated" ? ++state.failedLogins : 0;
    ctx.log.info("authentication failed", { username, reason: result.reason });
    if (result.delayMs > 0) await new Promise((r) => setTimeout(r, result.delayMs));
    if (failures >= MAX_AUTH_FAILURES) {
      writeStatus(ctx.enc, null, "BYE", undefined, "Too many failed logins");
      ctx.endSession();
    }
    throw result.reason === "unavailable"
      ? no("Authentication is temporarily unavailable", "UNAVAILABLE")
      : no("Invalid credentials", "AUTHENTICATIONFAILED");
  }
  const account = await ctx.endpoint.store.openAccount(result.storageAccount, { create: true });
  if (!account) throw no("Your mail account is not available", "UNAVAILABLE");
  ctx.state = authenticatedState({
    authName: result.authName,
    accountName: result.storageAccount,
    account,
    appendLimitsAt: account.appendLimitChanges,
    appendLimits: await account.appendLimits(),
  });
  ctx.log.info("logged in", { username: result.authName, account: result.storageAccount });
  return { code: { code: "CAPABILITY", capabilities: capabilities(ctx) }, text: "Logged in" };
}
