// Message corpora for `make bench`, generated from a fixed seed so that both
// servers receive byte-identical mail in the same order, and so the harness
// knows the right answer to every search it asks.
//
// Each message is generated from its own PRNG stream (seed, mailbox, index):
// any message can be rebuilt alone, and its metadata (sender, date, whether it
// carries the search word) is drawn first so it can be known without building
// the body.

/** A fast deterministic PRNG (mulberry32); returns floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the parts' text: a stable seed from names and numbers. */
export function seedOf(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join("\u0000")) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A word no generated header or vocabulary contains; put in some bodies for SEARCH TEXT. */
export const SEARCH_WORD = "quillwort";

const FIRST = [
  "Alice",
  "Bruno",
  "Chloé",
  "Dmitri",
  "Elena",
  "Farid",
  "Greta",
  "Hiroshi",
  "Ines",
  "Jonas",
  "Kamala",
  "Lars",
  "Mireille",
  "Nadia",
  "Oskar",
  "Priya",
  "Quentin",
  "Rosalind",
  "Sven",
  "Tomasz",
];
const LAST = [
  "Andersen",
  "Bauer",
  "Costa",
  "Dubois",
  "Eriksson",
  "Fischer",
  "García",
  "Horvat",
  "Ivanova",
  "Jensen",
  "Kowalski",
  "Lindqvist",
  "Müller",
  "Nakamura",
  "Okafor",
];

/** The sender pool: FIRST × LAST, 300 people, each a unique address. */
export const SENDERS: readonly { name: string; address: string }[] = FIRST.flatMap((f) =>
  LAST.map((l) => ({
    name: `${f} ${l}`,
    address: `${ascii(f)}.${ascii(l)}@${l.length % 2 ? "example.net" : "example.org"}`
      .toLowerCase(),
  }))
);

/** The sender SEARCH FROM looks for, and the substring it sends. */
export const FROM_TARGET = SENDERS.findIndex((s) => s.address.startsWith("rosalind.okafor@"));
export const FROM_QUERY = "rosalind.okafor";

function ascii(s: string): string {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

/** Vocabularies with the charsets they may travel in. */
const LANGS: { words: string[]; charsets: string[] }[] = [
  {
    words: ("the meeting report budget review quarter team schedule project update draft " +
      "please attached thanks regards tomorrow deadline customer invoice server release " +
      "notes minutes agenda proposal feedback question answer change request approval").split(" "),
    charsets: ["us-ascii", "utf-8"],
  },
  {
    words: ("réunion été année rapport budget équipe déjà très bientôt préféré à côté " +
      "où reçu facture élève théâtre fenêtre ça garçon naïve après-midi").split(" "),
    charsets: ["iso-8859-1", "utf-8", "windows-1252"],
  },
  {
    words: ("Grüße Mädchen Straße Bücher schön über fünf Größe Bericht Besprechung " +
      "Rechnung Kunde morgen Entwurf Änderung Frühstück").split(" "),
    charsets: ["iso-8859-1", "utf-8"],
  },
  {
    words: ("отчёт встреча бюджет команда проект завтра спасибо счёт клиент вопрос " +
      "ответ изменение").split(" "),
    charsets: ["utf-8"],
  },
  {
    words: ("会議 報告 予算 チーム 明日 よろしく お願いします 請求書 顧客 質問 回答 変更").split(
      " ",
    ),
    charsets: ["utf-8"],
  },
];

export type Profile = "small" | "realistic";

export interface CorpusOptions {
  seed: number;
  /** Mailbox name in the seed: two mailboxes with the same options differ. */
  mailbox: string;
  /** Messages in the mailbox; dates spread evenly over two years by index. */
  count: number;
  profile: Profile;
  /** Largest attachment in bytes (before base64), for the realistic profile. */
  maxAttachment: number;
}

export interface MessageMeta {
  from: number;
  /** Internal date and Date header, 08:00–16:00 UTC so SINCE is unambiguous in any zone within ±8 h. */
  date: Date;
  hasWord: boolean;
}

export interface GeneratedMessage extends MessageMeta {
  bytes: Uint8Array;
}

const START = Date.UTC(2023, 0, 1);
const DAY = 86_400_000;
const SPAN_DAYS = 730;

/** The day SEARCH SINCE asks for: the middle of the span. */
export const SINCE_DATE = new Date(START + (SPAN_DAYS / 2) * DAY);

/** Draws the metadata; the stream continues into the body in `generateMessage`. */
function drawMeta(r: () => number, index: number, count: number): MessageMeta {
  // One frequent correspondent (3 %), the one SEARCH FROM asks for; the rest uniform.
  const frequent = r() < 0.03;
  const from = frequent ? FROM_TARGET : Math.floor(r() * SENDERS.length);
  const day = Math.floor((index / Math.max(1, count)) * SPAN_DAYS);
  const secs = 8 * 3600 + Math.floor(r() * 8 * 3600);
  const hasWord = r() < 0.04;
  return { from, date: new Date(START + day * DAY + secs * 1000), hasWord };
}

/** The metadata of message `index` (0-based), without building it. */
export function messageMeta(opts: CorpusOptions, index: number): MessageMeta {
  return drawMeta(rng(seedOf(opts.seed, opts.mailbox, index)), index, opts.count);
}

/** How many messages of the corpus SEARCH TEXT SEARCH_WORD and SEARCH FROM … SINCE … must find. */
export function expectedSearches(opts: CorpusOptions): { text: number; fromSince: number } {
  let text = 0;
  let fromSince = 0;
  const since = SINCE_DATE.getTime();
  for (let i = 0; i < opts.count; i++) {
    const m = messageMeta(opts, i);
    if (m.hasWord) text++;
    if (m.from === FROM_TARGET && m.date.getTime() >= since) fromSince++;
  }
  return { text, fromSince };
}

const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
const WEEKDAYS = "Sun Mon Tue Wed Thu Fri Sat".split(" ");

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** RFC 3501 date-time for APPEND: "dd-Mon-yyyy hh:mm:ss +0000". */
export function imapDateTime(d: Date): string {
  return `${pad(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** RFC 3501 date for SEARCH SINCE: "d-Mon-yyyy". */
export function imapDate(d: Date): string {
  return `${d.getUTCDate()}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()}`;
}

function rfc5322Date(d: Date): string {
  return `${WEEKDAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ` +
    `${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:` +
    `${pad(d.getUTCSeconds())} +0000`;
}

const utf8 = new TextEncoder();

function encodeCharset(text: string, charset: string): Uint8Array {
  if (charset === "iso-8859-1" || charset === "windows-1252" || charset === "us-ascii") {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
    return out;
  }
  return utf8.encode(text);
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Base64 with CRLF every 76 characters (RFC 2045 §6.8). */
export function base64Lines(bytes: Uint8Array): string {
  const lines: string[] = [];
  let line = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    line += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] +
      (i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=") +
      (i + 2 < bytes.length ? B64[n & 63] : "=");
    if (line.length >= 76) {
      lines.push(line);
      line = "";
    }
  }
  if (line) lines.push(line);
  return lines.join("\r\n");
}

/** Quoted-printable with soft line breaks under 76 characters (RFC 2045 §6.7). */
export function quotedPrintable(bytes: Uint8Array): string {
  const lines: string[] = [];
  let line = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 10) {
      lines.push(line);
      line = "";
      continue;
    }
    if (b === 13) continue;
    const enc = (b >= 33 && b <= 126 && b !== 61) || b === 32
      ? String.fromCharCode(b)
      : `=${b.toString(16).toUpperCase().padStart(2, "0")}`;
    if (line.length + enc.length > 75) {
      lines.push(line + "=");
      line = "";
    }
    line += enc;
  }
  if (line.endsWith(" ")) line = line.slice(0, -1) + "=20";
  lines.push(line);
  return lines.join("\r\n");
}

/** An RFC 2047 encoded word when the text is not ASCII. */
function headerText(text: string, charset: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const cs = charset === "us-ascii" ? "utf-8" : charset;
  return `=?${cs.toUpperCase()}?B?${base64Lines(encodeCharset(text, cs)).replace(/\r\n/g, "")}?=`;
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

/** Uniform on a log scale between lo and hi. */
function logUniform(r: () => number, lo: number, hi: number): number {
  return Math.round(Math.exp(Math.log(lo) + r() * (Math.log(hi) - Math.log(lo))));
}

/** Text of about `size` characters in lines under 80, paragraphs apart; the word once if asked. */
function paragraphs(r: () => number, words: string[], size: number, word: boolean): string {
  const out: string[] = [];
  let len = 0;
  let line = 0;
  const wordAt = word ? Math.floor(r() * Math.max(1, size / 8)) : -1;
  let n = 0;
  while (len < size) {
    const w = n++ === wordAt ? SEARCH_WORD : pick(r, words);
    if (line > 0 && line + w.length > 72) {
      const para = r() < 0.08;
      out.push(para ? "\n\n" : "\n");
      line = 0;
    } else if (line > 0) {
      out.push(" ");
      line++;
    }
    out.push(w);
    line += w.length;
    len += w.length + 1;
    if (r() < 0.1) {
      out.push(".");
      line++;
    }
  }
  if (wordAt >= n) out.push(`\n${SEARCH_WORD}.`); // the word must be there
  return out.join("");
}

interface Part {
  headers: string[];
  body: string;
}

function textPart(r: () => number, size: number, word: boolean, html: boolean): Part {
  const lang = r() < 0.55 ? LANGS[0] : pick(r, LANGS.slice(1));
  const charset = pick(r, lang.charsets);
  let text = paragraphs(r, lang.words, size, word);
  if (html) {
    text = `<html><body>\n${
      text.split("\n\n").map((p) => `<p>${p.replace(/\n/g, "<br>\n")}</p>`).join("\n")
    }\n</body></html>`;
  }
  const bytes = encodeCharset(text, charset);
  const ascii7 = bytes.every((b) => b < 128);
  let cte: string;
  let body: string;
  if (ascii7) {
    cte = "7bit";
    body = text.replace(/\r?\n/g, "\r\n");
  } else if (charset === "utf-8" && r() < 0.4) {
    cte = "base64";
    body = base64Lines(bytes);
  } else {
    cte = "quoted-printable";
    body = quotedPrintable(bytes);
  }
  return {
    headers: [
      `Content-Type: text/${html ? "html" : "plain"}; charset=${ascii7 ? "us-ascii" : charset}${
        html ? "" : "; format=flowed"
      }`,
      `Content-Transfer-Encoding: ${cte}`,
    ],
    body,
  };
}

function randomBytes(r: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = Math.floor(r() * 0xffffffff) | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const ATTACHMENTS = [
  { type: "application/pdf", ext: "pdf" },
  { type: "image/jpeg", ext: "jpg" },
  { type: "image/png", ext: "png" },
  { type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ext: "docx" },
  { type: "application/zip", ext: "zip" },
];

function attachmentPart(r: () => number, size: number): Part {
  const a = pick(r, ATTACHMENTS);
  const name = `${pick(r, ["report", "scan", "photo", "invoice", "slides", "Résumé"])}-${
    Math.floor(r() * 1000)
  }.${a.ext}`;
  const encName = /^[\x20-\x7e]*$/.test(name) ? `"${name}"` : `"${headerText(name, "utf-8")}"`;
  return {
    headers: [
      `Content-Type: ${a.type}; name=${encName}`,
      `Content-Disposition: attachment; filename=${encName}`,
      "Content-Transfer-Encoding: base64",
    ],
    body: base64Lines(randomBytes(r, size)),
  };
}

function multipart(r: () => number, subtype: string, parts: Part[]): Part {
  const boundary = `----=_Part_${Math.floor(r() * 1e9)}_${Math.floor(r() * 1e9)}`;
  const body = ["This is a multi-part message in MIME format.", ""];
  for (const p of parts) {
    body.push(`--${boundary}`, ...p.headers, "", p.body);
  }
  body.push(`--${boundary}--`, "");
  return {
    headers: [`Content-Type: multipart/${subtype}; boundary="${boundary}"`],
    body: body.join("\r\n"),
  };
}

/** Builds message `index` (0-based) of the corpus. */
export function generateMessage(opts: CorpusOptions, index: number): GeneratedMessage {
  const r = rng(seedOf(opts.seed, opts.mailbox, index));
  const meta = drawMeta(r, index, opts.count);
  const sender = SENDERS[meta.from];
  const to = SENDERS[Math.floor(r() * SENDERS.length)];
  const subjectLang = r() < 0.7 ? LANGS[0] : pick(r, LANGS.slice(1));
  const subjectWords: string[] = [];
  for (let i = 0, k = 3 + Math.floor(r() * 6); i < k; i++) {
    subjectWords.push(pick(r, subjectLang.words));
  }
  const reply = r() < 0.3;
  const subject = (reply ? "Re: " : "") + subjectWords.join(" ");
  const charset = pick(r, subjectLang.charsets);

  let root: Part;
  const shape = r();
  if (opts.profile === "small") {
    const size = logUniform(r, 600, 3000);
    root = shape < 0.7 ? textPart(r, size, meta.hasWord, false) : multipart(r, "alternative", [
      textPart(r, size / 2, meta.hasWord, false),
      textPart(r, size / 2, meta.hasWord, true),
    ]);
  } else {
    const size = logUniform(r, 1500, 45_000);
    if (shape < 0.45) root = textPart(r, size, meta.hasWord, false);
    else if (shape < 0.75) {
      root = multipart(r, "alternative", [
        textPart(r, size / 2, meta.hasWord, false),
        textPart(r, size / 2, meta.hasWord, true),
      ]);
    } else if (shape < 0.95) {
      const parts = [textPart(r, size / 3, meta.hasWord, false)];
      for (let i = 0, k = r() < 0.8 ? 1 : 2; i < k; i++) {
        const big = r() < 0.05;
        const att = big
          ? logUniform(r, Math.min(500_000, opts.maxAttachment), opts.maxAttachment)
          : logUniform(r, 8_000, Math.min(300_000, opts.maxAttachment));
        parts.push(attachmentPart(r, att));
      }
      root = multipart(r, "mixed", parts);
    } else {
      const inner = [
        `From: Mailing List <announce@lists.example.com>`,
        `Date: ${rfc5322Date(new Date(meta.date.getTime() - 3 * DAY))}`,
        `Subject: ${subjectWords.slice(0, 3).join(" ")}`,
        `Message-ID: <fwd.${seedOf(index, "fwd")}@lists.example.com>`,
        "MIME-Version: 1.0",
        ...textPart(r, size / 2, false, false).headers,
      ];
      const innerBody = paragraphs(r, LANGS[0].words, size / 2, false).replace(/\n/g, "\r\n");
      root = multipart(r, "mixed", [
        textPart(r, 200, meta.hasWord, false),
        {
          headers: ["Content-Type: message/rfc822", "Content-Disposition: inline"],
          body: [...inner, "", innerBody].join("\r\n"),
        },
      ]);
    }
  }

  const host = sender.address.split("@")[1];
  const headers = [
    `Return-Path: <${sender.address}>`,
    `Received: from mail.${host} (mail.${host} [192.0.2.${index % 250 + 1}])\r\n` +
    `\tby mx.example.com with ESMTPS id ${seedOf(index, "rcv").toString(36)}\r\n` +
    `\tfor <${to.address}>; ${rfc5322Date(meta.date)}`,
    `Date: ${rfc5322Date(meta.date)}`,
    `From: ${headerText(sender.name, charset)} <${sender.address}>`,
    `To: ${headerText(to.name, charset)} <${to.address}>`,
    ...(r() < 0.2 ? [`Cc: ${SENDERS[(meta.from + 7) % SENDERS.length].address}`] : []),
    `Subject: ${headerText(subject, charset)}`,
    `Message-ID: <${seedOf(opts.mailbox, index).toString(36)}.${index}@${host}>`,
    ...(reply
      ? [
        `In-Reply-To: <${seedOf(opts.mailbox, index - 1).toString(36)}.${index - 1}@${host}>`,
        `References: <${seedOf(opts.mailbox, index - 2).toString(36)}.${index - 2}@${host}> <${
          seedOf(opts.mailbox, index - 1).toString(36)
        }.${index - 1}@${host}>`,
      ]
      : []),
    "MIME-Version: 1.0",
    `X-Mailer: ${
      pick(r, ["Thunderbird 115.6", "Apple Mail (2.3774)", "Outlook 16.0", "mutt 2.2"])
    }`,
    ...root.headers,
  ];
  const text = headers.join("\r\n") + "\r\n\r\n" + root.body + "\r\n";
  // Headers and encoded bodies are ASCII; 7bit bodies are ASCII by construction.
  return { ...meta, bytes: utf8.encode(text) };
}
