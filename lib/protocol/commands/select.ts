import { type CommandParser, ParseError } from "../../wire/parser.ts";
import type { ResponseEncoder } from "../../wire/encoder.ts";
import { writeStatus } from "../response.ts";
import { parseSequenceSet, type SequenceSet, STAR } from "../sequence_set.ts";
import { parseModSeq } from "../mod_sequence.ts";

/** QRESYNC's select parameter (RFC 7162 §3.2.5). */
export interface QresyncParam {
  uidValidity: number;
  modSeq: number;
  /** known-uids; null for "every UID". */
  knownUids: SequenceSet | null;
  /** seq-match-data: message numbers and the UIDs the client holds for them. */
  seqMatch: { seqs: SequenceSet; uids: SequenceSet } | null;
}

/**
 * select  = "SELECT" SP mailbox [select-params] (RFC 3501 §6.3.1, RFC 4466 §2.1)
 * examine = "EXAMINE" SP mailbox [select-params] (§6.3.2)
 * select-params = SP "(" select-param *(SP select-param) ")"
 * select-param  =/ "CONDSTORE" / "QRESYNC" SP "(" uidvalidity SP
 *                  mod-sequence-value [SP known-uids] [SP seq-match-data] ")"
 *                  (RFC 7162 §3.1.8, §3.2.5, §7)
 */
export interface SelectArgs {
  mailbox: string;
  condstore?: boolean;
  qresync?: QresyncParam;
}

export function parseSelect(p: CommandParser): SelectArgs {
  p.sp();
  const args: SelectArgs = { mailbox: p.astring() };
  if (p.maybeSp()) {
    p.list(() => {
      const name = p.atom().toUpperCase();
      if (name === "CONDSTORE" && !args.condstore) args.condstore = true;
      else if (name === "QRESYNC" && !args.qresync) {
        p.sp();
        args.qresync = parseQresync(p);
      } else if (name === "CONDSTORE" || name === "QRESYNC") {
        throw new ParseError(`Select parameter ${name} given twice`);
      } else throw new ParseError(`Unknown select parameter ${name}`);
    }, false);
  }
  p.end();
  return args;
}

function parseQresync(p: CommandParser): QresyncParam {
  p.expect("(");
  const uidValidity = p.nzNumber();
  p.sp();
  const modSeq = parseModSeq(p, false);
  let knownUids: SequenceSet | null = null;
  let seqMatch: QresyncParam["seqMatch"] = null;
  if (p.maybeSp()) {
    if (p.peek() !== 0x28 /* ( */) {
      knownUids = noStar(parseSequenceSet(p), "known-uids");
      if (p.maybeSp()) seqMatch = parseSeqMatch(p);
    } else seqMatch = parseSeqMatch(p);
  }
  p.expect(")");
  return { uidValidity, modSeq, knownUids, seqMatch };
}

/** seq-match-data = "(" known-sequence-set SP known-uid-set ")" */
function parseSeqMatch(p: CommandParser): QresyncParam["seqMatch"] {
  p.expect("(");
  const seqs = noStar(parseSequenceSet(p), "known-sequence-set");
  p.sp();
  const uids = noStar(parseSequenceSet(p), "known-uid-set");
  p.expect(")");
  return { seqs, uids };
}

/** RFC 7162 §7: '"*" is not allowed' in known-uids and seq-match-data. */
function noStar(set: SequenceSet, what: string): SequenceSet {
  if (set.some((r) => r.from === STAR || r.to === STAR)) {
    throw new ParseError(`"*" is not allowed in ${what}`);
  }
  return set;
}

/** mailbox-data: "FLAGS" SP flag-list (RFC 3501 §7.2.6) */
export function writeFlagsResponse(enc: ResponseEncoder, flags: readonly string[]): void {
  enc.untagged().atom("FLAGS ").flagList(flags).crlf();
}

/**
 * "* OK [PERMANENTFLAGS (...)]" (§7.1): the flags a client may store, with
 * "\*" when it may create keywords; none for a read-only mailbox.
 */
export function writePermanentFlags(
  enc: ResponseEncoder,
  flags: readonly string[],
  newKeywords: boolean,
): void {
  writeStatus(
    enc,
    null,
    "OK",
    { code: "PERMANENTFLAGS", flags, newKeywords },
    newKeywords || flags.length > 0 ? "Flags permitted" : "No permanent flags permitted",
  );
}

/** mailbox-data: number SP "EXISTS" (§7.3.1) */
export function writeExists(enc: ResponseEncoder, count: number): void {
  enc.untagged().number(count).atom(" EXISTS").crlf();
}

/** mailbox-data: number SP "RECENT" (§7.3.2) */
export function writeRecent(enc: ResponseEncoder, count: number): void {
  enc.untagged().number(count).atom(" RECENT").crlf();
}

/** What SELECT and EXAMINE say about the mailbox before their tagged OK (§6.3.1). */
export interface SelectData {
  flags: readonly string[];
  readOnly: boolean;
  exists: number;
  /** \Recent messages, or null in IMAP4rev2, which has no RECENT response (RFC 9051 Appendix E). */
  recent: number | null;
  /** Sequence number of the first unseen message, or 0 for none. */
  firstUnseen: number;
  uidValidity: number;
  uidNext: number;
  /** MAILBOXID (RFC 8474 §4.2). */
  objectId: string;
}

/**
 * What SELECT and EXAMINE say once CONDSTORE is on (RFC 7162 §3.1.2.1):
 * the mailbox's HIGHESTMODSEQ, also what an enabling command sends for the
 * selected mailbox.
 */
export function writeHighestModSeq(enc: ResponseEncoder, modSeq: number): void {
  writeStatus(enc, null, "OK", { code: "HIGHESTMODSEQ", modSeq }, "Highest");
}

export function writeSelectResponses(enc: ResponseEncoder, d: SelectData): void {
  writeFlagsResponse(enc, d.flags);
  writePermanentFlags(enc, d.readOnly ? [] : d.flags, !d.readOnly);
  writeExists(enc, d.exists);
  if (d.recent !== null) writeRecent(enc, d.recent);
  // RFC 9051 §6.3.2 lists no UNSEEN code for IMAP4rev2 (clients search for it):
  // the caller passes 0 there.
  if (d.firstUnseen > 0) {
    writeStatus(enc, null, "OK", { code: "UNSEEN", seq: d.firstUnseen }, "First unseen");
  }
  // RFC 8474 §4.2: an untagged OK [MAILBOXID (...)] on every successful SELECT and EXAMINE.
  writeStatus(enc, null, "OK", { code: "MAILBOXID", objectId: d.objectId }, "Mailbox id");
  writeStatus(enc, null, "OK", { code: "UIDVALIDITY", uidValidity: d.uidValidity }, "UIDs valid");
  writeStatus(enc, null, "OK", { code: "UIDNEXT", uid: d.uidNext }, "Predicted next UID");
}
