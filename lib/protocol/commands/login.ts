import type { CommandParser } from "../../wire/parser.ts";

/** login = "LOGIN" SP userid SP password (RFC 3501 §6.2.3) */
export interface LoginArgs {
  username: string;
  password: string;
}

export function parseLogin(p: CommandParser): LoginArgs {
  p.sp();
  const username = p.astring();
  p.sp();
  const password = p.astring();
  p.end();
  return { username, password };
}
