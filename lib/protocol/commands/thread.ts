/**
 * THREAD (RFC 5256 §4) into typed arguments.
 *
 * thread          = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
 * thread-alg      = "ORDEREDSUBJECT" / "REFERENCES" / thread-alg-ext
 * search-criteria = charset 1*(SP search-key)
 */
import { type CommandParser, ParseError } from "../../wire/parser.ts";
import { parseSearchKeys, type SearchProgram } from "./search.ts";

export type ThreadAlgorithm = "orderedsubject" | "references";

export interface ThreadArgs {
  algorithm: ThreadAlgorithm;
  charset: string;
  key: SearchProgram;
}

export function parseThread(p: CommandParser): ThreadArgs {
  p.sp();
  const name = p.atom().toUpperCase();
  // An algorithm we do not advertise is a client error: BAD, as for an unknown sort key.
  if (name !== "ORDEREDSUBJECT" && name !== "REFERENCES") {
    throw new ParseError(`Unknown threading algorithm "${name}"`);
  }
  p.sp();
  const charset = p.astring();
  p.sp();
  return {
    algorithm: name.toLowerCase() as ThreadAlgorithm,
    charset,
    key: parseSearchKeys(p, charset),
  };
}
