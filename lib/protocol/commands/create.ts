import { type CommandParser, ParseError } from "../../wire/parser.ts";

/**
 * create = "CREATE" SP mailbox [SP "(" create-param *(SP create-param) ")"]
 * (RFC 3501 §6.3.3; create parameters RFC 4466; "USE" RFC 6154 §3).
 */
export interface CreateArgs {
  mailbox: string;
  /** Special-use attributes asked for with CREATE-SPECIAL-USE. */
  use: string[];
}

export function parseCreate(p: CommandParser): CreateArgs {
  p.sp();
  const mailbox = p.astring();
  const use: string[] = [];
  if (p.maybeSp()) {
    p.list(() => {
      const name = p.atom().toUpperCase();
      if (name !== "USE") throw new ParseError(`Unknown CREATE parameter ${name}`);
      p.sp();
      use.push(...p.list(() => p.flag(), false));
    }, false);
  }
  p.end();
  return { mailbox, use };
}
