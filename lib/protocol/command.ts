/**
 * The start of every command: tag SP command-name, with "UID" joined to its
 * subcommand ("UID FETCH"). RFC 3501 §9 `command`.
 */
import { CommandParser, ParseError } from "../wire/parser.ts";

export interface CommandHead {
  tag: string;
  /** Upper-case name; "UID FETCH" style for UID commands. */
  name: string;
}

/** Reads the tag and command name; the parser is left before the arguments. */
export function parseCommandHead(p: CommandParser): CommandHead {
  const tag = p.tag();
  if (!p.maybeSp()) throw new ParseError("Missing command");
  let name = p.atom().toUpperCase();
  if (name === "UID") {
    if (!p.maybeSp()) throw new ParseError("Missing command after UID");
    name = "UID " + p.atom().toUpperCase();
  }
  return { tag, name };
}

/** The tag of a command (or "*" when none can be read), for answering a command we drop. */
export function tagOf(bytes: Uint8Array): string {
  try {
    return new CommandParser(bytes).tag();
  } catch {
    return "*";
  }
}

/** The command name of a (possibly partial) command, or "" when none can be read. */
export function nameOf(bytes: Uint8Array): string {
  try {
    return parseCommandHead(new CommandParser(bytes)).name;
  } catch {
    return "";
  }
}
