import type { CommandParser } from "../../wire/parser.ts";

/** For commands that take no arguments (CAPABILITY, NOOP, LOGOUT, STARTTLS, CHECK, CLOSE ...). */
export function parseNoArguments(p: CommandParser): Record<never, never> {
  p.end();
  return {};
}
