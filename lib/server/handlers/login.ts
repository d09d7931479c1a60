import type { CommandContext, Completion } from "../context.ts";
import type { LoginArgs } from "../../protocol/commands/login.ts";
import { no } from "../../protocol/errors.ts";
import { completeLogin } from "../login.ts";

/** LOGIN (RFC 3501 §6.2.3). */
export function handleLogin(ctx: CommandContext, args: LoginArgs): Promise<Completion> {
  // RFC 3501 §6.2.3 and §7.2.1: with LOGINDISABLED advertised, LOGIN gets NO.
  if (!ctx.cleartextAllowed) {
    return Promise.reject(
      no(
        "Plain-text login is disabled on an unencrypted connection; use STARTTLS",
        "PRIVACYREQUIRED",
      ),
    );
  }
  return completeLogin(ctx, args.username, args.password);
}
