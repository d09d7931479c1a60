/**
 * Byte ranges of FETCH body sections (RFC 3501 §6.4.5), from the offsets
 * `parseMessage()` cached, so the protocol slices the raw message without
 * parsing it again.
 */
import { findPart } from "./parse.ts";
import type { BodyStructure } from "./types.ts";

/** The text part of a section spec; HEADER.FIELDS and .NOT use the HEADER range. */
export type SectionText = "HEADER" | "TEXT" | "MIME" | null;

/**
 * `[start, end)` of `BODY[path.text]` in the raw message whose structure is
 * `body`, or null when the section does not exist (the protocol then
 * returns an empty string, as RFC 3501 §6.4.5 allows):
 *
 * - `[]` + null: the whole message; `[]` + HEADER / TEXT: its header
 *   (with the blank line) / its body. `[]` + MIME is not a section: null.
 * - `path` + null: the part's body (for message/rfc822, the whole embedded
 *   message); `path` + MIME: the part's MIME header (with the blank line).
 * - `path` + HEADER / TEXT: only for a message/rfc822 part, the embedded
 *   message's header / body; null for other parts.
 */
export function sectionRange(
  body: BodyStructure,
  path: readonly number[],
  text: SectionText,
): [number, number] | null {
  if (path.length === 0) {
    if (text === null) return [body.headerStart, body.bodyEnd];
    if (text === "HEADER") return [body.headerStart, body.bodyStart];
    if (text === "TEXT") return [body.bodyStart, body.bodyEnd];
    return null;
  }
  const part = findPart(body, path);
  if (!part) return null;
  switch (text) {
    case null:
      return [part.bodyStart, part.bodyEnd];
    case "MIME":
      return [part.headerStart, part.bodyStart];
    case "HEADER":
      return part.kind === "message" ? [part.body.headerStart, part.body.bodyStart] : null;
    case "TEXT":
      return part.kind === "message" ? [part.body.bodyStart, part.body.bodyEnd] : null;
  }
}
