/**
 * date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
 * (RFC 3501 §9), e.g. " 7-Feb-1994 21:52:25 -0800"; and date (d-Mon-yyyy) for SEARCH.
 */
import { ParseError } from "../wire/parser.ts";

export const MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];

export function parseDateTime(text: string): Date {
  const m = /^([ \d]?\d)-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(
    text,
  );
  const month = m ? MONTHS.findIndex((x) => x.toLowerCase() === m[2].toLowerCase()) : -1;
  if (!m || month < 0) throw new ParseError(`Invalid date-time "${text}"`);
  const [day, year, hh, mm, ss, zh, zm] = [m[1], m[3], m[4], m[5], m[6], m[8], m[9]].map((x) =>
    Number(x.trim())
  );
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || zm > 59) {
    throw new ParseError(`Invalid date-time "${text}"`);
  }
  const offset = (m[7] === "-" ? -1 : 1) * (zh * 60 + zm);
  const utc = Date.UTC(year, month, day, hh, mm, ss) - offset * 60_000;
  const date = new Date(utc);
  if (new Date(Date.UTC(year, month, day)).getUTCDate() !== day) {
    throw new ParseError(`Invalid date-time "${text}"`);
  }
  return date;
}

/** Formats an internal date as RFC 3501 date-time, in UTC ("+0000"). */
export function formatDateTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
