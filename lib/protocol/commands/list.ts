import type { ResponseEncoder } from "../../wire/encoder.ts";
import { type CommandParser, ParseError } from "../../wire/parser.ts";
import { parseStatusItems } from "./status.ts";

/**
 * list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
 *        [SP list-return-opts]                      (RFC 3501 §6.3.8, RFC 5258 §6)
 * lsub = "LSUB" SP mailbox SP list-mailbox           (RFC 3501 §6.3.9)
 */
export interface ListArgs {
  reference: string;
  patterns: string[];
  /** Selection options, upper case: SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE. */
  select: string[];
  /** Return options, upper case: SUBSCRIBED, CHILDREN, SPECIAL-USE (STATUS is in `status`). */
  returns: string[];
  /** RETURN (STATUS (...)) (RFC 5819 §2): the STATUS items asked for each mailbox, or null. */
  status: string[] | null;
}

const SELECT_OPTIONS = ["SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"];
const RETURN_OPTIONS = ["SUBSCRIBED", "CHILDREN", "SPECIAL-USE"];

export function parseList(p: CommandParser): ListArgs {
  p.sp();
  let select: string[] = [];
  if (p.peek() === 0x28) {
    select = p.list(() => {
      const opt = p.atom().toUpperCase();
      if (!SELECT_OPTIONS.includes(opt)) {
        throw new ParseError(`Unknown LIST selection option ${opt}`);
      }
      return opt;
    });
    p.sp();
  }
  // RFC 5258 §3.1: RECURSIVEMATCH alone is a syntax error.
  if (
    select.includes("RECURSIVEMATCH") &&
    select.every((o) => o === "RECURSIVEMATCH" || o === "REMOTE")
  ) {
    throw new ParseError("RECURSIVEMATCH needs another selection option");
  }
  const reference = p.astring();
  p.sp();
  const patterns = p.peek() === 0x28 ? p.list(() => p.listMailbox(), false) : [p.listMailbox()];
  let returns: string[] = [];
  let status: string[] | null = null;
  if (p.maybeSp()) {
    const word = p.atom().toUpperCase();
    if (word !== "RETURN") throw new ParseError(`Expected RETURN, got ${word}`);
    p.sp();
    returns = p.list(() => {
      const opt = p.atom().toUpperCase();
      if (opt === "STATUS") {
        // return-option =/ "STATUS" SP "(" status-att *(SP status-att) ")" (RFC 5819 §5)
        if (status !== null) throw new ParseError("STATUS given twice in RETURN");
        p.sp();
        status = parseStatusItems(p);
        return opt;
      }
      if (!RETURN_OPTIONS.includes(opt)) throw new ParseError(`Unknown LIST return option ${opt}`);
      return opt;
    }).filter((o) => o !== "STATUS");
  }
  p.end();
  return { reference, patterns, select, returns, status };
}

export interface LsubArgs {
  reference: string;
  pattern: string;
}

export function parseLsub(p: CommandParser): LsubArgs {
  p.sp();
  const reference = p.astring();
  p.sp();
  const pattern = p.listMailbox();
  p.end();
  return { reference, pattern };
}

/**
 * mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil)
 *                SP mailbox [SP mbox-list-extended]
 * (RFC 3501 §7.2.2, §7.2.3; RFC 5258 §9), for LIST and LSUB; `name` is the
 * mailbox name as it goes on the wire. `childInfo` is the CHILDINFO extended
 * data item (RFC 5258 §3.5): the selection criteria a descendant matches.
 */
export function writeListItem(
  enc: ResponseEncoder,
  response: "LIST" | "LSUB",
  attributes: readonly string[],
  delimiter: string,
  name: string,
  childInfo: readonly string[] = [],
): void {
  enc.untagged().atom(response).sp().flagList(attributes).sp().string(delimiter).sp()
    .astring(name);
  if (childInfo.length > 0) {
    // mbox-list-extended = "(" [mbox-list-extended-item *(SP mbox-list-extended-item)] ")"
    // mbox-list-extended-item = mbox-list-extended-item-tag SP tagged-ext-val
    enc.sp().open().string("CHILDINFO").sp().open();
    childInfo.forEach((c, i) => {
      if (i > 0) enc.sp();
      enc.string(c);
    });
    enc.close().close();
  }
  enc.crlf();
}
