/**
 * RFC 5322 §3.4 address lists, as IMAP ENVELOPE wants them
 * (RFC 3501 §7.4.2): groups become a start marker (host NIL, mailbox = the
 * group name) and an end marker (mailbox and host NIL).
 */
import { readQuoted } from "./params.ts";
import type { EnvelopeAddress } from "./types.ts";

/**
 * Host given to an address without a domain, and mailbox to one without a
 * local part, because NIL there would read as a group marker
 * (RFC 3501 §7.4.2). The same words Dovecot uses.
 */
export const MISSING_DOMAIN = "MISSING_DOMAIN";
export const MISSING_MAILBOX = "MISSING_MAILBOX";

type Token =
  | { kind: "word"; value: string; quoted: boolean }
  | { kind: "comment"; value: string }
  | { kind: "special"; value: string };

const SPECIALS = "<>@,;:";

function readComment(s: string, i: number): [string, number] {
  let depth = 0;
  let out = "";
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === "\\" && i + 1 < s.length) {
      out += s[++i];
    } else if (c === "(") {
      if (depth++ > 0) out += c;
    } else if (c === ")") {
      if (--depth === 0) return [out, i + 1];
      out += c;
    } else {
      out += c;
    }
  }
  return [out, i];
}

function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      i++;
    } else if (c === ")") {
      i++; // a stray ")" closes no comment: dropped
    } else if (c === "(") {
      let value: string;
      [value, i] = readComment(s, i);
      tokens.push({ kind: "comment", value: value.trim() });
    } else if (c === '"') {
      let value: string;
      [value, i] = readQuoted(s, i);
      tokens.push({ kind: "word", value, quoted: true });
    } else if (SPECIALS.includes(c)) {
      tokens.push({ kind: "special", value: c });
      i++;
    } else if (c === "[") {
      // Domain literal, RFC 5322 §3.4.1: kept with its brackets.
      const close = s.indexOf("]", i);
      const end = close < 0 ? s.length : close + 1;
      tokens.push({ kind: "word", value: s.slice(i, end), quoted: false });
      i = end;
    } else {
      const start = i;
      while (
        i < s.length && !' \t\r\n()"[<>@,;:'.includes(s[i])
      ) i++;
      tokens.push({ kind: "word", value: s.slice(start, i), quoted: false });
    }
  }
  return tokens;
}

class AddressParser {
  #tokens: Token[];
  #pos = 0;
  readonly out: EnvelopeAddress[] = [];

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#pos];
  }

  #isSpecial(value: string): boolean {
    const t = this.#tokens[this.#pos];
    return t !== undefined && t.kind === "special" && t.value === value;
  }

  parseList(): void {
    while (this.#pos < this.#tokens.length) {
      if (this.#isSpecial(",") || this.#isSpecial(";") || this.#isSpecial(">")) {
        this.#pos++;
        continue;
      }
      this.#parseAddress(false);
    }
  }

  /** Reads words and comments up to a special; returns the phrase and the last comment. */
  #phrase(): { words: Token[]; comment: string | null } {
    const words: Token[] = [];
    let comment: string | null = null;
    for (let t = this.#peek(); t && t.kind !== "special"; t = this.#peek()) {
      if (t.kind === "comment") comment = t.value;
      else words.push(t);
      this.#pos++;
    }
    return { words, comment };
  }

  /** One mailbox or group; `inGroup` stops a nested group and ends at ";". */
  #parseAddress(inGroup: boolean): void {
    const { words, comment } = this.#phrase();
    const next = this.#peek();
    if (next?.kind === "special" && next.value === ":" && !inGroup) {
      this.#pos++;
      this.out.push({ name: null, adl: null, mailbox: joinPhrase(words) ?? "", host: null });
      while (this.#pos < this.#tokens.length && !this.#isSpecial(";")) {
        if (this.#isSpecial(",") || this.#isSpecial(":") || this.#isSpecial(">")) {
          this.#pos++;
          continue;
        }
        this.#parseAddress(true);
      }
      if (this.#isSpecial(";")) this.#pos++;
      // A group without its ";" is closed at the end of the list (leniency).
      this.out.push({ name: null, adl: null, mailbox: null, host: null });
      return;
    }
    if (next?.kind === "special" && next.value === "<") {
      this.#pos++;
      this.#angleAddr(joinPhrase(words) ?? comment);
      return;
    }
    // addr-spec: local-part ["@" domain], with comments usable as the name.
    const mailbox = joinLocal(words);
    let host: string | null = null;
    let trailingComment = comment;
    if (this.#isSpecial("@")) {
      this.#pos++;
      const domain = this.#phrase();
      host = joinLocal(domain.words);
      trailingComment = domain.comment ?? trailingComment;
      // "a@b <c@d>": take the angle address and use what came before as the name.
      if (this.#isSpecial("<")) {
        this.#pos++;
        this.#angleAddr(mailbox + (host ? "@" + host : ""));
        return;
      }
    }
    if (mailbox === "" && host === null) {
      // Nothing but a stray special (":" in a group, "@"...): skip it.
      if (this.#pos < this.#tokens.length && !this.#isSpecial(",") && !this.#isSpecial(";")) {
        this.#pos++;
      }
      return;
    }
    this.out.push({
      name: trailingComment || null,
      adl: null,
      mailbox: mailbox === "" ? MISSING_MAILBOX : mailbox,
      host: host || MISSING_DOMAIN,
    });
  }

  /** After "<": [route ":"] local-part "@" domain ">". */
  #angleAddr(name: string | null): void {
    let adl: string | null = null;
    if (this.#isSpecial("@")) {
      // obs-route, RFC 5322 §4.4: "@a,@b:" before the address.
      let route = "";
      const routeStart = this.#pos;
      while (this.#pos < this.#tokens.length && !this.#isSpecial(":") && !this.#isSpecial(">")) {
        const t = this.#tokens[this.#pos++];
        if (t.kind !== "comment") route += t.value;
      }
      if (this.#isSpecial(":")) {
        this.#pos++;
        adl = route;
      } else {
        this.#pos = routeStart; // "<@host>": no route, an empty local part
      }
    }
    const local = this.#phrase();
    let host: string | null = null;
    if (this.#isSpecial("@")) {
      this.#pos++;
      host = joinLocal(this.#phrase().words);
    }
    // Skip anything up to ">" (or the end of this address).
    while (
      this.#pos < this.#tokens.length && !this.#isSpecial(">") && !this.#isSpecial(",") &&
      !this.#isSpecial(";")
    ) this.#pos++;
    if (this.#isSpecial(">")) this.#pos++;
    const mailbox = joinLocal(local.words);
    if (mailbox === "" && !host && !name) return; // "<>": nothing to report
    this.out.push({
      name,
      adl,
      mailbox: mailbox === "" ? MISSING_MAILBOX : mailbox,
      host: host || MISSING_DOMAIN,
    });
  }
}

/** Display name: words joined by one space, quoted strings unquoted; null when empty. */
function joinPhrase(words: Token[]): string | null {
  const text = words.map((w) => w.value).join(" ").trim();
  return text === "" ? null : text;
}

/** Local part or domain: words joined without spaces (CFWS around dots is not part of it). */
function joinLocal(words: Token[]): string {
  return words.map((w) => w.value).join("");
}

/**
 * Parses an address-list field value (raw, unfolded). Display names and
 * local parts are returned unquoted (the IMAP encoder quotes them again);
 * encoded words in names are kept as sent, as RFC 3501 wants. A mailbox
 * with no display name takes its comment as name (`a@b (Ann)`), as Dovecot
 * does. Returns null for an empty list, so the ENVELOPE says NIL.
 */
export function parseAddressList(value: string): EnvelopeAddress[] | null {
  const parser = new AddressParser(tokenize(value));
  parser.parseList();
  return parser.out.length > 0 ? parser.out : null;
}
