/**
 * `email_localpart`, `email_localpart_optional` and `email_with_domain`:
 * tables that take an address apart or put one together.
 */
import type { Table } from "./table.ts";

export const emailLocalpartTable: Table = {
  lookup: (key) => Promise.resolve(emailLocalpart(key)),
};

export const emailLocalpartOptionalTable: Table = {
  lookup: (key) => Promise.resolve(emailLocalpart(key) ?? key),
};

/** Appends the first domain to the (quoted where needed) key. */
export function emailWithDomainTable(domains: readonly string[]): Table {
  return { lookup: (key) => Promise.resolve(`${quoteMbox(key)}@${domains[0]}`) };
}

/**
 * The unquoted local part of an address, or null for a string that is not
 * one (maddy's address.Split + UnquoteMbox: `"a b"@x` gives `a b`).
 */
export function emailLocalpart(key: string): string | null {
  if (key.toLowerCase() === "postmaster") return key;
  const at = key.lastIndexOf("@");
  if (at <= 0 || at === key.length - 1) return null;
  return unquoteMbox(key.slice(0, at));
}

function unquoteMbox(mbox: string): string | null {
  let quoted = false;
  let escaped = false;
  let closed = false;
  let out = "";
  for (const ch of mbox) {
    if (closed) return null; // the closing quote must end the local part
    if (ch === '"' && !escaped) {
      quoted = !quoted;
      if (!quoted) closed = true;
      continue;
    }
    if (ch === "\\" && !escaped) {
      if (!quoted) return null;
      escaped = true;
      continue;
    }
    if (ch === "@" && !quoted) return null;
    escaped = false;
    out += ch;
  }
  return out === "" ? null : out;
}

/** Quotes a local part that is not a dot-atom (RFC 5321 §4.1.2). */
function quoteMbox(mbox: string): string {
  if (
    /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+(\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+)*$/u
      .test(mbox)
  ) {
    return mbox;
  }
  return `"${mbox.replace(/(["\\])/g, "\\$1")}"`;
}
