/**
 * What a command handler sees of its connection: the response encoder, the
 * session state, the endpoint's services, and the few I/O steps a command
 * may take inside itself (a continuation request, one more client line,
 * waiting for input during IDLE, switching the transport after the tagged
 * OK). The connection implements it; handlers never import the connection,
 * so command_table → handlers → context has no way back to the table.
 */
import type { ResponseEncoder } from "../wire/encoder.ts";
import type { ResponseCode } from "../protocol/response.ts";
import type { Logger } from "../log.ts";
import type { Endpoint } from "./endpoint.ts";
import type { SessionState } from "./session.ts";
import type { Transport } from "../net/transport.ts";

/** What a handler may add to its tagged OK. */
export interface Completion {
  code?: ResponseCode;
  /** Text after the code; defaults to "<NAME> completed". */
  text?: string;
  /** Runs after the tagged OK is on the wire (STARTTLS, COMPRESS). */
  after?: () => Promise<void>;
}

export interface CommandContext {
  /** Where responses are built; the connection writes them out in batches. */
  readonly enc: ResponseEncoder;
  /** The tag of the command running ("*" outside a command), for ESEARCH (RFC 4731 §3.1). */
  readonly tag: string;
  readonly log: Logger;
  /** The endpoint's config slice and services (login, storage, TLS, SASL). */
  readonly endpoint: Endpoint;
  readonly clientAddress: string;
  /** Whether the transport is TLS. */
  readonly secure: boolean;
  /** Whether plain-text credentials may be sent now (insecure_auth or TLS). */
  readonly cleartextAllowed: boolean;
  /** The transport in use (COMPRESS checks whether it already compresses). */
  readonly transport: Transport;
  /** The session state; handlers move it (LOGIN, SELECT, CLOSE ...). */
  state: SessionState;

  /** Writes what is buffered. */
  flush(): Promise<void>;
  /**
   * Writes when enough output has accumulated (long responses); nothing to
   * await otherwise, so a loop over 100,000 messages need not wait a promise
   * turn per message.
   */
  maybeFlush(): Promise<void> | void;
  /**
   * Up to `max` whole commands (lines without literals) the client has
   * already sent after the running one. They are not consumed: each still
   * runs in its turn. FETCH reads ahead for them (fetch_read_ahead.ts).
   */
  pipelined(max: number): Uint8Array[];
  /** Sends "+ text" and flushes. */
  continuation(text: string): Promise<void>;
  /** Reads one more client line inside a command (SASL, IDLE's DONE); null at end of stream. */
  readLine(timeoutMs?: number): Promise<Uint8Array | null>;
  /** Waits for input or `signal`, whichever comes first (IDLE). */
  waitInput(signal: Promise<void>, timeoutMs: number): Promise<"input" | "signal" | "eof">;
  /** Picks up changes other processes made to the selected mailbox. */
  pollMailbox(): Promise<void>;
  /**
   * Ends the session: the state becomes "logout" at once (so no mailbox
   * update is written after this), the tagged reply goes out, the
   * connection closes. The caller writes the BYE first.
   */
  endSession(): void;
  /**
   * Replaces the transport (from a Completion's `after`): `make` gets the
   * current one and the bytes read past the command.
   */
  switchTransport(
    make: (current: Transport, buffered: Uint8Array) => Promise<Transport>,
  ): Promise<void>;
}
