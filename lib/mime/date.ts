/**
 * RFC 5322 §3.3 dates, with the obsolete forms of §4.3 (two- and
 * three-digit years, named zones, missing seconds) and the shapes real
 * mailers send (asctime order, "1-Jan-2020", missing zone).
 */

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/** Named zones of RFC 5322 §4.3, in minutes east of UTC. */
const ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
};

interface DateFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Minutes east of UTC. */
  offset: number;
}

function monthOf(token: string): number | undefined {
  if (token.length < 3) return undefined;
  const m = MONTHS[token.slice(0, 3)];
  // "june", "sept", "september" are accepted; "mayday" is not.
  return m !== undefined && /^[a-z]+$/.test(token) && token.length <= 9 ? m : undefined;
}

// Not RFC 5322, but sent by some scripts: 2024-01-15T10:00:00Z, 2024-01-15 10:00:00 +01:00.
const ISO =
  /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?\s*$/i;

function parseIso(value: string): DateFields | null {
  const m = ISO.exec(value);
  if (!m) return null;
  let offset = 0;
  if (m[7] && m[7].toUpperCase() !== "Z") {
    const digits = m[7].replace(":", "");
    offset = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) *
      (digits[0] === "-" ? -1 : 1);
  }
  return {
    year: Number(m[1]),
    month: Number(m[2]) - 1,
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    offset,
  };
}

function parseFields(value: string): DateFields | null {
  const iso = parseIso(value);
  if (iso) return iso.month > 11 || iso.hour > 23 || iso.minute > 59 ? null : iso;
  // Comments are CFWS (RFC 5322 §3.2.2): drop them, and any day name.
  const text = value.replace(/\([^()]*\)/g, " ").toLowerCase();
  const tokens = text.split(/[\s,]+/).flatMap((t) =>
    /^\d{1,2}-[a-z]{3,9}-\d{2,4}$/.test(t) ? t.split("-") : [t]
  ).filter((t) => t !== "");
  let day: number | null = null;
  let month: number | null = null;
  let year: number | null = null;
  let yearDigits = 4;
  let time: number[] | null = null;
  let offset: number | null = null;
  for (const t of tokens) {
    let m: RegExpExecArray | null;
    if (time === null && (m = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$/.exec(t))) {
      time = [Number(m[1]), Number(m[2]), m[3] === undefined ? 0 : Number(m[3])];
    } else if (offset === null && (m = /^([+-])(\d{2}):?(\d{2})$/.exec(t))) {
      const minutes = Number(m[2]) * 60 + Number(m[3]);
      offset = m[1] === "-" ? -minutes : minutes;
    } else if (month === null && monthOf(t) !== undefined) {
      month = monthOf(t)!;
    } else if (/^\d+$/.test(t)) {
      if (day === null && t.length <= 2 && (year === null || month !== null)) day = Number(t);
      else if (year === null) {
        year = Number(t);
        yearDigits = t.length;
      }
    } else if (offset === null && time !== null && ZONES[t] !== undefined) {
      offset = ZONES[t];
    } else if (offset === null && time !== null && /^[a-ik-z]$/.test(t)) {
      // Military zones: RFC 5322 §4.3 says their signs were wrong in RFC 822; treat as -0000.
      offset = 0;
    }
  }
  if (day === null || month === null || year === null) return null;
  // RFC 5322 §4.3: a two-digit year below 50 is 20xx, else 19xx; three digits add 1900.
  if (yearDigits <= 2) year += year < 50 ? 2000 : 1900;
  else if (yearDigits === 3) year += 1900;
  const [hour, minute, second] = time ?? [0, 0, 0];
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  return { year, month, day, hour, minute, second: Math.min(second, 59), offset: offset ?? 0 };
}

/**
 * The instant a Date header value names, or null when it cannot be read
 * (or names a day that does not exist, like 31 Feb). A missing zone is read
 * as +0000 (RFC 5322 §4.3 treats unknown zones as -0000).
 */
export function sentDate(envelopeDate: string | null): Date | null {
  if (envelopeDate === null) return null;
  const f = parseFields(envelopeDate);
  if (!f) return null;
  const local = Date.UTC(f.year, f.month, f.day, f.hour, f.minute, f.second);
  if (new Date(local).getUTCDate() !== f.day) return null;
  return new Date(local - f.offset * 60_000);
}

/**
 * The calendar day of a Date header value in the sender's own zone, as
 * "YYYY-MM-DD": SENTON/SENTBEFORE/SENTSINCE compare this day, "disregarding
 * time and timezone" (RFC 3501 §6.4.4). Null when the date cannot be read.
 */
export function sentDay(envelopeDate: string | null): string | null {
  if (envelopeDate === null) return null;
  const f = parseFields(envelopeDate);
  if (!f) return null;
  const check = new Date(Date.UTC(f.year, f.month, f.day));
  if (check.getUTCDate() !== f.day) return null;
  return check.toISOString().slice(0, 10);
}
