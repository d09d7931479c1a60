import { formatDateTime } from "../../lib/protocol/date_time.ts";
import assert from "node:assert/strict";
import { CommandParser, ParseError } from "../../lib/wire/parser.ts";
import { ResponseEncoder } from "../../lib/wire/encoder.ts";
import { type FetchItem, parseFetch, setsSeen } from "../../lib/protocol/commands/fetch.ts";
import {
  type FetchedMessage,
  neededFields,
  partialData,
  sectionData,
  writeBodyStructure,
  writeEnvelope,
  writeFetchResponse,
  writeResponseName,
} from "../../lib/protocol/fetch_response.ts";
import { parseMessage } from "../../lib/mime/mod.ts";
import { STAR } from "../../lib/protocol/sequence_set.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** parseFetch over the arguments of a FETCH command (what follows "FETCH"). */
function fetch(args: string) {
  return parseFetch(new CommandParser(te.encode(" " + args)));
}

function items(args: string): FetchItem[] {
  return fetch("1 " + args).items;
}

function crlf(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}

function render(write: (enc: ResponseEncoder) => void): string {
  const enc = new ResponseEncoder();
  write(enc);
  return td.decode(enc.takeBytes());
}

/** A record with every field, as the store would give it. */
function record(text: string, extra: Partial<FetchedMessage> = {}): FetchedMessage {
  const content = te.encode(text);
  const parsed = parseMessage(content);
  return {
    uid: 7,
    flags: ["\\Seen"],
    internalDate: new Date(Date.UTC(2024, 0, 5, 3, 4, 5)),
    size: content.length,
    envelope: parsed.envelope,
    bodyStructure: parsed.body,
    header: content.subarray(0, parsed.headerSize),
    content,
    ...extra,
  };
}

const SIMPLE = crlf(`Date: Fri, 5 Jan 2024 03:04:05 +0000
From: "Alice A." <alice@example.com>
To: bob@example.org, Carol <carol@example.net>
Subject: Hello there
Message-ID: <m1@example.com>

Line one.
Line two.
`);

const MULTI = crlf(`From: alice@example.com
Subject: parts
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

preamble
--b1
Content-Type: text/plain; charset=utf-8

Hello.
--b1
Content-Type: application/pdf; name="a.pdf"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="a.pdf"
Content-Language: en
Content-Location: http://x.example/a.pdf
Content-MD5: abc=

QUJD
--b1
Content-Type: message/rfc822

From: dave@example.com
Subject: inner
Content-Type: text/plain

Inner body.
--b1--
`);

// ---- parseFetch ---------------------------------------------------------

Deno.test("`parseFetch()` expands the macros ALL, FAST and FULL", () => {
  assert.deepEqual(items("ALL").map((i) => i.kind), [
    "flags",
    "internalDate",
    "rfc822Size",
    "envelope",
  ]);
  assert.deepEqual(items("fast").map((i) => i.kind), ["flags", "internalDate", "rfc822Size"]);
  assert.deepEqual(items("FULL").map((i) => i.kind), [
    "flags",
    "internalDate",
    "rfc822Size",
    "envelope",
    "body",
  ]);
});

Deno.test("`parseFetch()` reads every simple item, alone or in a list", () => {
  const list = items(
    "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE UID RFC822 RFC822.HEADER RFC822.TEXT)",
  );
  assert.deepEqual(list.map((i) => i.kind), [
    "flags",
    "internalDate",
    "rfc822Size",
    "envelope",
    "body",
    "bodyStructure",
    "uid",
    "rfc822",
    "rfc822Header",
    "rfc822Text",
  ]);
  assert.deepEqual(items("uid"), [{ kind: "uid" }]);
  assert.deepEqual(items("RFC822.SIZE"), [{ kind: "rfc822Size" }]);
});

Deno.test("`parseFetch()` reads the sequence set with *", () => {
  assert.deepEqual(fetch("1:*,4 FLAGS").set, [{ from: 1, to: STAR }, { from: 4, to: 4 }]);
});

Deno.test("`parseFetch()` reads every section form", () => {
  const sections = items(
    "(BODY[] BODY.PEEK[HEADER] BODY[TEXT] BODY[1.2.3] BODY[2.MIME] BODY[3.HEADER] " +
      'BODY[3.TEXT] BODY[HEADER.FIELDS (From "To")] body.peek[1.header.fields.not (X-A)])',
  ).map((i) => i.kind === "section" ? [i.peek, i.section] : null);
  assert.deepEqual(sections, [
    [false, { part: [], text: null, fields: [] }],
    [true, { part: [], text: "HEADER", fields: [] }],
    [false, { part: [], text: "TEXT", fields: [] }],
    [false, { part: [1, 2, 3], text: null, fields: [] }],
    [false, { part: [2], text: "MIME", fields: [] }],
    [false, { part: [3], text: "HEADER", fields: [] }],
    [false, { part: [3], text: "TEXT", fields: [] }],
    [false, { part: [], text: "HEADER.FIELDS", fields: ["From", "To"] }],
    [true, { part: [1], text: "HEADER.FIELDS.NOT", fields: ["X-A"] }],
  ]);
});

Deno.test("`parseFetch()` reads header names sent as quoted strings and literals", () => {
  const [item] = items('BODY.PEEK[HEADER.FIELDS ("X-Odd]" {4}\r\nDate)]');
  assert.deepEqual(item.kind === "section" && item.section.fields, ["X-Odd]", "Date"]);
  // The response quotes what cannot be an atom there.
  assert.equal(wireName(item), 'BODY[HEADER.FIELDS ("X-Odd]" Date)]');
});

Deno.test("`parseFetch()` reads a partial range", () => {
  const [item] = items("BODY.PEEK[1]<10.200>");
  assert.equal(item.kind, "section");
  assert.deepEqual(item.kind === "section" && item.partial, { origin: 10, count: 200 });
  const [whole] = items("BODY[]");
  assert.equal(whole.kind === "section" && whole.partial, null);
});

Deno.test("`parseFetch()` rejects unknown items, naming them", () => {
  assert.throws(() => items("(FLAGS FOO)"), /Invalid fetch item "FOO": Unknown item/);
  assert.throws(() => items("BODY.PEEK"), /Invalid fetch item "BODY.PEEK"/);
  assert.throws(() => items("(FLAGS ALL)"), /Macro ALL may only stand alone/);
  assert.throws(() => items("RFC822.BOGUS"), ParseError);
});

Deno.test("`parseFetch()` rejects bad sections and partials", () => {
  assert.throws(() => items("BODY[MIME]"), /Invalid fetch item "BODY\[MIME\]": MIME needs/);
  assert.throws(() => items("BODY[0]"), /Part numbers start at 1/);
  assert.throws(() => items("BODY[1.FOO]"), /Unknown section "FOO"/);
  assert.throws(() => items("BODY[1.]"), ParseError);
  assert.throws(() => items("BODY[HEADER.FIELDS ()]"), /Empty list/);
  assert.throws(() => items("BODY[HEADER.FIELDS]"), ParseError);
  assert.throws(() => items("BODY[TEXT"), ParseError);
  assert.throws(() => items("BODY[]<5>"), ParseError);
  assert.throws(() => items("BODY[]<5.0>"), /count above zero/);
});

Deno.test("`parseFetch()` rejects a missing item, an unclosed list and trailing text", () => {
  assert.throws(() => fetch("1"), /Missing arguments/);
  assert.throws(() => fetch("1 (FLAGS"), /Expected "\)"/);
  assert.throws(() => fetch("1 FLAGS UID"), /Unexpected/);
  assert.throws(() => fetch("0 FLAGS"), /Invalid sequence set/);
  assert.throws(() => fetch("1 ()"), ParseError);
});

Deno.test("`setsSeen()` is true for BODY[], RFC822 and RFC822.TEXT only", () => {
  assert.equal(setsSeen(items("BODY[]")), true);
  assert.equal(setsSeen(items("RFC822")), true);
  assert.equal(setsSeen(items("RFC822.TEXT")), true);
  assert.equal(setsSeen(items("(BODY.PEEK[] RFC822.HEADER BODY BODYSTRUCTURE)")), false);
});

// ---- what the store must load ---------------------------------------------

Deno.test("`neededFields()` loads only the header for top-level header sections", () => {
  assert.deepEqual(neededFields(items("(UID RFC822.HEADER BODY.PEEK[HEADER.FIELDS (To)])")), {
    header: true,
  });
  assert.deepEqual(neededFields(items("ALL")), {
    flags: true,
    internalDate: true,
    size: true,
    envelope: true,
  });
  assert.deepEqual(neededFields(items("BODY[]")), { content: true });
  assert.deepEqual(neededFields(items("BODY[TEXT]")), { content: true, bodyStructure: true });
  assert.deepEqual(neededFields(items("BODY[1.MIME]")), { content: true, bodyStructure: true });
  assert.deepEqual(neededFields(items("BODYSTRUCTURE")), { bodyStructure: true });
});

// ---- names, dates -----------------------------------------------------------

/** The name of a response item as the encoder writes it. */
function wireName(item: FetchItem): string {
  const enc = new ResponseEncoder();
  writeResponseName(enc, item);
  return new TextDecoder().decode(enc.takeBytes());
}

Deno.test("`writeResponseName()` echoes the section with field names as sent, PEEK as BODY", () => {
  const names = items(
    '(BODY.PEEK[HEADER.FIELDS (From to "X-Y")] BODY[1.2.MIME]<0.10> RFC822.TEXT body[]<5.1>)',
  ).map(wireName);
  assert.deepEqual(names, [
    "BODY[HEADER.FIELDS (From to X-Y)]",
    "BODY[1.2.MIME]<0>",
    "RFC822.TEXT",
    "BODY[]<5>",
  ]);
});

Deno.test("`writeResponseName()` writes one item's name for the encoder's UTF-8 mode each time", () => {
  // A field name with 8-bit characters (the parser takes none, a caller might
  // pass one) is a literal unless UTF8=ACCEPT lets it be quoted.
  const item: FetchItem = {
    kind: "section",
    peek: true,
    section: { part: [], text: "HEADER.FIELDS", fields: ["X-Gr\u00fc\u00dfe", "Date"] },
    partial: null,
  };
  const nameIn = (utf8: boolean) => {
    const enc = new ResponseEncoder();
    enc.utf8 = utf8;
    writeResponseName(enc, item);
    return td.decode(enc.takeBytes());
  };
  const ascii = "BODY[HEADER.FIELDS ({9}\r\nX-Gr\u00fc\u00dfe Date)]";
  const utf8 = 'BODY[HEADER.FIELDS ("X-Gr\u00fc\u00dfe" Date)]';
  assert.equal(nameIn(false), ascii);
  assert.equal(nameIn(true), utf8);
  assert.equal(nameIn(false), ascii);
  assert.equal(nameIn(true), utf8);
});

Deno.test("`formatDateTime()` writes dd-Mon-yyyy hh:mm:ss +0000", () => {
  assert.equal(
    formatDateTime(new Date(Date.UTC(2024, 1, 3, 4, 5, 6))),
    "03-Feb-2024 04:05:06 +0000",
  );
  assert.equal(
    formatDateTime(new Date(Date.UTC(1999, 11, 31, 23, 59, 59))),
    "31-Dec-1999 23:59:59 +0000",
  );
});

// ---- ENVELOPE ----------------------------------------------------------------

Deno.test("`writeEnvelope()` follows the envelope grammar, Sender and Reply-To from From", () => {
  const msg = record(SIMPLE);
  assert.equal(
    render((enc) => writeEnvelope(enc, msg.envelope!)),
    '("Fri, 5 Jan 2024 03:04:05 +0000" "Hello there" ' +
      '(("Alice A." NIL "alice" "example.com")) ' +
      '(("Alice A." NIL "alice" "example.com")) ' +
      '(("Alice A." NIL "alice" "example.com")) ' +
      '((NIL NIL "bob" "example.org")("Carol" NIL "carol" "example.net")) ' +
      'NIL NIL NIL "<m1@example.com>")',
  );
});

Deno.test("`writeEnvelope()` writes groups and empty lists", () => {
  const env = {
    date: null,
    subject: 'say "hi"',
    from: [],
    sender: null,
    replyTo: null,
    to: [
      { name: null, adl: null, mailbox: "team", host: null },
      { name: null, adl: null, mailbox: "a", host: "b.example" },
      { name: null, adl: null, mailbox: null, host: null },
    ],
    cc: null,
    bcc: null,
    inReplyTo: "<x@y>",
    messageId: null,
  };
  assert.equal(
    render((enc) => writeEnvelope(enc, env)),
    '(NIL "say \\"hi\\"" NIL NIL NIL ' +
      '((NIL NIL "team" NIL)(NIL NIL "a" "b.example")(NIL NIL NIL NIL)) NIL NIL "<x@y>" NIL)',
  );
});

// ---- BODYSTRUCTURE / BODY -------------------------------------------------------

Deno.test("`writeBodyStructure()` writes a text part with and without extension data", () => {
  const body = record(SIMPLE).bodyStructure!;
  assert.equal(
    render((enc) => writeBodyStructure(enc, body, true)),
    '("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "7BIT" 22 2 NIL NIL NIL NIL)',
  );
  assert.equal(
    render((enc) => writeBodyStructure(enc, body, false)),
    '("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "7BIT" 22 2)',
  );
});

Deno.test("`writeBodyStructure()` writes multipart, basic and message/rfc822 parts", () => {
  const body = record(MULTI).bodyStructure!;
  // Lines count LFs; the CRLF before a boundary belongs to the boundary (as Dovecot counts).
  const text = '("TEXT" "PLAIN" ("charset" "utf-8") NIL NIL "7BIT" 6 0 NIL NIL NIL NIL)';
  const pdf = '("APPLICATION" "PDF" ("name" "a.pdf") NIL NIL "BASE64" 4 "abc=" ' +
    '("attachment" ("filename" "a.pdf")) "en" "http://x.example/a.pdf")';
  const envelope =
    '(NIL "inner" ((NIL NIL "dave" "example.com")) ((NIL NIL "dave" "example.com")) ' +
    '((NIL NIL "dave" "example.com")) NIL NIL NIL NIL NIL)';
  const message = `("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 79 ${envelope} ` +
    '("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "7BIT" 11 0 NIL NIL NIL NIL) 4 NIL NIL NIL NIL)';
  assert.equal(
    render((enc) => writeBodyStructure(enc, body, true)),
    `(${text}${pdf}${message} "MIXED" ("boundary" "b1") NIL NIL NIL)`,
  );
  assert.equal(
    render((enc) => writeBodyStructure(enc, body, false)),
    '(("TEXT" "PLAIN" ("charset" "utf-8") NIL NIL "7BIT" 6 0)' +
      '("APPLICATION" "PDF" ("name" "a.pdf") NIL NIL "BASE64" 4)' +
      `("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 79 ${envelope} ` +
      '("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "7BIT" 11 0) 4) "MIXED")',
  );
});

Deno.test("`writeBodyStructure()` keeps the grammar for an encoded message/rfc822 leaf", () => {
  const text = crlf(`Content-Type: message/rfc822
Content-Transfer-Encoding: base64

RnJvbTogYQ0KDQpi
`);
  const body = record(text).bodyStructure!;
  assert.equal(
    render((enc) => writeBodyStructure(enc, body, false)),
    '("MESSAGE" "RFC822" NIL NIL NIL "BASE64" 18 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ' +
      '("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0) 1)',
  );
});

Deno.test("`writeBodyStructure()` writes a language list and a literal for an 8-bit value", () => {
  const text = crlf(`Content-Type: text/plain; name="caf\u00e9"
Content-Language: en, de

x
`);
  const out = render((enc) => writeBodyStructure(enc, record(text).bodyStructure!, true));
  assert.match(out, /\("name" \{5\}\r\ncaf\u00e9 "charset" "us-ascii"\)/);
  assert.match(out, / \("en" "de"\) NIL\)$/);
});

// ---- section data ----------------------------------------------------------------

function section(msg: FetchedMessage, spec: string): string {
  const [item] = items(`BODY[${spec}]`);
  assert.equal(item.kind, "section");
  return item.kind === "section" ? td.decode(sectionData(msg, item.section)) : "";
}

Deno.test("`sectionData()` slices the whole message, header and text", () => {
  const msg = record(SIMPLE);
  assert.equal(section(msg, ""), SIMPLE);
  const split = SIMPLE.indexOf("\r\n\r\n") + 4;
  assert.equal(section(msg, "HEADER"), SIMPLE.slice(0, split));
  assert.equal(section(msg, "TEXT"), SIMPLE.slice(split));
  assert.equal(section(msg, "1"), SIMPLE.slice(split));
  // Header sections work from the header block alone.
  const headerOnly = { uid: 1, header: msg.header };
  assert.equal(section(headerOnly, "HEADER"), SIMPLE.slice(0, split));
  assert.equal(section(headerOnly, "HEADER.FIELDS (SUBJECT)"), "Subject: Hello there\r\n\r\n");
});

Deno.test("`sectionData()` selects header fields case-insensitively, and their complement", () => {
  const msg = record(SIMPLE);
  assert.equal(
    section(msg, "HEADER.FIELDS (to FROM)"),
    'From: "Alice A." <alice@example.com>\r\nTo: bob@example.org, Carol <carol@example.net>\r\n\r\n',
  );
  assert.equal(
    section(msg, "HEADER.FIELDS.NOT (Date From To Message-ID)"),
    "Subject: Hello there\r\n\r\n",
  );
  assert.equal(section(msg, "HEADER.FIELDS (X-None)"), "\r\n");
});

Deno.test("`sectionData()` slices parts, MIME headers and an embedded message", () => {
  const msg = record(MULTI);
  assert.equal(section(msg, "1"), "Hello.");
  assert.equal(section(msg, "1.MIME"), "Content-Type: text/plain; charset=utf-8\r\n\r\n");
  assert.equal(section(msg, "2"), "QUJD");
  const inner = "From: dave@example.com\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\n";
  assert.equal(section(msg, "3"), inner + "Inner body.");
  assert.equal(section(msg, "3.HEADER"), inner);
  assert.equal(section(msg, "3.TEXT"), "Inner body.");
  assert.equal(section(msg, "3.1"), "Inner body.");
  assert.equal(section(msg, "3.HEADER.FIELDS (subject)"), "Subject: inner\r\n\r\n");
  assert.equal(section(msg, "3.MIME"), "Content-Type: message/rfc822\r\n\r\n");
});

Deno.test("`sectionData()` gives an empty string for a part that does not exist", () => {
  const msg = record(MULTI);
  assert.equal(section(msg, "4"), "");
  assert.equal(section(msg, "1.2"), "");
  assert.equal(section(msg, "1.HEADER"), ""); // not a message/rfc822 part
  assert.equal(section(msg, "3.2"), "");
  assert.equal(section(record(SIMPLE), "2"), "");
});

Deno.test("`partialData()` clips to the data and is empty past the end", () => {
  const data = te.encode("0123456789");
  assert.equal(td.decode(partialData(data, { origin: 2, count: 3 })), "234");
  assert.equal(td.decode(partialData(data, { origin: 8, count: 100 })), "89");
  assert.equal(partialData(data, { origin: 10, count: 1 }).length, 0);
  assert.equal(partialData(data, null), data);
});

// ---- whole responses ------------------------------------------------------------------

Deno.test("`writeFetchResponse()` writes items in order, UID first, each once", () => {
  const msg = record(SIMPLE);
  assert.equal(
    render((enc) =>
      writeFetchResponse(enc, 3, msg, items("(FLAGS RFC822.SIZE INTERNALDATE FLAGS UID)"))
    ),
    `* 3 FETCH (UID 7 FLAGS (\\Seen) RFC822.SIZE ${msg.size} ` +
      'INTERNALDATE "05-Jan-2024 03:04:05 +0000")\r\n',
  );
  assert.equal(
    render((enc) => writeFetchResponse(enc, 3, msg, items("RFC822.SIZE"), { uid: true })),
    `* 3 FETCH (UID 7 RFC822.SIZE ${msg.size})\r\n`,
  );
});

Deno.test("`writeFetchResponse()` writes section data as literals with partial origins", () => {
  const msg = record(SIMPLE);
  assert.equal(
    render((enc) =>
      writeFetchResponse(enc, 1, msg, items("(BODY.PEEK[HEADER.FIELDS (Subject)] BODY[TEXT]<5.3>)"))
    ),
    "* 1 FETCH (BODY[HEADER.FIELDS (Subject)] {24}\r\nSubject: Hello there\r\n\r\n " +
      "BODY[TEXT]<5> {3}\r\none)\r\n",
  );
  assert.equal(
    render((enc) => writeFetchResponse(enc, 1, msg, items("(BODY[9] BODY[]<999.5>)"))),
    '* 1 FETCH (BODY[9] "" BODY[]<999> "")\r\n',
  );
});

Deno.test("`writeFetchResponse()` writes RFC822 forms and adds FLAGS when asked", () => {
  const msg = record(SIMPLE);
  const split = SIMPLE.indexOf("\r\n\r\n") + 4;
  const header = SIMPLE.slice(0, split);
  const body = SIMPLE.slice(split);
  assert.equal(
    render((enc) =>
      writeFetchResponse(enc, 2, msg, items("(RFC822.HEADER RFC822.TEXT)"), { flags: true })
    ),
    `* 2 FETCH (RFC822.HEADER {${header.length}}\r\n${header} ` +
      `RFC822.TEXT {${body.length}}\r\n${body} FLAGS (\\Seen))\r\n`,
  );
  assert.equal(
    render((enc) => writeFetchResponse(enc, 2, msg, items("RFC822"))),
    `* 2 FETCH (RFC822 {${SIMPLE.length}}\r\n${SIMPLE})\r\n`,
  );
  assert.equal(
    render((enc) => writeFetchResponse(enc, 2, msg, items("(FLAGS BODY[])"), { flags: true })),
    `* 2 FETCH (FLAGS (\\Seen) BODY[] {${SIMPLE.length}}\r\n${SIMPLE})\r\n`,
  );
});

Deno.test("`writeFetchResponse()` writes BODY and BODYSTRUCTURE side by side", () => {
  const msg = record(SIMPLE);
  assert.equal(
    render((enc) => writeFetchResponse(enc, 1, msg, items("(BODY BODYSTRUCTURE)"))),
    '* 1 FETCH (BODY ("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "7BIT" 22 2) ' +
      'BODYSTRUCTURE ("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "7BIT" 22 2 NIL NIL NIL NIL))\r\n',
  );
});

Deno.test("`parseFetch()` refuses header field names no header can have (RFC 5322 §2.2)", () => {
  assert.throws(
    () => items("BODY.PEEK[HEADER.FIELDS ({4}\r\na\r\nb)]"),
    /Invalid header field name/,
  );
  assert.throws(() => items('BODY.PEEK[HEADER.FIELDS ("X Y")]'), /Invalid header field name/);
  assert.throws(
    () => items('BODY.PEEK[HEADER.FIELDS (Subject "a:b")]'),
    /Invalid header field name/,
  );
  assert.throws(() => items('BODY.PEEK[HEADER.FIELDS ("")]'), /Empty header field name/);
});
