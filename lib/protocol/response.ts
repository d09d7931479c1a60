/**
 * Status responses as values (RFC 3501 §7.1, §9 `resp-cond-state`,
 * `resp-text-code`): a `ResponseCode` is a closed union carrying its data,
 * with no free-form string, and `writeStatus()` is the one writer of
 * "tag OK [CODE data] text" lines, tagged or untagged.
 */
import type { ResponseEncoder } from "../wire/encoder.ts";

/** Response codes without data (RFC 3501 §7.1, RFC 5530, RFC 4978, RFC 6154, RFC 4315). */
export type SimpleCode =
  | "ALERT"
  | "PARSE"
  | "READ-ONLY"
  | "READ-WRITE"
  | "TRYCREATE"
  | "UIDNOTSTICKY"
  | "UNAVAILABLE"
  | "AUTHENTICATIONFAILED"
  | "AUTHORIZATIONFAILED"
  | "EXPIRED"
  | "PRIVACYREQUIRED"
  | "CONTACTADMIN"
  | "NOPERM"
  | "INUSE"
  | "EXPUNGEISSUED"
  | "CORRUPTION"
  | "SERVERBUG"
  | "CLIENTBUG"
  | "CANNOT"
  | "LIMIT"
  | "OVERQUOTA"
  | "ALREADYEXISTS"
  | "NONEXISTENT"
  | "TOOBIG"
  | "USEATTR"
  | "COMPRESSIONACTIVE"
  | "CLOSED"
  /** RFC 9051 §7.1: DELETE of a \Noselect name that has inferiors. */
  | "HASCHILDREN"
  /** RFC 3516 §4.5.1: a part's Content-Transfer-Encoding cannot be decoded. */
  | "UNKNOWN-CTE"
  /** RFC 7162 §3.1.2.2 (a mailbox without MODSEQs; ours always have them). */
  | "NOMODSEQ"
  /** RFC 9586 §3: a message number was used after ENABLE UIDONLY. */
  | "UIDREQUIRED"
  /** RFC 5465 §5.8: notifications were lost; the session is as after NOTIFY NONE. */
  | "NOTIFICATIONOVERFLOW";

/** resp-text-code with its data. */
export type ResponseCode =
  | SimpleCode
  | { code: "CAPABILITY"; capabilities: readonly string[] }
  | { code: "PERMANENTFLAGS"; flags: readonly string[]; newKeywords: boolean }
  | { code: "UIDNEXT"; uid: number }
  | { code: "UIDVALIDITY"; uidValidity: number }
  | { code: "UNSEEN"; seq: number }
  | { code: "HIGHESTMODSEQ"; modSeq: number }
  | { code: "BADCHARSET"; charsets: readonly string[] }
  /** RFC 7162 §3.1.3: messages (numbers or UIDs, ascending) that failed UNCHANGEDSINCE. */
  | { code: "MODIFIED"; set: readonly number[] }
  /**
   * RFC 4315 §3: the appended UIDs; several only for MULTIAPPEND (RFC 4315 §4
   * `append-uid =/ uid-set`, RFC 3502).
   */
  | { code: "APPENDUID"; uidValidity: number; uids: readonly number[] }
  /** RFC 4315 §3: source and destination UIDs, in matching order. */
  | { code: "COPYUID"; uidValidity: number; source: readonly number[]; dest: readonly number[] }
  /** RFC 8474 §7: resp-text-code =/ "MAILBOXID" SP "(" objectid ")" */
  | { code: "MAILBOXID"; objectId: string }
  /**
  /**
   * RFC 4469 §6: resp-text-code =/ "BADURL" SP url-resp-text, the URL as the
   * client sent it (the writer keeps printable ASCII but "]", as url-resp-text allows).
   */
  | { code: "BADURL"; url: string }
  /** RFC 5267 §4.3.1: resp-text-code =/ "NOUPDATE" SP quoted (the searching command's tag). */
  | { code: "NOUPDATE"; tag: string }
  /**
   * RFC 5464 §4.2.1, §4.3: "METADATA" SP ("LONGENTRIES" SP number /
   * "MAXSIZE" SP number / "TOOMANY" / "NOPRIVATE")
   */
  | { code: "METADATA"; kind: "LONGENTRIES" | "MAXSIZE"; size: number }
  | { code: "METADATA"; kind: "TOOMANY" | "NOPRIVATE" }
  /** RFC 5465 §6: "BADEVENT" SP "(" event *(SP event) ")", the events the server supports. */
  | { code: "BADEVENT"; events: readonly string[] };

export type Status = "OK" | "NO" | "BAD" | "BYE" | "PREAUTH";

/** resp-text-code, without the brackets. */
export function writeResponseCode(enc: ResponseEncoder, code: ResponseCode): void {
  if (typeof code === "string") {
    enc.atom(code);
    return;
  }
  enc.atom(code.code);
  switch (code.code) {
    case "CAPABILITY":
      for (const c of code.capabilities) enc.sp().atom(c);
      return;
    case "PERMANENTFLAGS": {
      const flags = code.newKeywords ? [...code.flags, "\\*"] : code.flags;
      enc.sp().flagList(flags);
      return;
    }
    case "UIDNEXT":
      enc.sp().number(code.uid);
      return;
    case "UIDVALIDITY":
      enc.sp().number(code.uidValidity);
      return;
    case "UNSEEN":
      enc.sp().number(code.seq);
      return;
    case "HIGHESTMODSEQ":
      enc.sp().number(code.modSeq);
      return;
    case "BADCHARSET":
      if (code.charsets.length > 0) {
        enc.sp().open();
        code.charsets.forEach((c, i) => {
          if (i > 0) enc.sp();
          enc.astring(c);
        });
        enc.close();
      }
      return;
    case "MODIFIED":
      enc.sp().atom(formatUidList(code.set));
      return;
    case "APPENDUID":
      enc.sp().number(code.uidValidity).sp().atom(formatUidList(code.uids));
      return;
    case "COPYUID":
      enc.sp().number(code.uidValidity).sp().atom(formatUidList(code.source)).sp()
        .atom(formatUidList(code.dest));
      return;
    case "BADURL": {
      // url-resp-text = 1*(%x01-09 / %x0B-0C / %x0E-5B / %x5E-FE)
      // (only printable ASCII is kept: an IMAP URL is ASCII, RFC 5092 §3).
      const text = code.url.replace(/[^\x20-\x5c\x5e-\x7e]/g, "");
      enc.sp().atom(text === "" ? "?" : text);
      return;
    }
    case "NOUPDATE":
      enc.sp().string(code.tag);
      return;
    case "MAILBOXID":
      // objectid = 1*255(ALPHA / DIGIT / "_" / "-"): an atom.
      enc.sp().open().atom(code.objectId).close();
      return;
    case "METADATA":
      enc.sp().atom(code.kind);
      if ("size" in code) enc.sp().number(code.size);
      return;
    case "BADEVENT":
      enc.sp().open();
      code.events.forEach((e, i) => {
        if (i > 0) enc.sp();
        enc.atom(e);
      });
      enc.close();
      return;
  }
}

/**
 * response-tagged / resp-cond-state / resp-cond-bye:
 * (tag / "*") SP status SP ["[" resp-text-code "]" SP] text CRLF.
 */
export function writeStatus(
  enc: ResponseEncoder,
  tag: string | null,
  status: Status,
  code: ResponseCode | undefined,
  text: string,
): void {
  if (tag === null) enc.untagged();
  else enc.tagged(tag);
  enc.atom(status).sp();
  if (code !== undefined) {
    enc.atom("[");
    writeResponseCode(enc, code);
    enc.atom("] ");
  } else if (text.startsWith("[")) {
    // Without a code, text must not look like one to the reader.
    enc.atom("- ");
  }
  enc.text(text).crlf();
}

/**
 * Ascending numbers as a compact sequence set without "*" ("1:3,7"): COPYUID
 * (RFC 4315 `uid-set`), MODIFIED and VANISHED (RFC 7162), ESEARCH ALL and
 * PARTIAL (RFC 4731 §3.1, RFC 9394).
 */
export function formatUidList(uids: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < uids.length) {
    let j = i;
    while (j + 1 < uids.length && uids[j + 1] === uids[j] + 1) j++;
    parts.push(i === j ? String(uids[i]) : `${uids[i]}:${uids[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}
