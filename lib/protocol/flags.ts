/**
 * Flags a client sends (STORE, APPEND), read the one way (RFC 3501 §2.3.2):
 * system flags are case-insensitive and take their canonical spelling;
 * \Recent is the server's to set ("cannot be altered by the client") and
 * other backslash names are flag-extension, reserved for future RFCs (§9):
 * both are refused. Keywords keep their case; duplicates go.
 */
import { ParseError } from "../wire/parser.ts";
import { SYSTEM_FLAGS } from "../store/mail_store.ts";

const CANONICAL = new Map<string, string>(SYSTEM_FLAGS.map((f) => [f.toUpperCase(), f]));

/** The flags in canonical form, without duplicates; a syntax error for one a client cannot set. */
export function canonicalFlags(raw: readonly string[]): string[] {
  const flags: string[] = [];
  const seen = new Set<string>();
  for (const f of raw) {
    const flag = canonicalFlag(f);
    const key = flag.toUpperCase();
    if (!seen.has(key)) {
      seen.add(key);
      flags.push(flag);
    }
  }
  return flags;
}

function canonicalFlag(flag: string): string {
  if (!flag.startsWith("\\")) return flag;
  const known = CANONICAL.get(flag.toUpperCase());
  if (known) return known;
  if (flag.toUpperCase() === "\\RECENT") throw new ParseError("Flag \\Recent cannot be stored");
  throw new ParseError(`Unknown system flag "${flag}"`);
}
