/**
 * Username normalization as maddy's `auth_map_normalize` /
 * `storage_map_normalize` know it: PRECIS UsernameCaseMapped and
 * UsernameCasePreserved (RFC 8265 §3.3, §3.4) over the IdentifierClass of
 * RFC 8264 §4.2, and the email variants that apply the profile to the local
 * part and turn the domain into lower-case U-labels.
 *
 * A normalizer throws `NormalizeError` for a string it cannot normalize
 * (disallowed code point, not an email address where one is required); the
 * authenticator treats that as a failed login.
 */
import { toUnicode } from "node:punycode";
import type { NormalizerName } from "../config/types.ts";
import { FOLD_EXCEPTIONS } from "./_case_fold.ts";

export type Normalizer = (s: string) => string;

export class NormalizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NormalizeError";
  }
}

export type { NormalizerName } from "../config/types.ts";

/** The normalizer called `name` (lib/config checked the name). */
export function getNormalizer(name: NormalizerName): Normalizer {
  switch (name) {
    case "auto":
      return normalizeAuto;
    case "precis_casefold_email":
      return (s) => precisEmail(s, true);
    case "precis_casefold":
      return (s) => precisUsername(s, true);
    case "precis_email":
      return (s) => precisEmail(s, false);
    case "precis":
      return (s) => precisUsername(s, false);
    case "casefold":
      return (s) => s.toLowerCase();
    case "noop":
      return (s) => s;
  }
}

/**
 * `auto`: precis_casefold_email for an email address, precis_casefold for a
 * bare username (system accounts for `auth = "pam"` have no domain, and
 * precis_casefold_email refuses a string without "@").
 */
function normalizeAuto(s: string): string {
  return s.includes("@") ? precisEmail(s, true) : precisUsername(s, true);
}

/** Unicode Default Case Folding (full folding, CaseFolding.txt C + F). */
export function caseFold(s: string): string {
  let out = "";
  // Per code point on purpose: toLowerCase() on a whole string applies the
  // Final_Sigma context rule, which folding does not have.
  for (const ch of s) out += FOLD_EXCEPTIONS[ch] ?? ch.toLowerCase();
  return out;
}

/**
 * Splits an address at its last "@" as maddy's address.Split does; the
 * special `postmaster` has no domain (RFC 5321 §4.1.1.3).
 */
export function splitAddress(addr: string): { local: string; domain: string } {
  if (addr.toLowerCase() === "postmaster") return { local: addr, domain: "" };
  const at = addr.lastIndexOf("@");
  if (at === -1) throw new NormalizeError(`Address ${JSON.stringify(addr)} has no at-sign`);
  const local = addr.slice(0, at);
  const domain = addr.slice(at + 1);
  if (local === "") {
    throw new NormalizeError(`Address ${JSON.stringify(addr)} has an empty local part`);
  }
  if (domain === "") {
    throw new NormalizeError(`Address ${JSON.stringify(addr)} has an empty domain`);
  }
  return { local, domain };
}

/**
 * A domain in the form used for lookups: A-labels decoded to U-labels, NFC,
 * lower case, no trailing dot (maddy's dns.ForLookup).
 */
export function domainForLookup(domain: string): string {
  const labels = domain.split(".").map((label) => {
    if (!/^xn--/i.test(label)) return label;
    let decoded: string;
    try {
      decoded = toUnicode(label.toLowerCase());
    } catch {
      throw new NormalizeError(`Invalid A-label ${JSON.stringify(label)}`);
    }
    // toUnicode() returns undecodable input unchanged; a label that stays
    // "xn--..." is not a valid A-label (RFC 5890 §2.3.2.1).
    if (/^xn--/i.test(decoded)) {
      throw new NormalizeError(`Invalid A-label ${JSON.stringify(label)}`);
    }
    return decoded;
  });
  let out = labels.join(".").normalize("NFC").toLowerCase();
  if (out.endsWith(".")) out = out.slice(0, -1);
  return out;
}

function precisEmail(addr: string, fold: boolean): string {
  const { local, domain } = splitAddress(addr);
  const mbox = precisUsername(local, fold);
  if (domain === "") return mbox;
  return `${mbox}@${domainForLookup(domain)}`;
}

/**
 * RFC 8265 §3.3.2 / §3.4.2 (enforcement): width mapping, case folding
 * (CaseMapped only), NFC, then every code point must be allowed by the
 * IdentifierClass (RFC 8264 §4.2), and the result must not be empty.
 * The Bidi Rule (RFC 5893) is not checked: JavaScript regular expressions
 * expose no Bidi_Class property.
 */
export function precisUsername(s: string, fold: boolean): string {
  let out = widthMap(s);
  if (fold) out = caseFold(out);
  out = out.normalize("NFC");
  if (out === "") throw new NormalizeError("Empty username");
  checkIdentifierClass(out);
  return out;
}

/**
 * Width Mapping Rule (RFC 8265 §3.3.1 item 1): fullwidth and halfwidth code
 * points map to their <wide>/<narrow> decomposition mappings. These live in
 * the Halfwidth and Fullwidth Forms block and at U+3000 (ideographic space).
 */
function widthMap(s: string): string {
  return s.replace(/[\u3000\uFF01-\uFFEE]/g, (ch) => ch.normalize("NFKC"));
}

// RFC 5892 §2.6 exceptions, as RFC 8264 §9.6 applies them.
const EXCEPTION_PVALID = new Set([0x00df, 0x03c2, 0x06fd, 0x06fe, 0x0f0b, 0x3007]);
const EXCEPTION_DISALLOWED = new Set([
  0x0640,
  0x07fa,
  0x302e,
  0x302f,
  0x3031,
  0x3032,
  0x3033,
  0x3034,
  0x3035,
  0x303b,
]);
const EXCEPTION_CONTEXTO = new Set([
  0x00b7,
  0x0375,
  0x05f3,
  0x05f4,
  0x30fb,
  ...range(0x0660, 0x0669),
  ...range(0x06f0, 0x06f9),
]);

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

const RE_UNASSIGNED = /^\p{Cn}$/u;
const RE_IGNORABLE = /^[\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]$/u;
const RE_CONTROL = /^\p{Cc}$/u;
const RE_LETTER_DIGIT = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u;
const RE_GREEK = /^\p{Script=Greek}$/u;
const RE_HEBREW = /^\p{Script=Hebrew}$/u;
const RE_KANA_HAN = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u;

/** RFC 8264 §8 derivation for the IdentifierClass, applied to each code point. */
function checkIdentifierClass(s: string): void {
  const cps = Array.from(s, (ch) => ch.codePointAt(0)!);
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i];
    const ch = String.fromCodePoint(cp);
    const bad = (why: string) =>
      new NormalizeError(
        `Username ${JSON.stringify(s)} has a disallowed code point U+${
          cp.toString(16).toUpperCase().padStart(4, "0")
        } (${why})`,
      );
    if (EXCEPTION_PVALID.has(cp)) continue;
    if (EXCEPTION_DISALLOWED.has(cp)) throw bad("exception");
    if (EXCEPTION_CONTEXTO.has(cp)) {
      if (!contextOk(cps, i)) throw bad("context rule");
      continue;
    }
    if (RE_UNASSIGNED.test(ch)) throw bad("unassigned");
    if (cp >= 0x21 && cp <= 0x7e) continue; // ASCII7
    // JoinControl (ZWNJ/ZWJ) is CONTEXTJ; its rule needs the combining
    // class (virama), which JavaScript cannot query: refused.
    if (cp === 0x200c || cp === 0x200d) throw bad("join control");
    if (
      (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0xa960 && cp <= 0xa97f) ||
      (cp >= 0xd7b0 && cp <= 0xd7ff)
    ) throw bad("old Hangul jamo");
    if (RE_IGNORABLE.test(ch)) throw bad("ignorable");
    if (RE_CONTROL.test(ch)) throw bad("control");
    if (ch.normalize("NFKC") !== ch) throw bad("compatibility equivalent");
    if (RE_LETTER_DIGIT.test(ch)) continue;
    // Other letters and digits, spaces, symbols, punctuation: ID_DIS.
    throw bad("not a letter or digit");
  }
}

/** CONTEXTO rules of RFC 5892 Appendix A.3-A.9. */
function contextOk(cps: number[], i: number): boolean {
  const cp = cps[i];
  const at = (j: number) => (j >= 0 && j < cps.length ? String.fromCodePoint(cps[j]) : "");
  switch (cp) {
    case 0x00b7: // MIDDLE DOT: between two 'l' (Catalan)
      return cps[i - 1] === 0x6c && cps[i + 1] === 0x6c;
    case 0x0375: // GREEK LOWER NUMERAL SIGN: followed by Greek
      return RE_GREEK.test(at(i + 1));
    case 0x05f3:
    case 0x05f4: // HEBREW GERESH/GERSHAYIM: preceded by Hebrew
      return RE_HEBREW.test(at(i - 1));
    case 0x30fb: // KATAKANA MIDDLE DOT: some Hiragana, Katakana or Han
      return RE_KANA_HAN.test(String.fromCodePoint(...cps.filter((c) => c !== 0x30fb)));
  }
  if (cp >= 0x0660 && cp <= 0x0669) return !cps.some((c) => c >= 0x06f0 && c <= 0x06f9);
  if (cp >= 0x06f0 && cp <= 0x06f9) return !cps.some((c) => c >= 0x0660 && c <= 0x0669);
  return false;
}
