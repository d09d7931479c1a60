/**
 * Domain types produced by the MIME parser (`lib/mime`) once, at APPEND,
 * and cached by the store. They carry decoded-enough data for ENVELOPE and
 * BODYSTRUCTURE (RFC 3501 §7.4.2) without re-reading the message.
 *
 * Strings are raw header values as they appear (unfolded, encoded words kept
 * as sent: RFC 3501 returns them undecoded), or null for NIL.
 */

/** One address of an ENVELOPE address list, or a group marker (RFC 3501 §7.4.2). */
export interface EnvelopeAddress {
  /** Display name (addr-name), raw. */
  name: string | null;
  /** Source route (addr-adl); nearly always null. */
  adl: string | null;
  /** Local part (addr-mailbox); for a group start the group name, for a group end null. */
  mailbox: string | null;
  /** Domain (addr-host); null marks a group start or end. */
  host: string | null;
}

export interface Envelope {
  date: string | null;
  subject: string | null;
  from: EnvelopeAddress[] | null;
  sender: EnvelopeAddress[] | null;
  replyTo: EnvelopeAddress[] | null;
  to: EnvelopeAddress[] | null;
  cc: EnvelopeAddress[] | null;
  bcc: EnvelopeAddress[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

/** Parameters as ordered name/value pairs (names as sent; IMAP clients compare case-insensitively). */
export type BodyParams = [string, string][];

export interface BodyDisposition {
  type: string;
  params: BodyParams;
}

/** Fields common to every part. Offsets are byte offsets into the whole message. */
export interface BodyPartBase {
  /** Byte offset of this part's header block (its MIME header) in the whole message. */
  headerStart: number;
  /** Byte offset where this part's body begins (after the blank line). */
  bodyStart: number;
  /** Byte offset just past this part's body. */
  bodyEnd: number;
  /** Content-MD5, raw, or null. */
  md5: string | null;
  disposition: BodyDisposition | null;
  language: string[] | null;
  location: string | null;
}

/** A leaf part (RFC 3501 body-type-basic / body-type-text). */
export interface BodySinglePart extends BodyPartBase {
  kind: "single";
  /** Lower-case media type, e.g. "text". */
  type: string;
  /** Lower-case subtype, e.g. "plain". */
  subtype: string;
  params: BodyParams;
  id: string | null;
  description: string | null;
  /** Content-Transfer-Encoding, upper-cased as Dovecot sends it ("7BIT" when absent). */
  encoding: string;
  /** Body size in bytes (bodyEnd - bodyStart). */
  size: number;
  /** Line count: for text/* and message/rfc822 parts. */
  lines: number | null;
}

/** message/rfc822 part: carries the nested message's envelope and structure. */
export interface BodyMessagePart extends Omit<BodySinglePart, "kind"> {
  kind: "message";
  envelope: Envelope;
  body: BodyStructure;
}

export interface BodyMultipart extends BodyPartBase {
  kind: "multipart";
  /** Lower-case subtype, e.g. "mixed". */
  subtype: string;
  params: BodyParams;
  parts: BodyStructure[];
}

export type BodyStructure = BodySinglePart | BodyMessagePart | BodyMultipart;

/** What the parser returns for one message. */
export interface ParsedMessage {
  /** Size of the top-level header block including the blank line that ends it. */
  headerSize: number;
  envelope: Envelope;
  body: BodyStructure;
}
