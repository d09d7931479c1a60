import type { CommandContext, Completion } from "../context.ts";
import {
  type AuthenticateArgs,
  decodeSaslLine,
  encodeSaslChallenge,
} from "../../protocol/commands/authenticate.ts";
import { bad, no } from "../../protocol/errors.ts";
import { completeLogin } from "../login.ts";
import { decodeUtf8 } from "../../wire/parser.ts";

/** RFC 3501 §6.2.2 with SASL-IR (RFC 4959). */
export async function handleAuthenticate(
  ctx: CommandContext,
  args: AuthenticateArgs,
): Promise<Completion> {
  const cfg = ctx.endpoint.config;
  const allowed = args.mechanism === "PLAIN" || (args.mechanism === "LOGIN" && cfg.saslLogin);
  const mech = allowed ? ctx.endpoint.sasl(args.mechanism) : null;
  if (!mech) throw no(`Unsupported authentication mechanism ${args.mechanism}`, "CANNOT");
  if (!ctx.cleartextAllowed) {
    throw no(
      "Plain-text authentication is disabled on an unencrypted connection; use STARTTLS",
      "PRIVACYREQUIRED",
    );
  }
  let response = args.initialResponse;
  for (;;) {
    const step = mech.step(response);
    if (step.kind === "error") throw no(step.message, "AUTHENTICATIONFAILED");
    if (step.kind === "done") {
      // Acting as another user is refused by the login service (it compares normalized names).
      return await completeLogin(ctx, step.username, step.password, step.authzid);
    }
    await ctx.continuation(encodeSaslChallenge(step.data));
    const line = await ctx.readLine();
    if (line === null) throw bad("Connection closed during authentication");
    if (cfg.ioDebug) ctx.log.trace("C", "***");
    const text = decodeUtf8(line);
    if (text === "*") throw bad("Authentication cancelled");
    response = decodeSaslLine(text);
    if (response === null) throw bad("Invalid base64 in the authentication response");
  }
}
