/** System flags as a bit set in `messages.system_flags`; keywords as a JSON array. */
import { FLAG_BITS, SYSTEM_FLAGS } from "../mail_store.ts";

export const SEEN = FLAG_BITS["\\Seen"];
export const ANSWERED = FLAG_BITS["\\Answered"];
export const FLAGGED = FLAG_BITS["\\Flagged"];
export const DELETED = FLAG_BITS["\\Deleted"];
export const DRAFT = FLAG_BITS["\\Draft"];

const BITS: Record<string, number> = {
  "\\seen": SEEN,
  "\\answered": ANSWERED,
  "\\flagged": FLAGGED,
  "\\deleted": DELETED,
  "\\draft": DRAFT,
};

const NAMES: [number, string][] = [
  [ANSWERED, "\\Answered"],
  [FLAGGED, "\\Flagged"],
  [DELETED, "\\Deleted"],
  [SEEN, "\\Seen"],
  [DRAFT, "\\Draft"],
];

/** The bit of a system flag (case-insensitive, RFC 3501 §2.3.2), or 0. */
export function systemFlagBit(flag: string): number {
  return BITS[flag.toLowerCase()] ?? 0;
}

export interface FlagSet {
  bits: number;
  keywords: string[];
}

/**
 * Splits flags into system bits and keywords. \Recent is not storable
 * (RFC 3501 §2.3.2) and other unknown backslash flags are dropped; keywords
 * are compared case-insensitively (as Dovecot does) and keep their first
 * spelling.
 */
export function parseFlags(flags: readonly string[]): FlagSet {
  let bits = 0;
  const keywords: string[] = [];
  const seen = new Set<string>();
  for (const flag of flags) {
    if (flag.startsWith("\\")) {
      bits |= systemFlagBit(flag);
      continue;
    }
    if (flag === "") continue;
    const key = flag.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    keywords.push(flag);
  }
  return { bits, keywords };
}

export function flagList(bits: number, keywords: readonly string[]): string[] {
  const out: string[] = [];
  for (const [bit, name] of NAMES) if (bits & bit) out.push(name);
  return out.concat(keywords);
}

/** Applies a STORE to one message's flags; returns the new set. */
export function applyFlags(
  current: FlagSet,
  mode: "set" | "add" | "remove",
  change: FlagSet,
): FlagSet {
  if (mode === "set") return { bits: change.bits, keywords: [...change.keywords] };
  if (mode === "add") {
    const have = new Set(current.keywords.map((k) => k.toLowerCase()));
    const keywords = [...current.keywords];
    for (const k of change.keywords) if (!have.has(k.toLowerCase())) keywords.push(k);
    return { bits: current.bits | change.bits, keywords };
  }
  const drop = new Set(change.keywords.map((k) => k.toLowerCase()));
  return {
    bits: current.bits & ~change.bits,
    keywords: current.keywords.filter((k) => !drop.has(k.toLowerCase())),
  };
}

export function sameFlags(a: FlagSet, b: FlagSet): boolean {
  return a.bits === b.bits && a.keywords.length === b.keywords.length &&
    a.keywords.every((k, i) => k === b.keywords[i]);
}

export const ALL_SYSTEM_FLAGS: readonly string[] = SYSTEM_FLAGS;
