/**
 * SORT ordering (RFC 5256 §3) over what the store keeps per message (the
 * cached envelope, internal date and size): no body is read. Strings
 * compare under i;unicode-casemap (RFC 5255 §4.3); messages equal under
 * every criterion keep mailbox order (§3: "sorted according to the order in
 * which they appear in the mailbox"), which REVERSE does not turn.
 * DISPLAYFROM and DISPLAYTO are RFC 5957's.
 */
import type { Envelope, EnvelopeAddress } from "../mime/types.ts";
import { baseSubject, decodeEncodedWords, sentDate } from "../mime/mod.ts";
import { casemap, compareCodePoints } from "../mime/casemap.ts";
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
    case "displayfrom":
      return casemap(displayName(m.envelope.from));
    case "displayto":
      return casemap(displayName(m.envelope.to));
  }
}

/**
 * The sent date of RFC 5256 §2.2, in milliseconds (UTC): the Date header,
 * or the internal date when it is missing or cannot be read.
 */
export function messageDate(header: string | null, internalDate: Date): number {
  if (header === null) return internalDate.getTime();
  return canonicalDate(header) ?? (sentDate(header) ?? internalDate).getTime();
}

// date-time = [day-of-week ","] day month year time zone (RFC 5322 §3.3), as nearly every
// mailer writes it; anything else goes to the full parser in lib/mime.
const CANONICAL_DATE =
  /^(?:[A-Za-z]{3}, ?)?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})(?: \([^()]*\))?$/;
const MONTHS = "janfebmaraprmayjunjulaugsepoctnovdec";

/**
 * The canonical form of a Date header read directly, in milliseconds, or
 * undefined: the general parser costs tens of microseconds a call, which
 * SORT (DATE) and THREAD pay once per message.
 */
function canonicalDate(header: string): number | undefined {
  const m = CANONICAL_DATE.exec(header.trim());
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2].toLowerCase());
  const day = Number(m[1]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 0 || month % 3 !== 0 || day < 1 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const local = Date.UTC(Number(m[3]), month / 3, day, hour, minute, Math.min(second, 59));
  if (new Date(local).getUTCDate() !== day) return undefined;
  const offset = (Number(m[8]) * 60 + Number(m[9])) * (m[7] === "-" ? -1 : 1);
  return local - offset * 60_000;
}

/**
 * The addr-mailbox of the first address (RFC 5256 §3: FROM, TO, CC), or ""
 * when there is none. For a group that comes first, that is the group's
 * start marker, whose addr-mailbox is the group name (RFC 3501 §7.4.2):
 * "Cc: user2: blah@domain1.org;" sorts as "user2". An empty group's end
 * marker carries no mailbox and is passed over.
 */
function firstMailbox(list: EnvelopeAddress[] | null): string {
  for (const a of list ?? []) {
    if (a.mailbox !== null) return decodeEncodedWords(a.mailbox);
  }
  return "";
}

/**
 * The display name of the first address (RFC 5957 §2: DISPLAYFROM,
 * DISPLAYTO): its decoded display-name, or when that is missing or empty
 * its addr-spec; a group that comes first gives its group name. "" when
 * there is no address.
 */
function displayName(list: EnvelopeAddress[] | null): string {
  for (const a of list ?? []) {
    if (a.mailbox === null) continue; // an empty group's end marker
    const name = a.name === null ? "" : decodeEncodedWords(a.name).trim();
    if (name !== "") return name;
    if (a.host === null) return decodeEncodedWords(a.mailbox); // group start: the group name
    return `${decodeEncodedWords(a.mailbox)}@${a.host}`;
  }
  return "";
}
