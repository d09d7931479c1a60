import assert from "node:assert/strict";
import {
  formatThreads,
  isReplyOrForward,
  type ThreadInput,
  threadOrderedSubject,
  threadReferences,
} from "../../lib/server/threading.ts";

/** A message for threading: id, date (in days), subject and headers. */
function msg(
  id: number,
  date: number,
  subject: string | null,
  messageId: string | null = null,
  references: string | null = null,
  inReplyTo: string | null = null,
): ThreadInput {
  return { id, date: date * 86_400_000, subject, messageId, references, inReplyTo };
}

const refs = (ms: ThreadInput[]) => formatThreads(threadReferences(ms));
const ordered = (ms: ThreadInput[]) => formatThreads(threadOrderedSubject(ms));

Deno.test("`formatThreads()` writes the thread-list of RFC 5256 §5", () => {
  const leaf = (id: number) => ({ id, children: [] });
  const threads = [
    leaf(2),
    {
      id: 3,
      children: [{
        id: 6,
        children: [
          { id: 4, children: [leaf(23)] },
          { id: 44, children: [{ id: 7, children: [leaf(96)] }] },
        ],
      }],
    },
  ];
  assert.equal(formatThreads(threads), "(2)(3 6 (4 23)(44 7 96))");
  assert.equal(formatThreads([{ id: null, children: [leaf(1), leaf(2)] }]), "((1)(2))");
  assert.equal(formatThreads([]), "");
});

Deno.test("`threadOrderedSubject()` groups by base subject, first message as parent", () => {
  const ms = [
    msg(1, 3, "Hello"),
    msg(2, 4, "Re: hello"),
    msg(3, 1, "Other"),
    msg(4, 2, "RE: [list] HELLO (fwd)"),
    msg(5, 5, "[Fwd: other]"),
  ];
  assert.equal(ordered(ms), "(3 5)(4 (1)(2))");
});

Deno.test("`threadOrderedSubject()` breaks date ties by mailbox order", () => {
  assert.equal(ordered([msg(7, 1, "b"), msg(8, 1, "a"), msg(9, 1, "a")]), "(7)(8 9)");
});

Deno.test("`threadReferences()` links by References and In-Reply-To and sorts by date", () => {
  const ms = [
    msg(1, 1, "Topic", "<a@x>"),
    msg(2, 2, "Re: Topic", "<b@x>", "<a@x>"),
    msg(3, 3, "Re: Topic", "<c@x>", "<a@x>\r\n <b@x>"),
    msg(4, 5, "Re: Topic", "<d@x>", "<a@x>"),
    msg(5, 6, "Re: Topic", "<e@x>", null, "<d@x> (sent by D)"),
    msg(6, 0, "Unrelated", "<f@x>"),
  ];
  assert.equal(refs(ms), "(6)(1 (2 3)(4 5))");
});

Deno.test("`threadReferences()` keeps a dummy parent for siblings at the top level", () => {
  const ms = [
    msg(1, 1, "Hi", "<x1@x>", "<missing@x>"),
    msg(2, 2, "Something else", "<x2@x>", "<missing@x>"),
    msg(3, 0, "Alone", "<x3@x>", "<gone@x> <gone2@x>"),
  ];
  // The empty container of <missing@x> holds 1 and 2; <gone@x>'s only child is promoted.
  assert.equal(refs(ms), "(3)((1)(2))");
});

Deno.test("`threadReferences()` promotes the children of an empty container below the top", () => {
  const ms = [
    msg(1, 1, "Root", "<r@x>"),
    msg(2, 2, "Re: Root", "<c1@x>", "<r@x> <lost@x>"),
    msg(3, 3, "Re: Root", "<c2@x>", "<r@x> <lost@x>"),
  ];
  assert.equal(refs(ms), "(1 (2)(3))");
});

Deno.test("`threadReferences()` merges top-level threads by base subject (step 5)", () => {
  // A reply without references joins the original as its child.
  assert.equal(refs([msg(1, 1, "Party"), msg(2, 2, "Re: Party")]), "(1 2)");
  // The original arriving after its reply still becomes the parent.
  assert.equal(refs([msg(1, 1, "Re: Party"), msg(2, 2, "Party")]), "(2 1)");
  // Two originals of one subject are joined under a new dummy.
  assert.equal(refs([msg(3, 3, "Lunch"), msg(4, 4, "lunch")]), "((3)(4))");
  // A thread under a dummy takes others of its subject in.
  assert.equal(
    refs([
      msg(1, 1, "Plan", "<p1@x>", "<lost@x>"),
      msg(2, 2, "Plan", "<p2@x>", "<lost@x>"),
      msg(3, 3, "Re: Plan", "<p3@x>"),
    ]),
    "((1)(2)(3))",
  );
  // An empty subject merges nothing.
  assert.equal(refs([msg(1, 1, ""), msg(2, 2, null), msg(3, 3, "Re:")]), "(1)(2)(3)");
});

Deno.test("`threadReferences()` gives duplicate Message-IDs to the first message only", () => {
  const ms = [
    msg(1, 1, "One", "<dup@x>"),
    msg(2, 2, "Two", "<dup@x>"),
    msg(3, 3, "Three", "<t@x>", "<dup@x>"),
  ];
  assert.equal(refs(ms), "(1 3)(2)");
});

Deno.test("`threadReferences()` refuses links that would make a loop", () => {
  const ms = [
    msg(1, 1, "First", "<a@x>", "<b@x>"),
    msg(2, 2, "Second", "<b@x>", "<a@x>"),
  ];
  assert.equal(refs(ms), "(2 1)");
  assert.equal(refs([msg(1, 1, "Self", "<s@x>", "<s@x>")]), "(1)");
});

Deno.test("`threadReferences()` lets a later message's References win over an earlier guess", () => {
  const ms = [
    // 2 first claims to follow <a@x>; 3 says the chain is a -> c -> b.
    msg(1, 1, "A", "<a@x>"),
    msg(2, 2, "B", "<b@x>", "<a@x>"),
    msg(3, 3, "C", "<c@x>", "<a@x>"),
    msg(4, 4, "D", "<d@x>", "<a@x> <c@x> <b@x>"),
  ];
  // 1.A leaves b under a (b already has a parent); d goes under b.
  assert.equal(refs(ms), "(1 (2 4)(3))");
});

Deno.test("`threadReferences()` handles a long reply chain without recursion", () => {
  const n = 20_000;
  const ms: ThreadInput[] = [];
  for (let i = 1; i <= n; i++) {
    ms.push(msg(i, i, "Re: chain", `<m${i}@x>`, i > 1 ? `<m${i - 1}@x>` : null));
  }
  const out = refs(ms);
  assert.ok(out.startsWith("(1 2 3 "));
  assert.ok(out.endsWith(` ${n - 1} ${n})`));
});

Deno.test("`isReplyOrForward()` finds reply and forward markers of RFC 5256 §2.1", () => {
  for (const s of ["Re: x", "RE:x", "Fwd: x", "fw: x", "[list] Re: x", "Re [2]: x", "x (fwd)"]) {
    assert.equal(isReplyOrForward(s), true, s);
  }
  assert.equal(isReplyOrForward("[Fwd: x]"), true);
  assert.equal(isReplyOrForward("=?utf-8?q?Re=3A_x?="), true);
  for (const s of ["x", "[list] x", "Reply needed", "Re x", "[Re: x"]) {
    assert.equal(isReplyOrForward(s), false, s);
  }
});
