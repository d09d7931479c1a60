/**
 * NOTIFY (RFC 5465 §8):
 *
 *   notify          = "NOTIFY" SP (notify-set / notify-none)
 *   notify-none     = "NONE"
 *   notify-set      = "SET" [status-indicator] SP event-groups
 *   status-indicator = SP "STATUS"
 *   event-groups    = event-group *(SP event-group)
 *   event-group     = "(" filter-mailboxes SP events ")"
 *   filter-mailboxes = "selected" / "selected-delayed" / "inboxes" / "personal" /
 *                     "subscribed" / ("subtree" SP one-or-more-mailbox) /
 *                     ("mailboxes" SP one-or-more-mailbox)
 *   one-or-more-mailbox = mailbox / "(" mailbox *(SP mailbox) ")"
 *   events          = ("(" event *(SP event) ")") / "NONE"
 *   message-event   = ("MessageNew" [SP "(" fetch-att *(SP fetch-att) ")"]) /
 *                     "MessageExpunge" / "FlagChange" / "AnnotationChange"
 *   mailbox-event   = "MailboxName" / "SubscriptionChange" / "MailboxMetadataChange" /
 *                     "ServerMetadataChange"
 *
 * The parser checks the grammar and the rules RFC 5465 answers with BAD
 * (§5: MessageNew and MessageExpunge together, FlagChange and
 * AnnotationChange only with them; §6.1: only message events for the
 * selected mailbox); events it does not know are kept for the handler's
 * NO [BADEVENT].
 */
import { type CommandParser, ParseError } from "../../wire/parser.ts";
import { type FetchItem, parseFetchItem } from "./fetch.ts";

/** The events this server delivers (RFC 5465 §5), in the order [BADEVENT] lists them. */
export const SUPPORTED_EVENTS = [
  "MessageNew",
  "MessageExpunge",
  "FlagChange",
  "MailboxName",
  "SubscriptionChange",
  "MailboxMetadataChange",
  "ServerMetadataChange",
] as const;

export type NotifyEvent = typeof SUPPORTED_EVENTS[number];

const MESSAGE_EVENTS = new Set(["messagenew", "messageexpunge", "flagchange", "annotationchange"]);

export type MailboxFilter =
  | { kind: "selected" | "selected-delayed" | "inboxes" | "personal" | "subscribed" }
  /** Mailbox names as sent (the handler decodes them). */
  | { kind: "subtree" | "mailboxes"; names: string[] };

export interface EventGroup {
  filter: MailboxFilter;
  /** The events asked for; empty for NONE. */
  events: Set<NotifyEvent>;
  /** MessageNew's fetch attributes (selected mailbox only), or null. */
  fetch: FetchItem[] | null;
}

export type NotifyArgs =
  | { kind: "none" }
  | {
    kind: "set";
    /** SET STATUS: a STATUS response now for each mailbox watched for messages. */
    status: boolean;
    groups: EventGroup[];
    /** Event names this server does not support (answered NO [BADEVENT]). */
    unsupported: string[];
  };

export function parseNotify(p: CommandParser): NotifyArgs {
  p.sp();
  const verb = p.atom().toUpperCase();
  if (verb === "NONE") {
    p.end();
    return { kind: "none" };
  }
  if (verb !== "SET") throw new ParseError(`NOTIFY takes SET or NONE, not ${verb}`);
  p.sp();
  let status = false;
  if (p.peek() !== 0x28) {
    const word = p.atom().toUpperCase();
    if (word !== "STATUS") throw new ParseError(`Expected STATUS or an event group, got ${word}`);
    status = true;
    p.sp();
  }
  const groups: EventGroup[] = [];
  const unsupported: string[] = [];
  for (;;) {
    groups.push(parseGroup(p, unsupported));
    if (!p.maybeSp()) break;
  }
  p.end();
  return { kind: "set", status, groups, unsupported };
}

function parseGroup(p: CommandParser, unsupported: string[]): EventGroup {
  p.expect("(");
  const word = p.atom().toLowerCase();
  let filter: MailboxFilter;
  switch (word) {
    case "selected":
    case "selected-delayed":
    case "inboxes":
    case "personal":
    case "subscribed":
      filter = { kind: word };
      break;
    case "subtree":
    case "mailboxes": {
      p.sp();
      const names = p.peek() === 0x28 ? p.list(() => p.astring(), false) : [p.astring()];
      filter = { kind: word, names };
      break;
    }
    default:
      throw new ParseError(`Unknown mailbox filter ${word}`);
  }
  p.sp();
  const events = new Set<NotifyEvent>();
  const named = new Set<string>();
  let fetch: FetchItem[] | null = null;
  if (p.peek() === 0x28) {
    p.list(() => {
      const name = p.atom();
      const lower = name.toLowerCase();
      if (named.has(lower)) throw new ParseError(`Event ${name} given twice`);
      named.add(lower);
      if (lower === "messagenew" && p.peek() === 0x20 && p.bytes[p.pos + 1] === 0x28) {
        p.sp();
        fetch = p.list(() => parseFetchItem(p), false);
      }
      const known = SUPPORTED_EVENTS.find((e) => e.toLowerCase() === lower);
      if (known) events.add(known);
      else unsupported.push(name);
    }, false);
  } else if (p.atom().toUpperCase() !== "NONE") {
    throw new ParseError("Events must be a list or NONE");
  }
  p.expect(")");
  // RFC 5465 §5.1, §5.2: MessageNew and MessageExpunge come together, and
  // FlagChange / AnnotationChange need them.
  if (named.has("messagenew") !== named.has("messageexpunge")) {
    throw new ParseError("MessageNew and MessageExpunge must be given together");
  }
  if ((named.has("flagchange") || named.has("annotationchange")) && !named.has("messagenew")) {
    throw new ParseError("FlagChange and AnnotationChange need MessageNew and MessageExpunge");
  }
  // RFC 5465 §6.1: the selected mailbox takes message events only.
  if (filter.kind === "selected" || filter.kind === "selected-delayed") {
    for (const n of named) {
      if (!MESSAGE_EVENTS.has(n)) {
        throw new ParseError(`Only message events apply to the ${filter.kind} mailbox`);
      }
    }
  } else if (fetch !== null) {
    // §5.1: fetch attributes go with the selected mailbox's new messages only.
    throw new ParseError("MessageNew fetch attributes apply to the selected mailbox only");
  }
  return { filter, events, fetch };
}
