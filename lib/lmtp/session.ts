/**
 * One LMTP connection (RFC 2033): LHLO, MAIL, RCPT, DATA with one reply
 * per accepted recipient after the message text, RSET, NOOP, VRFY, QUIT.
 * Replies carry enhanced status codes (RFC 2034, RFC 3463). Pipelined
 * commands (RFC 2920) are answered in one write once no further command is
 * waiting in the input.
 */
import type { LmtpEndpointConfig } from "../config/types.ts";
import type { Logger } from "../log.ts";
import type { Transport } from "../net/transport.ts";
import type { Delivery, DeliveryOutcome, Recipient } from "./delivery.ts";
import { LmtpReader } from "./reader.ts";

/** What the connections of one `[lmtp]` endpoint share. */
export interface LmtpEndpoint {
  config: LmtpEndpointConfig;
  log: Logger;
  delivery: Delivery;
}

/** RFC 5321 §4.5.3.1.4: a command line is at most 512 octets; we allow room for long addresses. */
const MAX_COMMAND_LINE = 4096;
/** Bad commands after which the connection is closed. */
const MAX_ERRORS = 20;

const encoder = new TextEncoder();

let nextId = 1;

interface Transaction {
  sender: string;
  recipients: Recipient[];
}

type Input = "data" | "eof" | "timeout" | "shutdown";

export class LmtpSession {
  readonly id = nextId++;
  readonly #endpoint: LmtpEndpoint;
  readonly #config: LmtpEndpointConfig;
  readonly #transport: Transport;
  readonly log: Logger;
  readonly #reader = new LmtpReader({ maxLine: MAX_COMMAND_LINE });
  #out: string[] = [];
  #greeted = false;
  #tx: Transaction | null = null;
  #errors = 0;
  #closing = false;
  #inTransaction = false;
  #signalShutdown: () => void = () => {};
  readonly #shutdown: Promise<"shutdown">;
  #pendingRead: Promise<Uint8Array | null> | null = null;
  readonly done: Promise<void>;
  #resolveDone!: () => void;

  constructor(endpoint: LmtpEndpoint, transport: Transport, clientAddress: string) {
    this.#endpoint = endpoint;
    this.#config = endpoint.config;
    this.#transport = transport;
    this.log = endpoint.log.child({ conn: `lmtp-${this.id}`, client: clientAddress });
    this.#shutdown = new Promise((resolve) => {
      this.#signalShutdown = () => resolve("shutdown");
    });
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /** Bytes that arrived with the connection (after a PROXY header). */
  push(head: Uint8Array): void {
    this.#reader.push(head);
  }

  async run(): Promise<void> {
    this.log.debug("connected");
    try {
      this.#reply(220, null, `${this.#config.hostname} LMTP server ready`);
      await this.#loop();
    } catch (err) {
      if (this.#config.ioErrors || this.#config.debug) {
        this.log.error("connection failed", { reason: (err as Error).message });
      }
    } finally {
      this.#transport.close();
      this.log.debug("disconnected");
      this.#resolveDone();
    }
  }

  /** Ends the session once the transaction in flight (if any) is answered. */
  shutdown(): void {
    this.#closing = true;
    if (!this.#inTransaction) this.#signalShutdown();
  }

  /** Cuts the connection now. */
  abort(): void {
    this.#transport.close();
  }

  async #loop(): Promise<void> {
    for (;;) {
      const r = this.#reader.readLine();
      if (r.kind === "need-more") {
        await this.#flush();
        if (this.#closing && !this.#inTransaction) return await this.#bye();
        const input = await this.#read();
        if (input === "eof") return;
        if (input === "timeout") {
          this.#reply(421, "4.4.2", `${this.#config.hostname} Timeout, closing connection`);
          return await this.#flush();
        }
        if (input === "shutdown") return await this.#bye();
        continue;
      }
      if (r.kind === "too-long") {
        this.#reply(500, "5.5.2", "Line too long");
        if (await this.#countError()) return;
        continue;
      }
      if (this.#config.ioDebug) this.log.trace("C", r.text);
      const quit = await this.#command(r.text);
      if (quit) return await this.#flush();
      if (this.#errors >= MAX_ERRORS) {
        this.#reply(421, "4.7.0", "Too many errors, closing connection");
        return await this.#flush();
      }
    }
  }

  async #bye(): Promise<void> {
    this.#reply(421, "4.3.2", `${this.#config.hostname} Service shutting down`);
    await this.#flush().catch(() => {});
  }

  async #countError(): Promise<boolean> {
    this.#errors++;
    if (this.#errors < MAX_ERRORS) return false;
    this.#reply(421, "4.7.0", "Too many errors, closing connection");
    await this.#flush();
    return true;
  }

  /** Reads more input into the reader. */
  async #read(): Promise<Input> {
    const read = this.#pendingRead ?? this.#transport.read();
    this.#pendingRead = read;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.#config.timeoutMs);
    });
    const waits: Promise<Uint8Array | null | "timeout" | "shutdown">[] = [read, timeout];
    if (!this.#inTransaction) waits.push(this.#shutdown);
    try {
      const got = await Promise.race(waits);
      if (got === "timeout" || got === "shutdown") return got;
      this.#pendingRead = null;
      if (got === null) return "eof";
      this.#reader.push(got);
      return "data";
    } finally {
      clearTimeout(timer);
    }
  }

  #reply(code: number, enhanced: string | null, text: string): void {
    const line = enhanced ? `${code} ${enhanced} ${text}` : `${code} ${text}`;
    if (this.#config.ioDebug) this.log.trace("S", line);
    this.#out.push(line + "\r\n");
  }

  #replyMulti(code: number, lines: string[]): void {
    lines.forEach((text, i) => {
      const line = `${code}${i === lines.length - 1 ? " " : "-"}${text}`;
      if (this.#config.ioDebug) this.log.trace("S", line);
      this.#out.push(line + "\r\n");
    });
  }

  async #flush(): Promise<void> {
    if (this.#out.length === 0) return;
    const data = encoder.encode(this.#out.join(""));
    this.#out = [];
    await this.#transport.write([data]);
  }

  /** Handles one command line; true when the session ends. */
  async #command(line: string): Promise<boolean> {
    const space = line.indexOf(" ");
    const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const arg = space < 0 ? "" : line.slice(space + 1);
    switch (verb) {
      case "LHLO":
        return this.#lhlo(arg);
      case "HELO":
      case "EHLO":
        // RFC 2033 §4.1: LMTP clients greet with LHLO.
        this.#reply(500, "5.5.1", "This is an LMTP server: use LHLO");
        this.#errors++;
        return false;
      case "MAIL":
        this.#mail(arg);
        return false;
      case "RCPT":
        await this.#rcpt(arg);
        return false;
      case "DATA":
        return await this.#data(arg);
      case "RSET":
        this.#tx = null;
        this.#reply(250, "2.0.0", "OK");
        return false;
      case "NOOP":
        this.#reply(250, "2.0.0", "OK");
        return false;
      case "VRFY":
        // RFC 5321 §3.5.3: 252 when the server will not verify.
        this.#reply(252, "2.5.0", "Cannot VRFY user, but will try delivery");
        return false;
      case "HELP":
        this.#reply(214, "2.0.0", "Commands: LHLO MAIL RCPT DATA RSET NOOP VRFY QUIT");
        return false;
      case "QUIT":
        this.#reply(221, "2.0.0", `${this.#config.hostname} Bye`);
        return true;
      case "BDAT":
      case "STARTTLS":
      case "AUTH":
      case "ETRN":
      case "EXPN":
      case "TURN":
        this.#reply(502, "5.5.1", `${verb} is not implemented`);
        this.#errors++;
        return false;
      default:
        this.#reply(500, "5.5.2", "Unknown command");
        this.#errors++;
        return false;
    }
  }

  #lhlo(arg: string): boolean {
    if (arg.trim() === "") {
      this.#reply(501, "5.5.4", "LHLO needs a host name");
      this.#errors++;
      return false;
    }
    this.#greeted = true;
    this.#tx = null;
    this.#replyMulti(250, [
      this.#config.hostname,
      "PIPELINING",
      "ENHANCEDSTATUSCODES",
      "8BITMIME",
      "SMTPUTF8",
      `SIZE ${this.#config.maxMessageSize}`,
    ]);
    return false;
  }

  #mail(arg: string): void {
    if (!this.#greeted) return this.#badSequence("Send LHLO first");
    if (this.#tx) return this.#badSequence("Nested MAIL command");
    const parsed = parsePath(arg, "FROM");
    if (!parsed) {
      this.#errors++;
      return this.#reply(501, "5.5.4", "Syntax: MAIL FROM:<address> [parameters]");
    }
    for (const [key, value] of parsed.params) {
      if (key === "SIZE") {
        if (!/^\d{1,15}$/.test(value ?? "")) {
          return this.#reply(501, "5.5.4", "SIZE needs a number");
        }
        // RFC 1870 §6: refuse at MAIL a message the client declares too big.
        if (Number(value) > this.#config.maxMessageSize) {
          return this.#reply(
            552,
            "5.3.4",
            `Message size exceeds the limit of ${this.#config.maxMessageSize} bytes`,
          );
        }
      } else if (key === "BODY") {
        const body = (value ?? "").toUpperCase();
        if (body !== "7BIT" && body !== "8BITMIME") {
          return this.#reply(555, "5.5.4", `Unsupported BODY=${value ?? ""}`);
        }
      } else if (key !== "SMTPUTF8") {
        return this.#reply(555, "5.5.4", `Unsupported parameter ${key}`);
      }
    }
    this.#tx = { sender: parsed.address, recipients: [] };
    this.#reply(250, "2.1.0", "Sender OK");
  }

  async #rcpt(arg: string): Promise<void> {
    const tx = this.#tx;
    if (!tx) return this.#badSequence("Send MAIL first");
    const parsed = parsePath(arg, "TO");
    if (!parsed || parsed.address === "") {
      this.#errors++;
      return this.#reply(501, "5.5.4", "Syntax: RCPT TO:<address>");
    }
    if (parsed.params.length > 0) {
      return this.#reply(555, "5.5.4", `Unsupported parameter ${parsed.params[0][0]}`);
    }
    if (tx.recipients.length >= this.#config.maxRecipients) {
      // RFC 5321 §4.5.3.1.10: the client sends the rest in another transaction.
      return this.#reply(452, "4.5.3", "Too many recipients");
    }
    let rcpt: Recipient | null;
    try {
      rcpt = await this.#endpoint.delivery.resolve(parsed.address);
    } catch (err) {
      this.log.error("recipient lookup failed", {
        rcpt: parsed.address,
        reason: (err as Error).message,
      });
      return this.#reply(
        451,
        "4.3.0",
        "Temporary failure looking up the recipient, try again later",
      );
    }
    if (!rcpt) {
      this.log.debug("unknown recipient", { rcpt: parsed.address });
      return this.#reply(550, "5.1.1", `No such user here: <${parsed.address}>`);
    }
    tx.recipients.push(rcpt);
    this.#reply(250, "2.1.5", "Recipient OK");
  }

  #badSequence(text: string): void {
    this.#errors++;
    this.#reply(503, "5.5.1", text);
  }

  async #data(arg: string): Promise<boolean> {
    const tx = this.#tx;
    if (arg.trim() !== "") {
      this.#errors++;
      this.#reply(501, "5.5.4", "DATA takes no parameters");
      return false;
    }
    if (!tx) {
      this.#badSequence("Send MAIL first");
      return false;
    }
    // RFC 2033 §4.2: DATA with no accepted recipient fails with 503.
    if (tx.recipients.length === 0) {
      this.#badSequence("No valid recipients");
      return false;
    }
    this.#inTransaction = true;
    try {
      this.#reply(354, null, "Start mail input; end with <CRLF>.<CRLF>");
      await this.#flush();
      this.#reader.beginData(this.#config.maxMessageSize);
      let result = this.#reader.readData();
      while (result.kind === "need-more") {
        const input = await this.#read();
        if (input === "eof" || input === "shutdown") return true;
        if (input === "timeout") {
          this.#reply(421, "4.4.2", `${this.#config.hostname} Timeout, closing connection`);
          return true;
        }
        result = this.#reader.readData();
      }
      this.#tx = null;
      if (this.#config.ioDebug) this.log.trace("C", `<message text, ${result.size} bytes>`);
      if (result.content === null) {
        for (const _ of tx.recipients) {
          this.#reply(
            552,
            "5.3.4",
            `Message size exceeds the limit of ${this.#config.maxMessageSize} bytes`,
          );
        }
        return false;
      }
      await this.#deliver(tx, result.content);
      return false;
    } finally {
      this.#inTransaction = false;
      if (this.#closing) this.#signalShutdown();
    }
  }

  /** Stores the message for every recipient, then replies once per recipient, in RCPT order. */
  async #deliver(tx: Transaction, content: Uint8Array): Promise<void> {
    const delivery = this.#endpoint.delivery;
    const outcomes = await Promise.all(
      tx.recipients.map((r) => delivery.deliver(tx.sender, r, content)),
    );
    tx.recipients.forEach((rcpt, i) => {
      const o = outcomes[i];
      this.#logOutcome(tx, rcpt, o, content.length);
      const [code, enhanced, text] = replyFor(o, rcpt);
      this.#reply(code, enhanced, text);
    });
    try {
      await this.#flush();
    } catch (err) {
      // The MTA will retry: remember what was stored so the retry is not stored twice.
      for (let i = 0; i < outcomes.length; i++) {
        const o = outcomes[i];
        if (o.ok) {
          await delivery.unacknowledged(tx.sender, tx.recipients[i], o.mailbox, content);
        }
      }
      throw err;
    }
  }

  #logOutcome(tx: Transaction, rcpt: Recipient, o: DeliveryOutcome, size: number): void {
    const fields = {
      from: tx.sender,
      rcpt: rcpt.address,
      account: rcpt.account.accountName,
      size,
    };
    if (o.ok) {
      this.log.info(o.duplicate ? "delivered (retry of an unacknowledged delivery)" : "delivered", {
        ...fields,
        mailbox: o.mailbox,
        uid: o.uid,
      });
    } else {
      this.log.error("delivery failed", { ...fields, reason: o.reason });
    }
  }
}

/** The LMTP reply for one recipient's outcome. */
export function replyFor(o: DeliveryOutcome, rcpt: Recipient): [number, string, string] {
  if (o.ok) return [250, "2.0.0", `<${rcpt.address}> delivered`];
  switch (o.kind) {
    case "too-big":
      return [552, "5.3.4", `<${rcpt.address}> message too big for the mailbox`];
    case "over-quota":
      return [452, "4.2.2", `<${rcpt.address}> mailbox is full`];
    case "temporary":
      return [
        451,
        "4.3.0",
        `<${rcpt.address}> temporary failure storing the message, try again later`,
      ];
  }
}

/**
 * `FROM:<path> params` / `TO:<path> params` (RFC 5321 §4.1.2). A space
 * after the colon is accepted, as most servers do. A source route
 * (`<@a,@b:user@c>`) is dropped (RFC 5321 §4.1.2 says to ignore it).
 */
export function parsePath(
  arg: string,
  keyword: "FROM" | "TO",
): { address: string; params: [string, string | null][] } | null {
  if (arg.slice(0, keyword.length + 1).toUpperCase() !== `${keyword}:`) return null;
  const rest = arg.slice(keyword.length + 1).trimStart();
  if (!rest.startsWith("<")) return null;
  const close = rest.indexOf(">");
  if (close < 0) return null;
  let address = rest.slice(1, close);
  if (address.startsWith("@")) {
    const colon = address.indexOf(":");
    if (colon < 0) return null;
    address = address.slice(colon + 1);
  }
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c < 0x21 || c === 0x7f || c === 0x3c) return null;
  }
  const params: [string, string | null][] = [];
  for (const word of rest.slice(close + 1).split(" ")) {
    if (word === "") continue;
    const eq = word.indexOf("=");
    params.push(
      eq < 0 ? [word.toUpperCase(), null] : [word.slice(0, eq).toUpperCase(), word.slice(eq + 1)],
    );
  }
  return { address, params };
}
