/**
 * The threading algorithms of RFC 5256 §4 (ORDEREDSUBJECT and REFERENCES)
 * and the thread-list syntax of its §5. Pure: messages in, trees out.
 *
 * Subjects are compared as base subjects (§2.1) under i;unicode-casemap
 * (RFC 5255 §4.3); dates are sent dates (§2.2) that the caller has already
 * replaced by the internal date where the Date header is missing or
 * unreadable. Ties in date fall back to the order of the input, which is
 * mailbox (sequence number) order.
 */
import { baseSubject, decodeEncodedWords } from "../mime/mod.ts";
import { casemap } from "../mime/casemap.ts";

export interface ThreadInput {
  /** The number to report: a sequence number, or a UID for UID THREAD. */
  id: number;
  /** Sent date in milliseconds since the epoch (§2.2). */
  date: number;
  /** Subject header, raw (encoded words kept), or null. */
  subject: string | null;
  /** Message-ID header value, raw, or null. */
  messageId: string | null;
  /** References header value(s), raw, or null. */
  references: string | null;
  /** In-Reply-To header value, raw, or null. */
  inReplyTo: string | null;
}

/** A thread node: a message, or a dummy (`id` null) holding siblings together. */
export interface ThreadNode {
  id: number | null;
  children: ThreadNode[];
}

/** What threading needs per message, computed once. */
interface Item {
  id: number;
  date: number;
  /** Position in the input: the final tie-break. */
  order: number;
  /** Casemapped base subject. */
  subject: string;
  /** Whether the subject marks a reply or forward (§2.1 subj-refwd, "(fwd)", "[fwd: ]"). */
  refwd: boolean;
}

function items(messages: readonly ThreadInput[]): Item[] {
  return messages.map((m, order) => {
    const raw = m.subject ?? "";
    return {
      id: m.id,
      date: m.date,
      order,
      subject: casemap(baseSubject(raw)),
      refwd: isReplyOrForward(raw),
    };
  });
}

function compareItems(a: Item, b: Item): number {
  return a.date - b.date || a.order - b.order;
}

/**
 * ORDEREDSUBJECT (§4): messages sorted by base subject then sent date; each
 * run of one base subject is a thread whose first message is the parent of
 * all the others; threads are ordered by the date of their first message.
 */
export function threadOrderedSubject(messages: readonly ThreadInput[]): ThreadNode[] {
  const sorted = items(messages).sort((a, b) =>
    a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : compareItems(a, b)
  );
  const threads: { head: Item; node: ThreadNode }[] = [];
  let current: { head: Item; node: ThreadNode } | null = null;
  for (const item of sorted) {
    if (current && current.head.subject === item.subject) {
      current.node.children.push({ id: item.id, children: [] });
    } else {
      current = { head: item, node: { id: item.id, children: [] } };
      threads.push(current);
    }
  }
  threads.sort((a, b) => compareItems(a.head, b.head));
  return threads.map((t) => t.node);
}

/** A node of the REFERENCES algorithm: a message, or an empty container. */
interface Container {
  item: Item | null;
  parent: Container | null;
  children: Container[];
}

/**
 * The REFERENCES algorithm of RFC 5256 §4, steps 1 to 6: linking by
 * Message-ID, References and In-Reply-To, pruning of empty containers,
 * merging of top-level threads by base subject, sorting by sent date.
 * Iterative throughout, so a long reply chain cannot exhaust the stack.
 */
export function threadReferences(messages: readonly ThreadInput[]): ThreadNode[] {
  const all = items(messages);
  const byId = new Map<string, Container>();
  const containers: Container[] = [];
  const containerFor = (id: string): Container => {
    let c = byId.get(id);
    if (!c) {
      c = { item: null, parent: null, children: [] };
      byId.set(id, c);
      containers.push(c);
    }
    return c;
  };

  // Step 1: link messages by their references.
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const ownId = messageIds(m.messageId)[0];
    let self: Container;
    const existing = ownId === undefined ? undefined : byId.get(ownId);
    if (ownId !== undefined && (existing === undefined || existing.item === null)) {
      self = containerFor(ownId);
      self.item = all[i];
    } else {
      // No Message-ID, or a duplicate of an earlier message's: a unique one of its own.
      self = { item: all[i], parent: null, children: [] };
      containers.push(self);
    }
    let refs = messageIds(m.references);
    if (refs.length === 0) refs = messageIds(m.inReplyTo).slice(0, 1);
    // 1.A: each reference is the parent of the next, where that one has no parent yet.
    for (let j = 0; j + 1 < refs.length; j++) {
      const parent = containerFor(refs[j]);
      const child = containerFor(refs[j + 1]);
      if (child.parent === null && !wouldLoop(parent, child)) link(parent, child);
    }
    // 1.B: the last reference is the message's parent, replacing any earlier one.
    const parent = refs.length > 0 ? containerFor(refs[refs.length - 1]) : null;
    if (self.parent !== parent) {
      unlink(self);
      if (parent && !wouldLoop(parent, self)) link(parent, self);
    }
  }

  // Step 2: the parentless containers are the children of the root.
  let roots = containers.filter((c) => c.parent === null);

  // Step 3: prune empty containers, deepest first.
  for (const c of postOrder(roots)) c.children = prune(c.children, false);
  roots = prune(roots, true);
  for (const c of roots) c.parent = null;

  // Step 4: sort the top level by date (an empty container by its first child).
  for (const c of roots) if (c.item === null) sortSiblings(c.children);
  sortSiblings(roots);

  // Step 5: gather threads whose subjects match.
  roots = mergeBySubject(roots);

  // Step 6: sort every set of siblings, children before parents.
  const order = postOrder(roots);
  for (const c of order) sortSiblings(c.children);
  sortSiblings(roots);
  return toNodes(roots);
}

/** Message-IDs ("<...>") in a header value, brackets kept. */
function messageIds(value: string | null): string[] {
  if (!value) return [];
  // Leniency: any bracketed token without whitespace counts, "@" or not (RFC 5322 §3.6.4
  // wants id-left "@" id-right; broken mailers send less, and Dovecot accepts them too).
  const text = value.includes("(") ? value.replace(/\([^()]*\)/g, " ") : value;
  const ids = text.match(/<[^<>\s]+>/g);
  return ids ?? [];
}

function link(parent: Container, child: Container): void {
  child.parent = parent;
  parent.children.push(child);
}

function unlink(child: Container): void {
  const parent = child.parent;
  if (!parent) return;
  const i = parent.children.indexOf(child);
  if (i >= 0) parent.children.splice(i, 1);
  child.parent = null;
}

/** Whether making `child` a child of `parent` would close a loop. */
function wouldLoop(parent: Container, child: Container): boolean {
  // Only a container with children can be an ancestor of another: the common
  // case (a new message) needs no walk up the tree.
  if (child.children.length === 0) return parent === child;
  for (let c: Container | null = parent; c !== null; c = c.parent) {
    if (c === child) return true;
  }
  return false;
}

/** Every container below `roots`, each after its descendants. */
function postOrder(roots: readonly Container[]): Container[] {
  const out: Container[] = [];
  const stack: [Container, boolean][] = roots.map((c) => [c, false]);
  while (stack.length > 0) {
    const [c, expanded] = stack.pop()!;
    if (expanded) {
      out.push(c);
      continue;
    }
    stack.push([c, true]);
    for (const child of c.children) stack.push([child, false]);
  }
  return out;
}

/**
 * Step 3 for one set of siblings whose own children are already pruned:
 * empty containers without children go; those with children give them to
 * this level, except at the top level where only a single child is promoted.
 */
function prune(list: Container[], atRoot: boolean): Container[] {
  const out: Container[] = [];
  for (const c of list) {
    if (c.item !== null) {
      out.push(c);
    } else if (c.children.length === 0) {
      continue;
    } else if (!atRoot || c.children.length === 1) {
      for (const child of c.children) {
        child.parent = c.parent;
        out.push(child);
      }
    } else {
      out.push(c);
    }
  }
  return out;
}

/** The message a container stands for in sorting and subjects: its own, or its first child's. */
function representative(c: Container): Item | null {
  return c.item ?? c.children[0]?.item ?? null;
}

function sortSiblings(list: Container[]): void {
  list.sort((a, b) => {
    const x = representative(a);
    const y = representative(b);
    if (!x || !y) return 0;
    return compareItems(x, y);
  });
}

/** Step 5: merges top-level threads with the same base subject. */
function mergeBySubject(roots: Container[]): Container[] {
  // 5.B: one container per subject, preferring a dummy, then a non-reply.
  const table = new Map<string, Container>();
  for (const c of roots) {
    const subject = representative(c)?.subject ?? "";
    if (subject === "") continue;
    const old = table.get(subject);
    if (!old) {
      table.set(subject, c);
    } else if (
      old.item !== null && (c.item === null || (old.item.refwd && !c.item.refwd))
    ) {
      table.set(subject, c);
    }
  }
  // 5.C: merge each other thread into the one in the table.
  const removed = new Set<Container>();
  const replaced = new Map<Container, Container>();
  for (const c of roots) {
    const subject = representative(c)?.subject ?? "";
    if (subject === "") continue;
    const old = table.get(subject)!;
    if (old === c) continue;
    if (old.item === null && c.item === null) {
      for (const child of c.children) link(old, child);
      c.children = [];
      removed.add(c);
    } else if (old.item === null || (c.item !== null && c.item.refwd && !old.item.refwd)) {
      link(old, c);
      removed.add(c);
    } else {
      const dummy: Container = { item: null, parent: null, children: [] };
      link(dummy, old);
      link(dummy, c);
      removed.add(c);
      // The dummy takes the old entry's place at the top level; the table then holds
      // the dummy, so no container is wrapped twice.
      replaced.set(old, dummy);
      table.set(subject, dummy);
    }
  }
  const out: Container[] = [];
  for (const c of roots) {
    if (removed.has(c)) continue;
    out.push(replaced.get(c) ?? c);
  }
  for (const c of out) c.parent = null;
  return out;
}

function toNodes(roots: readonly Container[]): ThreadNode[] {
  const made = new Map<Container, ThreadNode>();
  const node = (c: Container): ThreadNode => {
    let n = made.get(c);
    if (!n) {
      n = { id: c.item?.id ?? null, children: [] };
      made.set(c, n);
    }
    return n;
  };
  const stack = [...roots];
  while (stack.length > 0) {
    const c = stack.pop()!;
    const n = node(c);
    for (const child of c.children) {
      n.children.push(node(child));
      stack.push(child);
    }
  }
  return roots.map(node);
}

// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; subj-blob = "[" *BLOBCHAR "]" *WSP
const REFWD_LEADER = /^(?:\[[^[\]]*\][ \t]*)*(?:re|fwd?)[ \t]*(?:\[[^[\]]*\][ \t]*)?:/i;
const BLOB = /^\[[^[\]]*\][ \t]*/;
const FWD_TRAILER = /\(fwd\)[ \t]*$/i;
const FWD_WRAPPER = /^\[fwd:[\s\S]*\]$/i;

/**
 * Whether extracting the base subject (§2.1) removes a reply or forward
 * marker: a "(fwd)" trailer, a "Re:"/"Fw:"/"Fwd:" leader (after any
 * leading blobs) or a "[fwd: ...]" wrapper. Step 5 of REFERENCES prefers
 * an original over a reply.
 */
export function isReplyOrForward(raw: string): boolean {
  let s = decodeEncodedWords(raw).replace(/\r?\n/g, "").replace(/[ \t]+/g, " ");
  // Step 2: trailers are "(fwd)" and WSP; only WSP can stand after a "(fwd)".
  if (FWD_TRAILER.test(s)) return true;
  s = s.trimEnd();
  // Steps 3-5: leaders and leading blobs, until neither applies.
  for (;;) {
    if (REFWD_LEADER.test(s)) return true;
    const before = s;
    s = s.trimStart();
    const blob = BLOB.exec(s);
    if (blob && blob[0].length < s.length) s = s.slice(blob[0].length);
    if (s === before) break;
  }
  // Step 6: "[fwd:" subject "]".
  return FWD_WRAPPER.test(s);
}

/**
 * The thread-list of RFC 5256 §5 for `threads`:
 * `(2)(3 6 (4 23)(44 7 96))`. A message with one child is followed by it;
 * with several, by each child's subtree in parentheses; a dummy shows only
 * its children's subtrees. Empty for no threads.
 */
export function formatThreads(threads: readonly ThreadNode[]): string {
  let out = "";
  const stack: (ThreadNode | string)[] = [];
  for (let i = threads.length - 1; i >= 0; i--) stack.push(")", threads[i], "(");
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item === "string") {
      out += item;
      continue;
    }
    const kids = item.children;
    if (item.id !== null) out += String(item.id);
    if (kids.length === 0) continue;
    if (kids.length === 1 && item.id !== null) {
      stack.push(kids[0], " ");
      continue;
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push(")", kids[i], "(");
    if (item.id !== null) stack.push(" ");
  }
  return out;
}
