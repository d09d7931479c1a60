/**
 * Every command: the states it is allowed in (checked before parsing), its
 * parser (lib/protocol/commands/<name>.ts) and its handler
 * (lib/server/handlers/<name>.ts). One command, one name, in every layer.
 */
import type { CommandParser } from "../wire/parser.ts";
import type { Connection } from "./connection.ts";
import { ANY_STATE, NOT_AUTHENTICATED, type StateKind } from "./session.ts";
import { parseNoArguments } from "../protocol/commands/_common.ts";
import { parseLogin } from "../protocol/commands/login.ts";
import { parseAuthenticate } from "../protocol/commands/authenticate.ts";
import { parseId } from "../protocol/commands/id.ts";
import { parseEnable } from "../protocol/commands/enable.ts";
import { handleCapability } from "./handlers/capability.ts";
import { handleNoop } from "./handlers/noop.ts";
import { handleLogout } from "./handlers/logout.ts";
import { handleStarttls } from "./handlers/starttls.ts";
import { handleLogin } from "./handlers/login.ts";
import { handleAuthenticate } from "./handlers/authenticate.ts";
import { handleId } from "./handlers/id.ts";
import { handleEnable } from "./handlers/enable.ts";

/** What a handler may add to its tagged OK. */
export interface Completion {
  /** Response code without brackets, e.g. "READ-WRITE". */
  code?: string;
  /** Text after the code; defaults to "<NAME> completed". */
  text?: string;
  /** Runs after the tagged OK is on the wire (STARTTLS, COMPRESS). */
  after?: () => Promise<void>;
}

export interface CommandSpec<A> {
  states: readonly StateKind[];
  parse(p: CommandParser): A;
  handle(conn: Connection, args: A, tag: string): Promise<Completion | void>;
  /**
   * RFC 3501 §7.4.1: the command uses sequence numbers (FETCH, STORE,
   * SEARCH), so no EXPUNGE response may be sent while it completes.
   */
  holdExpunge?: boolean;
}

function command<A>(spec: CommandSpec<A>): CommandSpec<unknown> {
  return spec as CommandSpec<unknown>;
}

export const COMMANDS: ReadonlyMap<string, CommandSpec<unknown>> = new Map([
  ["CAPABILITY", command({ states: ANY_STATE, parse: parseNoArguments, handle: handleCapability })],
  ["NOOP", command({ states: ANY_STATE, parse: parseNoArguments, handle: handleNoop })],
  ["LOGOUT", command({ states: ANY_STATE, parse: parseNoArguments, handle: handleLogout })],
  ["ID", command({ states: ANY_STATE, parse: parseId, handle: handleId })],
  [
    "ENABLE",
    command({ states: ["authenticated", "selected"], parse: parseEnable, handle: handleEnable }),
  ],
  [
    "STARTTLS",
    command({ states: NOT_AUTHENTICATED, parse: parseNoArguments, handle: handleStarttls }),
  ],
  ["LOGIN", command({ states: NOT_AUTHENTICATED, parse: parseLogin, handle: handleLogin })],
  [
    "AUTHENTICATE",
    command({ states: NOT_AUTHENTICATED, parse: parseAuthenticate, handle: handleAuthenticate }),
  ],
]);
