/**
 * SORT ordering (RFC 5256 §3) over what the store keeps per message (the
 * cached envelope, internal date and size): no body is read. Strings
 * compare under i;unicode-casemap (RFC 5255 §4.3); messages equal under
 * every criterion keep mailbox order (§3: "sorted according to the order in
 * which they appear in the mailbox"), which REVERSE does not turn.
 */
import type { Envelope, EnvelopeAddress } from "../mime/types.ts";
import { baseSubject, decodeEncodedWords, sentDate } from "../mime/mod.ts";
import { casemap, compareCodePoints } from "../protocol/collation.ts";
import type { SortCriterion, SortKey } from "../protocol/commands/sort.ts";

export interface SortInput {
  uid: number;
  internalDate: Date;
  size: number;
  envelope: Envelope;
}

/**
 * Returns `messages` (given in mailbox order) in SORT order. Each key is
 * computed once per message, not once per comparison.
 */
export function sortMessages<T extends SortInput>(
  messages: readonly T[],
  criteria: readonly SortCriterion[],
): T[] {
  const keys = criteria.map((c) => messages.map((m) => sortValue(m, c.key)));
  const index = messages.map((_, i) => i);
  index.sort((a, b) => {
    for (let k = 0; k < criteria.length; k++) {
      const x = keys[k][a];
      const y = keys[k][b];
      const d = typeof x === "number" ? x - (y as number) : compareCodePoints(x, y as string);
      if (d !== 0) return criteria[k].reverse ? -d : d;
    }
    return a - b;
  });
  return index.map((i) => messages[i]);
}

/** The value one criterion compares for one message. */
export function sortValue(m: SortInput, key: SortKey): number | string {
  switch (key) {
    case "arrival":
      return m.internalDate.getTime();
    case "date":
      return messageDate(m.envelope.date, m.internalDate);
    case "size":
      return m.size;
    case "subject":
      return casemap(baseSubject(m.envelope.subject ?? ""));
    case "from":
      return casemap(firstMailbox(m.envelope.from));
    case "to":
      return casemap(firstMailbox(m.envelope.to));
    case "cc":
      return casemap(firstMailbox(m.envelope.cc));
  }
}

/**
 * The sent date of RFC 5256 §2.2, in milliseconds (UTC): the Date header,
 * or the internal date when it is missing or cannot be read.
 */
export function messageDate(header: string | null, internalDate: Date): number {
  return (sentDate(header) ?? internalDate).getTime();
}

/**
 * The addr-mailbox of the first address (§3: FROM, TO, CC), or "" when
 * there is none. Group markers are skipped: they carry no mailbox.
 */
function firstMailbox(list: EnvelopeAddress[] | null): string {
  for (const a of list ?? []) {
    if (a.host !== null && a.mailbox !== null) return decodeEncodedWords(a.mailbox);
  }
  return "";
}
