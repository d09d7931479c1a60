import type { CommandContext } from "../context.ts";
import { type ListArgs, type LsubArgs, writeListItem } from "../../protocol/commands/list.ts";
import {
  canonicalInbox,
  decodeMailboxName,
  listMatcher,
  mailboxToWire,
} from "../../protocol/mailbox_name.ts";
import {
  type AccountStore,
  HIERARCHY_DELIMITER,
  type MailboxInfo,
  StoreError,
} from "../../store/mail_store.ts";
import { ResponseEncoder } from "../../wire/encoder.ts";
import { bad } from "../../protocol/errors.ts";
import { rev2, userOf, utf8Names } from "../access.ts";
import { checkStatusItems, writeMailboxStatus } from "../mailbox_status.ts";

interface Entry {
  name: string;
  info: MailboxInfo | null;
}

/** Every existing name plus the parents they imply (absent parents are \Noselect). */
function withParents(mailboxes: MailboxInfo[]): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const info of mailboxes) entries.set(info.name, { name: info.name, info });
  for (const info of mailboxes) {
    // Each parent, deepest first; one already present has its own parents
    // present too (a mailbox is walked on its own, an implied one was walked up to the root).
    const n = info.name;
    for (let i = n.lastIndexOf(HIERARCHY_DELIMITER); i >= 0;) {
      const parent = n.slice(0, i);
      if (entries.has(parent)) break;
      entries.set(parent, { name: parent, info: null });
      i = i > 0 ? n.lastIndexOf(HIERARCHY_DELIMITER, i - 1) : -1;
    }
  }
  return entries;
}

/** Every name that is a proper ancestor of one of `names`: one pass, not one scan per name. */
function parentsOf(names: Iterable<string>): Set<string> {
  const parents = new Set<string>();
  for (const n of names) {
    for (
      let i = n.lastIndexOf(HIERARCHY_DELIMITER);
      i > 0;
      i = n.lastIndexOf(HIERARCHY_DELIMITER, i - 1)
    ) {
      const parent = n.slice(0, i);
      if (parents.has(parent)) break; // its own ancestors are in already
      parents.add(parent);
    }
  }
  return parents;
}

function sortNames(a: string, b: string): number {
  if (a === "INBOX") return -1;
  if (b === "INBOX") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The reference joined with the pattern, decoded, INBOX canonical (RFC 3501 §6.3.8). */
function fullPattern(reference: string, pattern: string, utf8: boolean): string | null {
  // UTF-8 names are stored in NFC (RFC 6855 §3, mailbox_name.ts): patterns match in NFC too.
  const ref = utf8 ? reference.normalize("NFC") : decodeMailboxName(reference);
  const pat = utf8 ? pattern.normalize("NFC") : decodeMailboxName(pattern);
  if (ref === null || pat === null) return null;
  if (pat.startsWith(HIERARCHY_DELIMITER) || ref === "") return canonicalInbox(pat);
  const joined = ref.endsWith(HIERARCHY_DELIMITER)
    ? ref + pat
    : `${ref}${HIERARCHY_DELIMITER}${pat}`;
  return canonicalInbox(joined);
}

/**
 * LIST (RFC 3501 §6.3.8) with CHILDREN (RFC 3348) attributes, SPECIAL-USE
 * (RFC 6154) attributes, LIST-EXTENDED (RFC 5258: selection options
 * SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE; return options
 * SUBSCRIBED, CHILDREN, SPECIAL-USE; several patterns; \NonExistent;
 * CHILDINFO) and LIST-STATUS (RFC 5819: RETURN (STATUS (...))).
 */
export async function handleList(ctx: CommandContext, args: ListArgs): Promise<void> {
  const utf8 = utf8Names(ctx);
  const enc = ctx.enc;
  if (args.status !== null) checkStatusItems(ctx, args.status);
  if (args.patterns.length === 1 && args.patterns[0] === "" && args.select.length === 0) {
    // The empty pattern asks for the delimiter and the root of the reference.
    writeListItem(enc, "LIST", ["\\Noselect"], HIERARCHY_DELIMITER, "");
    return;
  }
  const account = userOf(ctx).account;
  // RFC 5258 §3: the SUBSCRIBED selection option implies the SUBSCRIBED return option.
  const wantSubscribed = args.select.includes("SUBSCRIBED") || args.returns.includes("SUBSCRIBED");
  if (wantSubscribed || args.status !== null) {
    // Subscriptions to names that do not exist, and STATUS, are read anew each time.
    const mailboxes = await account.listMailboxes();
    const subscriptions = new Set(wantSubscribed ? await account.listSubscriptions() : []);
    await writeList(ctx, ctx.enc, args, mailboxes, subscriptions, wantSubscribed);
    return;
  }
  // The answer depends on the names and special-use attributes only: it is
  // kept per version of them, and only the version crosses from the store
  // thread while nothing changed (docs/performance.md, "Small commands").
  const key = JSON.stringify([
    args.reference,
    args.patterns,
    args.select,
    args.returns,
    utf8,
    enc.utf8,
  ]);
  // What was kept before the request: the list is null only when its version is this one's.
  const cached = listCache.get(account);
  const list = await account.listMailboxesSince(cached?.version ?? null);
  let kept = cached;
  if (!kept || list.mailboxes !== null) {
    kept = { version: list.version, mailboxes: list.mailboxes ?? [], answers: new Map(), bytes: 0 };
  }
  forgetList(account);
  listCache.set(account, kept);
  keptBytes += kept.bytes;
  let bytes = kept.answers.get(key);
  if (!bytes) {
    const out = new ResponseEncoder();
    out.utf8 = enc.utf8;
    await writeList(ctx, out, args, kept.mailboxes, new Set(), false);
    bytes = out.takeBytes();
    if (
      listCache.get(account) === kept && bytes.length <= LIST_CACHE_BYTES &&
      kept.answers.size < LIST_CACHE_ANSWERS
    ) {
      kept.answers.set(key, bytes);
      kept.bytes += bytes.length;
      keptBytes += bytes.length;
    }
  }
  // The least recently listed accounts go first, down to the limits.
  for (const a of listCache.keys()) {
    if (listCache.size <= LIST_CACHE_ACCOUNTS && keptBytes <= LIST_CACHE_TOTAL) break;
    if (a !== account) forgetList(a);
  }
  enc.raw(bytes);
  await ctx.maybeFlush();
}

function forgetList(account: AccountStore): void {
  const kept = listCache.get(account);
  if (!kept) return;
  keptBytes -= kept.bytes;
  listCache.delete(account);
}

/** A LIST answer kept for one version of an account's mailbox names (handleList). */
interface KeptList {
  version: string;
  mailboxes: MailboxInfo[];
  /** The LIST responses by command shape (reference, patterns, options, UTF-8). */
  answers: Map<string, Uint8Array>;
  /** The answers' bytes together. */
  bytes: number;
}

/** Accounts whose LIST answers are kept, least recently listed first. */
const listCache = new Map<AccountStore, KeptList>();
const LIST_CACHE_ACCOUNTS = 16;
const LIST_CACHE_ANSWERS = 8;
/** A larger answer is written anew each time rather than kept. */
const LIST_CACHE_BYTES = 1 << 20;
/** The kept answers of all accounts together stay within this (a small VPS's memory). */
const LIST_CACHE_TOTAL = 4 << 20;
let keptBytes = 0;

/**
 * The LIST responses for `mailboxes` into `enc`: the connection's own
 * encoder (flushed as it grows), or one whose bytes are kept.
 */
async function writeList(
  ctx: CommandContext,
  enc: ResponseEncoder,
  args: ListArgs,
  mailboxes: MailboxInfo[],
  subscriptions: Set<string>,
  wantSubscribed: boolean,
): Promise<void> {
  const utf8 = utf8Names(ctx);
  const entries = withParents(mailboxes);
  const selectSubscribed = args.select.includes("SUBSCRIBED");
  const selectSpecial = args.select.includes("SPECIAL-USE");
  // RFC 5258 §3: RECURSIVEMATCH with another option (the parser refuses it alone).
  const recursive = args.select.includes("RECURSIVEMATCH");
  // REMOTE (RFC 5258 §3): there are no remote mailboxes here, so it changes nothing.
  if (selectSubscribed) {
    // Subscribed names that no longer exist are listed with \NonExistent (RFC 5258 §3).
    for (const s of subscriptions) if (!entries.has(s)) entries.set(s, { name: s, info: null });
  }
  const matchers = args.patterns
    .map((p) => fullPattern(args.reference, p, utf8))
    .filter((p): p is string => p !== null)
    .map(listMatcher);
  const matched = (name: string) => matchers.some((m) => m(name));
  /** Whether a name satisfies every selection criterion (RFC 5258 §3). */
  const selected = (entry: Entry) =>
    (!selectSubscribed || subscriptions.has(entry.name)) &&
    (!selectSpecial || Boolean(entry.info?.specialUse));
  const names = [...entries.keys()];
  // \HasChildren counts mailboxes that exist or are implied by one (RFC 5258 §4),
  // never a subscription to a name that does not exist.
  const withChildren = parentsOf(mailboxes.map((m) => m.name));
  // RECURSIVEMATCH (RFC 5258 §3.5): a name is also listed, with CHILDINFO, when a
  // descendant satisfies the criteria but is not itself matched by the pattern.
  const childInfo = new Set<string>();
  if (recursive) {
    const criteria = names.filter((n) => !matched(n) && selected(entries.get(n)!));
    for (const p of parentsOf(criteria)) childInfo.add(p);
  }
  const criteriaNames = args.select.filter((o) => o === "SUBSCRIBED" || o === "SPECIAL-USE");
  for (const name of names.sort(sortNames)) {
    if (!matched(name)) continue;
    const entry = entries.get(name)!;
    const hasChildInfo = childInfo.has(name);
    if (!selected(entry) && !hasChildInfo) continue;
    const attrs: string[] = [];
    if (entry.info === null) {
      // A name with no mailbox: \Noselect when children exist under it, else
      // \NonExistent (RFC 5258 §3.4; it implies \Noselect).
      attrs.push(withChildren.has(name) ? "\\Noselect" : "\\NonExistent");
    }
    attrs.push(withChildren.has(name) ? "\\HasChildren" : "\\HasNoChildren");
    if (wantSubscribed && subscriptions.has(name)) attrs.push("\\Subscribed");
    // RFC 6154 §2: the attributes appear in every LIST once SPECIAL-USE is advertised.
    if (entry.info?.specialUse) attrs.push(entry.info.specialUse);
    writeListItem(
      enc,
      "LIST",
      attrs,
      HIERARCHY_DELIMITER,
      mailboxToWire(name, utf8),
      hasChildInfo ? criteriaNames : [],
    );
    if (args.status !== null && entry.info !== null) {
      // RFC 5819 §2: the STATUS of each selectable mailbox listed, right after its LIST.
      await listStatus(ctx, entry.info, args.status);
    }
    if (enc === ctx.enc) await ctx.maybeFlush();
  }
}

/**
 * STATUS for LIST-STATUS. A mailbox deleted since it was listed gets no
 * STATUS (RFC 5819 §2: the server may drop a STATUS it cannot look up).
 */
async function listStatus(
  ctx: CommandContext,
  info: MailboxInfo,
  items: readonly string[],
): Promise<void> {
  try {
    await writeMailboxStatus(ctx, info, items);
  } catch (e) {
    if (e instanceof StoreError && e.code === "NONEXISTENT") return;
    throw e;
  }
}

/** LSUB (RFC 3501 §6.3.9): subscribed names; a parent implied by "%" shows as \Noselect. */
export async function handleLsub(ctx: CommandContext, args: LsubArgs): Promise<void> {
  // RFC 9051 Appendix E: IMAP4rev2 has no LSUB; LIST (SUBSCRIBED) replaces it.
  if (rev2(ctx)) throw bad("LSUB is not part of IMAP4rev2; use LIST (SUBSCRIBED)");
  const utf8 = utf8Names(ctx);
  const pattern = fullPattern(args.reference, args.pattern, utf8);
  if (pattern === null) return;
  if (pattern === "") {
    writeListItem(ctx.enc, "LSUB", ["\\Noselect"], HIERARCHY_DELIMITER, "");
    return;
  }
  const account = userOf(ctx).account;
  const subs = await account.listSubscriptions();
  const existing = new Set((await account.listMailboxes()).map((m) => m.name));
  const match = listMatcher(pattern);
  const out = new Map<string, string[]>();
  for (const s of subs) {
    if (match(s)) {
      out.set(s, existing.has(s) ? [] : ["\\Noselect"]);
      continue;
    }
    // A subscribed child under an unsubscribed parent that "%" matches.
    const levels = s.split(HIERARCHY_DELIMITER);
    for (let i = levels.length - 1; i >= 1; i--) {
      const parent = levels.slice(0, i).join(HIERARCHY_DELIMITER);
      if (match(parent) && !out.has(parent)) {
        out.set(parent, subs.includes(parent) ? [] : ["\\Noselect"]);
        break;
      }
    }
  }
  for (const name of [...out.keys()].sort(sortNames)) {
    writeListItem(ctx.enc, "LSUB", out.get(name)!, HIERARCHY_DELIMITER, mailboxToWire(name, utf8));
  }
}
