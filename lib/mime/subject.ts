/**
 * The base subject of RFC 5256 §2.1, for SORT SUBJECT and THREAD.
 */
import { decodeEncodedWords } from "./encoded_words.ts";

// subj-trailer = "(fwd)" / WSP
const TRAILER = /(?:\(fwd\)|[ \t])+$/i;
// subj-blob = "[" *BLOBCHAR "]" *WSP ; subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
// subj-leader = (*subj-blob subj-refwd) / WSP
const LEADER = /^(?:(?:\[[^[\]]*\][ \t]*)*(?:re|fwd?)[ \t]*(?:\[[^[\]]*\][ \t]*)?:|[ \t]+)/i;
const BLOB = /^\[[^[\]]*\][ \t]*/;
// subj-fwd = subj-fwd-hdr subject subj-fwd-trl ; "[fwd:" ... "]"
const FWD = /^\[fwd:([\s\S]*)\]$/i;

/**
 * Extracts the base subject (RFC 5256 §2.1): decodes encoded words, folds
 * whitespace runs to one space, then strips "(fwd)" trailers, "Re:",
 * "Fw:", "Fwd:" leaders with their "[blob]"s, leading blobs that leave
 * something behind, and "[fwd: ...]" wrappers, until nothing changes. The
 * result keeps its case; SORT compares it with i;unicode-casemap.
 */
export function baseSubject(raw: string): string {
  // Step 1: decode, tabs and continuations become one space, runs of spaces one space.
  let s = decodeEncodedWords(raw).replace(/\r?\n/g, "").replace(/[ \t]+/g, " ");
  while (true) {
    // Step 2: remove all trailing subj-trailer text.
    s = s.replace(TRAILER, "");
    // Steps 3-5: remove leaders and leading blobs until neither applies.
    while (true) {
      const before = s;
      let m: RegExpExecArray | null;
      while ((m = LEADER.exec(s)) && m[0].length > 0) s = s.slice(m[0].length);
      const blob = BLOB.exec(s);
      if (blob && blob[0].length < s.length) s = s.slice(blob[0].length);
      if (s === before) break;
    }
    // Step 6: "[fwd:" subject "]" is unwrapped, and we go back to step 2.
    const fwd = FWD.exec(s);
    if (!fwd) return s;
    s = fwd[1];
  }
}
