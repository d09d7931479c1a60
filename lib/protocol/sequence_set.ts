/**
 * sequence-set (RFC 3501 §9): "1,3:5,7:*". `*` is kept symbolic (as
 * `STAR`) until the session resolves it against the mailbox: for sequence
 * numbers the message count, for UIDs the largest UID in use. A range may
 * come in either order ("5:2" = "2:5").
 */
import { type CommandParser, ParseError } from "../wire/parser.ts";

/** Stands for "*" in a range. */
export const STAR = -1;

export interface SeqRange {
  from: number;
  to: number;
}

export type SequenceSet = SeqRange[];

function isSeqChar(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || b === 0x3a || b === 0x2c || b === 0x2a;
}

/** "$" (RFC 5182 §3: `sequence-set =/ seq-last-command`): the saved search result. */
export const SAVED_RESULT = "$";

/** A sequence set, or "$" for the result SEARCH RETURN (SAVE) kept (RFC 5182 §2.1). */
export type MessageSet = SequenceSet | typeof SAVED_RESULT;

/**
 * sequence-set / "$": "$" stands alone (RFC 5182 §3 makes it an alternative
 * to the whole set, so "1,$" is a syntax error).
 */
export function parseMessageSet(p: CommandParser): MessageSet {
  if (p.peek() === 0x24 /* $ */) {
    p.pos++;
    return SAVED_RESULT;
  }
  return parseSequenceSet(p);
}

export function parseSequenceSet(p: CommandParser): SequenceSet {
  const text = p.takeWhile(isSeqChar, "a sequence set");
  return parseSequenceSetText(text);
}

/** Tells whether a sequence set (or "$", RFC 5182 §3) comes next (for SEARCH keys). */
export function atSequenceSet(p: CommandParser): boolean {
  const b = p.peek();
  return (b >= 0x30 && b <= 0x39) || b === 0x2a || b === 0x24;
}

export function parseSequenceSetText(text: string): SequenceSet {
  const out: SequenceSet = [];
  for (const part of text.split(",")) {
    const bounds = part.split(":");
    if (bounds.length > 2) throw new ParseError(`Invalid sequence set "${text}"`);
    const from = seqNumber(bounds[0], text);
    const to = bounds.length === 2 ? seqNumber(bounds[1], text) : from;
    out.push({ from, to });
  }
  return out;
}

function seqNumber(s: string, text: string): number {
  if (s === "*") return STAR;
  if (!/^[1-9]\d{0,9}$/.test(s) || Number(s) > 0xffffffff) {
    throw new ParseError(`Invalid sequence set "${text}"`);
  }
  return Number(s);
}

/**
 * Resolves "*" to `max` and returns sorted, merged, inclusive ranges.
 * With `max` 0 (empty mailbox), "*" is 0 as well and such ranges vanish
 * when `dropZero` is set.
 */
export function resolveRanges(set: SequenceSet, max: number): SeqRange[] {
  const ranges = set.map(({ from, to }) => {
    const a = from === STAR ? max : from;
    const b = to === STAR ? max : to;
    return a <= b ? { from: a, to: b } : { from: b, to: a };
  }).filter((r) => r.to > 0).map((r) => ({ from: Math.max(r.from, 1), to: r.to }));
  ranges.sort((x, y) => x.from - y.from);
  const merged: SeqRange[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else merged.push({ ...r });
  }
  return merged;
}
