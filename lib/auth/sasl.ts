/**
 * SASL server mechanisms as small state machines, with no I/O. The IMAP
 * layer decodes base64 and handles `*` cancellation (RFC 3501 §6.2.2); a
 * mechanism sees decoded bytes only.
 *
 * Protocol: call `step(null)` when the client sent no initial response, or
 * `step(bytes)` with its initial response (SASL-IR, RFC 4959); then call
 * `step(bytes)` with each client response to a challenge. A mechanism ends
 * with `done` or `error` and refuses further steps.
 */

export type SaslMechanismName = "PLAIN" | "LOGIN";

export type SaslStep =
  | { kind: "challenge"; data: Uint8Array }
  | { kind: "done"; authzid: string; username: string; password: string }
  | { kind: "error"; message: string };

export interface SaslMechanism {
  readonly name: SaslMechanismName;
  step(response: Uint8Array | null): SaslStep;
}

export function createSaslMechanism(name: SaslMechanismName): SaslMechanism {
  switch (name) {
    case "PLAIN":
      return new PlainMechanism();
    case "LOGIN":
      return new LoginMechanism();
  }
  throw new RangeError(`Unknown SASL mechanism ${JSON.stringify(name)}`);
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * PLAIN (RFC 4616 §2): `[authzid] NUL authcid NUL passwd`, UTF-8, with
 * authcid and passwd non-empty and no NUL inside any field. Whether the
 * authzid may be used is the authenticator's decision, not the mechanism's.
 */
class PlainMechanism implements SaslMechanism {
  readonly name = "PLAIN";
  #state: "start" | "waiting" | "finished" = "start";

  step(response: Uint8Array | null): SaslStep {
    switch (this.#state) {
      case "start":
        // A zero-length initial response ("=" in SASL-IR) carries no
        // credentials; treat it as no initial response and ask with an empty
        // challenge (RFC 4422 §5: the server's first challenge may be empty).
        if (response === null || response.length === 0) {
          this.#state = "waiting";
          return { kind: "challenge", data: EMPTY };
        }
        return this.#finish(response);
      case "waiting":
        return this.#finish(response ?? EMPTY);
      case "finished":
        return { kind: "error", message: "PLAIN exchange is already finished" };
    }
  }

  #finish(message: Uint8Array): SaslStep {
    this.#state = "finished";
    const text = decodeUtf8(message);
    if (text === null) return { kind: "error", message: "PLAIN message is not valid UTF-8" };
    const fields = text.split("\0");
    if (fields.length !== 3) {
      return {
        kind: "error",
        message: "PLAIN message must have exactly three NUL-separated fields",
      };
    }
    const [authzid, username, password] = fields;
    if (username === "") {
      return { kind: "error", message: "PLAIN authentication identity is empty" };
    }
    if (password === "") return { kind: "error", message: "PLAIN password is empty" };
    return { kind: "done", authzid, username, password };
  }
}

/**
 * LOGIN (draft-murchison-sasl-login-00, obsolete but de facto): the server
 * asks "Username:" then "Password:"; each response is the bare value. An
 * initial response, where a client sends one, is the username.
 */
class LoginMechanism implements SaslMechanism {
  readonly name = "LOGIN";
  #state: "start" | "username" | "password" | "finished" = "start";
  #username = "";

  step(response: Uint8Array | null): SaslStep {
    switch (this.#state) {
      case "start":
        if (response === null || response.length === 0) {
          this.#state = "username";
          return { kind: "challenge", data: encoder.encode("Username:") };
        }
        return this.#takeUsername(response);
      case "username":
        return this.#takeUsername(response ?? EMPTY);
      case "password": {
        this.#state = "finished";
        const password = decodeUtf8(response ?? EMPTY);
        if (password === null) {
          return { kind: "error", message: "LOGIN password is not valid UTF-8" };
        }
        if (password === "") return { kind: "error", message: "LOGIN password is empty" };
        return { kind: "done", authzid: "", username: this.#username, password };
      }
      case "finished":
        return { kind: "error", message: "LOGIN exchange is already finished" };
    }
  }

  #takeUsername(response: Uint8Array): SaslStep {
    const username = decodeUtf8(response);
    if (username === null || username === "" || username.includes("\0")) {
      this.#state = "finished";
      return { kind: "error", message: "LOGIN username is empty or malformed" };
    }
    this.#username = username;
    this.#state = "password";
    return { kind: "challenge", data: encoder.encode("Password:") };
  }
}
