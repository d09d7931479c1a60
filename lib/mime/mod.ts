/**
 * The MIME parser: ENVELOPE and BODYSTRUCTURE with part offsets at APPEND,
 * header slices for FETCH, decoded text and dates for SEARCH, base subjects
 * for SORT/THREAD. Pure: no `Deno.*`, no store.
 */
export type * from "./types.ts";
export { findPart, MAX_DEPTH, MAX_PARTS, parseMessage } from "./parse.ts";
export { MISSING_DOMAIN, MISSING_MAILBOX, parseAddressList } from "./address.ts";
export {
  fieldValue,
  type HeaderField,
  headerFields,
  headerText,
  headerValues,
  parseHeaderFields,
} from "./header.ts";
export { decodeEncodedWords } from "./encoded_words.ts";
export { downgradeEnvelope, encodeWords } from "./downgrade.ts";
export { decodeBody, decodeTransferEncoding, type MessageText, messageText } from "./text.ts";
export {
  type ContentType,
  decodeRfc2231,
  paramValue,
  parseContentType,
  parseDisposition,
} from "./params.ts";
export { sectionRange, type SectionText } from "./section.ts";
export { sentDate, sentDay } from "./date.ts";
export { toCrlf } from "./line_ends.ts";
export { baseSubject } from "./subject.ts";
export { threadObjectId, threadRoot } from "./thread_id.ts";
export { casemap, compareCasemap, compareCodePoints } from "./casemap.ts";
