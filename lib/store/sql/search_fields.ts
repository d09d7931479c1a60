/**
 * The address and subject fields SEARCH asks about most (FROM, TO, CC, BCC,
 * SUBJECT, and HEADER with one of those names), computed once at APPEND
 * into `body_search`, so SEARCH compares stored text instead of parsing
 * headers again, and SQL can drop non-matching rows itself.
 *
 * Each column holds, in the i;unicode-casemap comparison form (RFC 5051),
 * the decoded value (RFC 2047 encoded words decoded) of every field of that
 * name, and for address fields also every parsed address as
 * `name <mailbox@host>` with comments and folding whitespace removed, so
 * `From: <user-from (comment)@ (comment) domain.org>` is found by
 * `SEARCH FROM user-from@domain.org`. Parts are separated by NUL, which no
 * IMAP search string can contain (CHAR8 excludes it), so a match never spans
 * two parts. A field the header lacks is NULL.
 */
import {
  casemap,
  decodeEncodedWords,
  fieldValue,
  parseAddressList,
  parseHeaderFields,
} from "../../mime/mod.ts";

export type SearchField = "from" | "to" | "cc" | "bcc" | "subject";
export const SEARCH_FIELDS: readonly SearchField[] = ["from", "to", "cc", "bcc", "subject"];

/** The `body_search` column of a field name (any case), or null for other fields. */
export function searchColumn(name: string): `${SearchField}_text` | null {
  const n = name.toLowerCase();
  return (SEARCH_FIELDS as readonly string[]).includes(n) ? `${n as SearchField}_text` : null;
}

export type SearchFields = Record<`${SearchField}_text`, string | null>;

export const SEPARATOR = "\u0000";

/**
 * `separator`: NUL by default (SQLite); PostgreSQL text cannot hold a NUL,
 * so its store joins parts with U+0001 (StoreSql.searchSeparator), which a
 * search string could contain only as a control character.
 */
export function searchFieldsOf(header: Uint8Array, separator = SEPARATOR): SearchFields {
  const parts: Record<SearchField, string[] | null> = {
    from: null,
    to: null,
    cc: null,
    bcc: null,
    subject: null,
  };
  for (const f of parseHeaderFields(header)) {
    if (f.valueStart === f.end) continue; // a line without a colon is no field
    const name = f.name.toLowerCase() as SearchField;
    if (!(SEARCH_FIELDS as readonly string[]).includes(name)) continue;
    const raw = fieldValue(header, f);
    const list = parts[name] ??= [];
    list.push(decodeEncodedWords(raw));
    if (name === "subject") continue;
    for (const a of parseAddressList(raw) ?? []) {
      if (a.mailbox === null) continue; // a group's end
      const display = a.name === null ? "" : decodeEncodedWords(a.name) + " ";
      list.push(a.host === null ? `${display}${a.mailbox}:` : `${display}<${a.mailbox}@${a.host}>`);
    }
  }
  const out = {} as SearchFields;
  for (const name of SEARCH_FIELDS) {
    const list = parts[name];
    out[`${name}_text`] = list === null ? null : casemap(list.join(separator));
  }
  return out;
}
