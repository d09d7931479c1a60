/**
 * One client connection: the greeting, the read loop over the incremental
 * command reader, dispatch through the command table (state check before
 * parsing, parsing before semantics), pending mailbox updates before each
 * tagged reply, batched writes, timeouts, STARTTLS and shutdown.
 */
import { CommandReader, type CommandReaderLimits } from "../wire/command_reader.ts";
import { CommandParser, decodeUtf8, ParseError } from "../wire/parser.ts";
import { ResponseEncoder } from "../wire/encoder.ts";
import { type CommandHead, nameOf, parseCommandHead, tagOf } from "../protocol/command.ts";
import { ImapError } from "../protocol/errors.ts";
import { StoreError } from "../store/mail_store.ts";
import type { Transport } from "../net/transport.ts";
import type { Logger } from "../log.ts";
import type { SessionState } from "./session.ts";
import { COMMANDS } from "./command_table.ts";
import type { CommandContext, Completion } from "./context.ts";
import { type ResponseCode, type Status, writeStatus } from "../protocol/response.ts";
import type { Endpoint } from "./endpoint.ts";
import { capabilities } from "./capabilities.ts";
import { utf8Names } from "./access.ts";
import { refreshContexts } from "./search_context.ts";
import { appendLimitForCommand, largestAppendLimit } from "./append_limit.ts";
import { CompressionError } from "./compress.ts";
import { writeBetweenCommands, writePending } from "./notify_delivery.ts";

/** Flush the encoder to the socket once this much is buffered (streaming FETCH). */
const FLUSH_AT = 256 * 1024;

let nextConnectionId = 1;

export class Connection implements CommandContext {
  readonly id = nextConnectionId++;
  readonly endpoint: Endpoint;
  readonly clientAddress: string;
  readonly log: Logger;
  transport: Transport;
  state: SessionState = { kind: "not-authenticated", failedLogins: 0 };
  readonly enc = new ResponseEncoder();
  /** The tag of the command being executed (CommandContext.tag). */
  tag = "*";
  readonly reader: CommandReader;
  #busy = false;
  #logout = false;
  /** The last write (a BYE) that must reach the client before the close. */
  #finalWrite: Promise<void> | null = null;
  #commands = 0;
  /** The command being answered, for metrics: its name (UNKNOWN when not one of ours) and start. */
  #current: { name: string; start: number } = { name: "UNKNOWN", start: 0 };
  #closing = false;
  #closed = false;
  #readPending: Promise<Uint8Array | null> | null = null;
  /** Whether `#readPending` has settled. */
  #readSettled = false;
  /** Called once when `#readPending` settles: wakes a `waitInput()` that waits for it. */
  #inputWake: (() => void) | null = null;
  /** When an unauthenticated connection is closed: login_timeout after connect (or UNAUTHENTICATE). */
  #loginDeadline: number;
  /** The APPEND ceiling the reader was last given after login (null: not yet logged in). */
  #appliedCeiling: number | null = null;
  /** A BYE to send, and then close, after the current command's tagged reply. */
  #byeAfterReply: string | null = null;
  /** Resolves when `run()` ends. */
  readonly done: Promise<void>;
  #resolveDone!: () => void;

  /** `acceptedAt`: when the socket was accepted; login_timeout runs from then. */
  constructor(
    endpoint: Endpoint,
    transport: Transport,
    clientAddress: string,
    acceptedAt = Date.now(),
  ) {
    this.endpoint = endpoint;
    this.transport = transport;
    this.clientAddress = clientAddress;
    this.log = endpoint.log.child({ conn: this.id, client: clientAddress });
    const cfg = endpoint.config;
    this.reader = new CommandReader(this.#limitsBeforeLogin());
    this.#loginDeadline = acceptedAt + cfg.loginTimeoutMs;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /** The reader's limits before login (and again after UNAUTHENTICATE). */
  #limitsBeforeLogin(): CommandReaderLimits {
    const cfg = this.endpoint.config;
    return {
      maxLine: cfg.maxLineLength,
      maxLiteral: Math.max(cfg.appendLimit, cfg.maxLineLength),
      maxCommand: Math.max(cfg.maxCommandSizeBeforeLogin, cfg.maxLineLength),
      commandLimit: undefined,
    };
  }

  get secure(): boolean {
    return this.transport.secure;
  }

  /** Whether plain-text credentials may be sent now (insecure_auth or TLS). */
  get cleartextAllowed(): boolean {
    return this.secure || this.endpoint.config.insecureAuth;
  }

  async run(): Promise<void> {
    this.log.debug("connected", { secure: this.secure });
    try {
      writeStatus(
        this.enc,
        null,
        "OK",
        { code: "CAPABILITY", capabilities: capabilities(this) },
        "IMAP4rev1 server ready",
      );
      await this.flush();
      await this.#loop();
    } catch (err) {
      if (err instanceof CompressionError) {
        // RFC 4978 leaves no way to resynchronise a broken deflate stream.
        this.log.info("closing connection: invalid compressed input", {
          reason: err.message,
        });
        this.#sayByeAndClose("Invalid compressed data");
      } else if (this.endpoint.config.ioErrors || this.log.debugEnabled) {
        this.log.error("I/O error", { reason: (err as Error).message });
      }
    } finally {
      await this.#finalWrite;
      this.#cleanup();
      this.log.debug("disconnected");
      this.#resolveDone();
    }
  }

  /** Starts a graceful stop: BYE now when idle, else after the command in flight. */
  shutdown(): void {
    if (this.#closed) return;
    this.#closing = true;
    const s = this.state;
    const idling = (s.kind === "authenticated" || s.kind === "selected") && s.idling;
    if (!this.#busy || idling) this.#sayByeAndClose("Server shutting down");
  }

  /** Ends the connection at once. */
  abort(): void {
    this.#closing = true;
    this.transport.close();
  }

  async flush(): Promise<void> {
    const chunks = this.enc.take();
    if (chunks.length === 0 || this.#closed) return;
    if (this.endpoint.config.ioDebug) {
      for (const c of chunks) this.#trace("S", c);
    }
    await this.transport.write(chunks);
  }

  /** Commands the client sent after the running one, already here (see CommandContext). */
  pipelined(max: number): Uint8Array[] {
    return this.reader.peekCommands(max);
  }

  /** Flushes when enough output has accumulated (for long responses). */
  maybeFlush(): Promise<void> | void {
    if (this.enc.size >= FLUSH_AT) return this.flush();
  }

  /**
   * Picks up changes other processes (the admin CLI) made to the selected
   * mailbox; in-process changes arrive through the store's watch() already.
   */
  async pollMailbox(): Promise<void> {
    if (this.state.kind !== "selected") return;
    await this.state.user.account.poll(this.state.mailbox.info.id);
  }

  /** Sends a continuation request "+ text" and flushes. */
  async continuation(text: string): Promise<void> {
    this.enc.continuation(text);
    await this.flush();
  }

  /**
   * Reads one more line from the client inside a command (AUTHENTICATE
   * responses, IDLE's DONE). Null at end of stream.
   */
  async readLine(timeoutMs?: number): Promise<Uint8Array | null> {
    for (;;) {
      const r = this.reader.next();
      if (r.kind === "command") return r.bytes;
      if (r.kind === "continue") {
        // A literal inside a SASL exchange or IDLE is not valid. The client may
        // send its data regardless (it could be a password): none of it may
        // run as a command, so the connection ends after the answer.
        this.reader.rejectLiteral();
        this.#limitHit("literal inside a continuation", r.size);
        this.#byeAfterReply = "Literals are not allowed here";
        throw new ImapError("BAD", "Literals are not allowed here");
      }
      if (r.kind === "line-too-long" || r.kind === "literal-too-big") {
        // A fatal literal stopped the reader: nothing more can be read.
        if (r.kind === "literal-too-big" && r.fatal) {
          this.#byeAfterReply = "Command too big; closing the connection";
        }
        this.#limitHit("line too long inside a continuation", null);
        throw new ImapError("BAD", "Line too long", "TOOBIG");
      }
      await this.flush();
      const chunk = await this.#read(timeoutMs);
      if (chunk === null) return null;
      this.reader.push(chunk);
    }
  }

  /** Waits for the next input chunk or `signal`, whichever comes first (IDLE). */
  async waitInput(signal: Promise<void>, timeoutMs: number): Promise<"input" | "signal" | "eof"> {
    if (this.reader.buffered > 0) return "input";
    const read = this.#readOnce(timeoutMs);
    if (!this.#readSettled) {
      // IDLE calls this every polling tick while one read stays pending for
      // minutes: racing `read` itself would add a reaction to it per tick,
      // kept until the client speaks (memory growing with idle time). The read
      // has one reaction (#readOnce); each wait races a promise of its own.
      const arrived = new Promise<"input">((resolve) => {
        this.#inputWake = () => resolve("input");
      });
      const which = await Promise.race([arrived, signal.then(() => "signal" as const)]);
      this.#inputWake = null;
      if (which === "signal") return "signal";
    }
    const chunk = await read;
    this.#readPending = null;
    if (chunk === null) return "eof";
    this.reader.push(chunk);
    return "input";
  }

  #readOnce(timeoutMs?: number): Promise<Uint8Array | null> {
    if (!this.#readPending) {
      const read = this.#readWithTimeout(timeoutMs);
      this.#readPending = read;
      this.#readSettled = false;
      const settled = () => {
        if (this.#readPending !== read) return;
        this.#readSettled = true;
        this.#inputWake?.();
      };
      read.then(settled, settled);
    }
    return this.#readPending;
  }

  async #read(timeoutMs?: number): Promise<Uint8Array | null> {
    const chunk = await this.#readOnce(timeoutMs);
    this.#readPending = null;
    return chunk;
  }

  async #readWithTimeout(timeoutMs?: number): Promise<Uint8Array | null> {
    const cfg = this.endpoint.config;
    // Before login, login_timeout is a deadline from connect, not a silence
    // timer: a byte now and then must not keep a connection open.
    const unauthenticated = this.state.kind === "not-authenticated";
    const loginLeft = Math.max(0, this.#loginDeadline - Date.now());
    let ms = timeoutMs ?? (unauthenticated ? loginLeft : cfg.autologoutMs);
    if (unauthenticated) ms = Math.min(ms, loginLeft);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), ms);
    });
    try {
      const result = await Promise.race([this.transport.read(), timeout]);
      if (result === "timeout") {
        if (this.state.kind === "not-authenticated") {
          this.log.info("closing connection: no login within login_timeout", {
            login_timeout_ms: cfg.loginTimeoutMs,
          });
          this.#sayByeAndClose("Login timeout; no login in time");
        } else {
          this.log.info("autologout: idle for too long");
          this.#sayByeAndClose("Autologout; idle for too long");
        }
        return null;
      }
      // The transport reuses its buffer until its next read. Every caller
      // pushes the chunk into the reader (which copies it) before reading
      // again, and a pending read is shared, never repeated (#readOnce).
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  async #loop(): Promise<void> {
    while (!this.#closing) {
      const r = this.reader.next();
      switch (r.kind) {
        case "need-more": {
          await this.flush();
          const s = this.state;
          const notify = (s.kind === "authenticated" || s.kind === "selected") ? s.notify : null;
          if (notify && this.reader.buffered === 0) {
            // NOTIFY (RFC 5465 §3): notifications go out between commands too.
            const what = await this.waitInput(
              notify.waitForChange(),
              this.endpoint.config.autologoutMs,
            );
            if (what === "eof") return;
            if (what === "signal" && !this.#closing) {
              await writeBetweenCommands(this);
              await this.flush();
            }
            break;
          }
          const chunk = await this.#read();
          if (chunk === null) return;
          this.reader.push(chunk);
          break;
        }
        case "command":
          await this.#execute(r.bytes);
          break;
        case "continue": {
          const name = nameOf(r.prefix);
          // RFC 7889 §3: an APPEND over its mailbox's limit is refused before the
          // client sends the message; other commands' literals are bound by the line limit.
          const limit = takesMessage(name)
            ? await this.#appendLimitFor(r.prefix, r.size)
            : this.endpoint.config.maxLineLength;
          if (r.size > limit) {
            this.reader.rejectLiteral();
            this.#refuseLiteral(r.prefix, name, r.size, false, false, takesMessage(name));
          } else {
            this.reader.acceptLiteral();
            await this.continuation("Ready for literal data");
            // The literal, often followed by its CRLF in a second write under
            // Nagle, must not wait for our delayed ACK. Only here: IDLE's and
            // SASL's answers are one line in one write, and the first call
            // looks the socket up in /proc (a cost per connection).
            this.transport.quickAck?.();
          }
          break;
        }
        case "line-too-long":
          this.#limitHit(r.whole ? "command too big" : "line too long", null);
          this.#status(
            tagOf(r.prefix),
            "BAD",
            "TOOBIG",
            r.whole ? "Command too big" : "Command line too long",
          );
          break;
        case "literal-too-big":
          this.#refuseLiteral(r.prefix, nameOf(r.prefix), r.size, r.fatal, r.whole);
          break;
      }
    }
    if (!this.#closed) this.#sayByeAndClose("Server shutting down");
  }

  /**
   * Answers a literal over a limit. RFC 7889: an APPEND over APPENDLIMIT
   * gets NO [TOOBIG]; elsewhere the literal is a protocol error (BAD
   * [TOOBIG]). The connection ends when the stream cannot be followed
   * (`fatal`: a non-synchronizing literal larger than a whole command may
   * be), and before login, where a client may send the refused data anyway
   * and that data (a password) must never run as a command.
   */
  #refuseLiteral(
    prefix: Uint8Array,
    name: string,
    size: number,
    fatal: boolean,
    whole = false,
    overAppendLimit = takesMessage(name) && size > this.#appendCeiling(),
  ) {
    const tag = tagOf(prefix);
    this.#limitHit(whole ? "command too big" : "literal too big", size);
    if (overAppendLimit) {
      this.#status(tag, "NO", "TOOBIG", `Message of ${size} bytes exceeds the APPENDLIMIT`);
    } else if (takesMessage(name) && whole) {
      // A MULTIAPPEND (RFC 3502) is held whole until it is stored: its messages
      // together get APPENDLIMIT plus max_command_size. Nothing was appended.
      this.#status(tag, "NO", "TOOBIG", "The messages of this APPEND are too big together");
    } else if (whole) {
      this.#status(tag, "BAD", "TOOBIG", `Command with a literal of ${size} bytes is too big`);
    } else {
      this.#status(tag, "BAD", "TOOBIG", `Literal of ${size} bytes is too big`);
    }
    if (fatal) this.#sayByeAndClose("Command too big; closing the connection");
    else if (this.state.kind === "not-authenticated") {
      this.#sayByeAndClose("Literal refused before login; closing the connection");
    }
  }

  /** A log line for every limit a client hits (the logger adds the client address). */
  #limitHit(what: string, size: number | null): void {
    this.log.info(`limit: ${what}`, { size: size ?? undefined, state: this.state.kind });
  }

  /**
   * The largest APPEND this session may send: the account's largest limit
   * once logged in (it may be above the storage's `appendlimit`), else the
   * storage's.
   */
  #appendCeiling(): number {
    const s = this.state;
    return s.kind === "authenticated" || s.kind === "selected"
      ? largestAppendLimit(s.user.appendLimits)
      : this.endpoint.config.appendLimit;
  }

  /** The limit for the APPEND of `size` octets whose first bytes are `prefix` (append_limit.ts). */
  async #appendLimitFor(prefix: Uint8Array, size: number): Promise<number> {
    const s = this.state;
    if (s.kind !== "authenticated" && s.kind !== "selected") return this.#appendCeiling();
    const limit = await appendLimitForCommand(s.user, prefix, utf8Names(this), size);
    this.#updateLimits();
    return limit;
  }

  /**
   * After login, commands may be as large as max_command_size, and an APPEND
   * as large as the account's APPENDLIMIT more (RFC 7889); the literal itself
   * up to that limit. Applied again when the account's limits change.
   */
  #updateLimits(): void {
    if (this.state.kind === "not-authenticated" || this.state.kind === "logout") return;
    const ceiling = this.#appendCeiling();
    if (ceiling === this.#appliedCeiling) return;
    const cfg = this.endpoint.config;
    this.#appliedCeiling = ceiling;
    this.reader.setLimits({
      maxLiteral: Math.max(ceiling, cfg.maxLineLength),
      maxCommand: cfg.maxCommandSize,
      commandLimit: (prefix) =>
        takesMessage(nameOf(prefix)) ? cfg.maxCommandSize + ceiling : cfg.maxCommandSize,
    });
  }

  async #execute(bytes: Uint8Array): Promise<void> {
    this.#current = { name: "UNKNOWN", start: performance.now() };
    if (this.#commands++ === 0 && this.endpoint.config.proxyProtocol && startsWithProxy(bytes)) {
      // A PROXY header from a source we do not trust (see server.ts): refuse it.
      this.log.info("closing connection: PROXY header from an untrusted source");
      this.#sayByeAndClose("PROXY header from an untrusted source");
      return;
    }
    const p = new CommandParser(bytes);
    let tag = "*";
    let name = "";
    let head: CommandHead | null = null;
    try {
      head = parseCommandHead(p);
      tag = head.tag;
      name = head.name;
    } catch (err) {
      if (this.endpoint.config.ioDebug) this.log.trace("C", traceText(null, bytes));
      const t = tagOf(bytes);
      // Nothing of a line that is not a command is echoed: it may be a
      // password sent where the client expected a continuation.
      const message = (err as Error).message;
      this.#status(
        t,
        "BAD",
        undefined,
        t === "*" ? "Invalid tag" : message.includes('"') ? "Invalid command name" : message,
      );
      return;
    }
    const spec = COMMANDS.get(name);
    // Only our own command names become metric labels: a client cannot add more.
    if (spec) this.#current.name = name;
    if (this.endpoint.config.ioDebug) this.log.trace("C", traceText(spec ? head : null, bytes));
    if (!spec) {
      this.#status(tag, "BAD", undefined, `Unknown command ${sanitize(name)}`);
      return;
    }
    if (!spec.states.includes(this.state.kind)) {
      this.#status(tag, "BAD", undefined, stateMessage(this.state.kind, spec.states, name));
      return;
    }
    // RFC 9586 §3: after ENABLE UIDONLY a command that takes or returns
    // message numbers is a client error; its UID form does the same work.
    if (
      spec.sequenceNumbers && this.state.kind === "selected" && this.state.enabled.has("UIDONLY")
    ) {
      const text = `${name} uses message numbers, which UIDONLY forbids: use UID ${name}`;
      this.#status(tag, "BAD", "UIDREQUIRED", text);
      return;
    }
    this.#busy = true;
    this.tag = tag;
    let completion: Completion | void = undefined;
    try {
      const args = spec.parse(p);
      completion = await spec.handle(this, args);
      await this.#writeUpdates(!spec.holdExpunge);
      this.#status(tag, "OK", completion?.code, completion?.text ?? `${name} completed`);
    } catch (err) {
      await this.#writeUpdates(!spec.holdExpunge).catch((e) => this.#logFailure(name, e));
      this.#writeError(tag, name, err);
      completion = undefined;
    } finally {
      this.#busy = false;
      this.tag = "*";
      this.#updateLimits();
    }
    if (this.#byeAfterReply !== null) {
      this.#sayByeAndClose(this.#byeAfterReply);
      return;
    }
    if (completion?.after) {
      await this.flush();
      await completion.after();
    }
    if (this.#logout) {
      // LOGOUT (or a refusal that ends the session): the BYE is already written.
      await this.flush().catch(() => {});
      this.#closed = true;
      return;
    }
    if (this.#closing && !this.#closed) this.#sayByeAndClose("Server shutting down");
  }

  /** Sends what other sessions changed in the selected mailbox (nothing once in logout). */
  async #writeUpdates(allowExpunge: boolean): Promise<void> {
    await writePending(this, allowExpunge, true);
    // RFC 5267 §4.3: live results follow, once new messages have their numbers.
    await refreshContexts(this);
  }

  #status(tag: string | null, status: Status, code: ResponseCode | undefined, text: string): void {
    writeStatus(this.enc, tag, status, code, text);
    if (tag !== null && status !== "BYE" && status !== "PREAUTH") {
      const { name, start } = this.#current;
      this.endpoint.observer?.commandDone(
        name,
        status === "OK" ? "ok" : status === "NO" ? "no" : "bad",
        start > 0 ? (performance.now() - start) / 1000 : 0,
      );
      this.#current = { name: "UNKNOWN", start: 0 };
    }
  }

  #logFailure(name: string, err: unknown): void {
    this.log.error("command failed", {
      command: name,
      reason: (err as Error)?.stack ?? String(err),
    });
  }

  #writeError(tag: string, name: string, err: unknown): void {
    if (err instanceof ImapError) {
      if (err.code === "LIMIT" || err.code === "TOOBIG") {
        this.#limitHit(`${name}: ${err.message}`, null);
      }
      this.#status(tag, err.status, err.code, err.message);
    } else if (err instanceof ParseError) {
      // The arguments of LOGIN and AUTHENTICATE are secrets: never quoted back.
      const message = SECRET_ARGUMENTS.has(name) ? "invalid arguments" : err.message;
      this.#status(tag, "BAD", undefined, `${name}: ${message}`);
    } else if (err instanceof StoreError) {
      this.#status(tag, "NO", err.code, err.message);
    } else {
      this.#logFailure(name, err);
      this.#status(tag, "NO", "SERVERBUG", "Internal error; the command was not completed");
    }
  }

  #sayByeAndClose(text: string): void {
    if (this.#closed) return;
    this.#status(null, "BYE", undefined, text);
    const chunks = this.enc.take();
    this.#closed = true;
    this.#closing = true;
    const transport = this.transport;
    this.#finalWrite = transport.write(chunks).catch(() => {}).finally(() => transport.close());
  }

  /** Back to the not-authenticated state (UNAUTHENTICATE, RFC 8437). */
  unauthenticate(): void {
    this.#leaveSession();
    this.state = { kind: "not-authenticated", failedLogins: 0 };
    // RFC 8437 §3: as a new connection: no extension stays enabled (UTF-8
    // names, from ENABLE), the limits and the login timeout of one not
    // logged in (the timeout counted from now).
    this.enc.utf8 = false;
    this.reader.setLimits(this.#limitsBeforeLogin());
    this.#appliedCeiling = null;
    this.#loginDeadline = Date.now() + this.endpoint.config.loginTimeoutMs;
  }

  /** Ends the session after the current command's reply (LOGOUT; the caller wrote the BYE). */
  endSession(): void {
    this.#leaveSession();
    this.state = { kind: "logout" };
    this.#closing = true;
    this.#logout = true;
  }

  async switchTransport(
    make: (current: Transport, buffered: Uint8Array) => Promise<Transport>,
  ): Promise<void> {
    this.transport = await make(this.transport, this.reader.takeBuffered());
  }

  #trace(direction: "C" | "S", bytes: Uint8Array): void {
    const text = decodeUtf8(bytes.length > 4096 ? bytes.subarray(0, 4096) : bytes);
    for (const line of text.split("\r\n")) if (line) this.log.trace(direction, line);
  }

  /**
   * Lets go of what a logged-in session holds: the selected mailbox's view
   * and NOTIFY's watch of the account (which would otherwise outlive it).
   */
  #leaveSession(): void {
    if (this.state.kind === "selected") this.state.mailbox.close();
    if (this.state.kind === "authenticated" || this.state.kind === "selected") {
      this.state.notify?.stop();
    }
  }

  #cleanup(): void {
    this.#leaveSession();
    this.state = { kind: "logout" };
    this.#closed = true;
    this.transport.close();
  }
}

function startsWithProxy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && new TextDecoder().decode(bytes.subarray(0, 6)) === "PROXY ";
}

function stateMessage(
  kind: SessionState["kind"],
  allowed: readonly SessionState["kind"][],
  name: string,
): string {
  if (kind === "not-authenticated") return `${name} is not allowed before authentication`;
  if (kind === "authenticated" && allowed.includes("selected")) {
    return `${name} needs a selected mailbox`;
  }
  if (allowed.length === 1 && allowed[0] === "not-authenticated") {
    return `${name} is not allowed: already authenticated`;
  }
  return `${name} is not allowed in this state`;
}

/** Keeps a client's text safe to echo in a response line. */
function sanitize(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, "?").slice(0, 40);
}

/** Commands whose arguments are credentials. */
const SECRET_ARGUMENTS = new Set(["LOGIN", "AUTHENTICATE"]);

/**
 * What io_debug shows of a command, decided on the parsed head, not on the
 * raw text: LOGIN's arguments and AUTHENTICATE's initial response become
 * "***"; a line that is not a known command is not shown at all (it may be
 * a password sent where the client expected a continuation). Control
 * characters are escaped by the logger.
 */
export function traceText(head: CommandHead | null, bytes: Uint8Array): string {
  if (!head) return `[not a known command, ${bytes.length} bytes, not shown]`;
  if (head.name === "LOGIN") return `${head.tag} LOGIN ***`;
  if (head.name === "AUTHENTICATE") {
    const p = new CommandParser(bytes);
    parseCommandHead(p);
    let mechanism = "";
    try {
      p.sp();
      mechanism = p.atom();
    } catch { /* shown without a mechanism */ }
    return `${head.tag} AUTHENTICATE ${mechanism}${p.done ? "" : " ***"}`.trimEnd();
  }
  return decodeUtf8(bytes.length > 4096 ? bytes.subarray(0, 4096) : bytes);
}

/**
 * Commands whose literal is a message, bound by APPENDLIMIT rather than the
 * line limit: APPEND and REPLACE (RFC 8508 §3.3 takes APPEND's append-message).
 */
function takesMessage(name: string): boolean {
  return name === "APPEND" || name === "REPLACE" || name === "UID REPLACE";
}
