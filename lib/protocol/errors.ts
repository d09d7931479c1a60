/**
 * An answer other than OK, as a value: handlers throw it, the connection
 * edge writes it as a tagged NO or BAD with its response code.
 */
import type { ResponseCode } from "./response.ts";

export type { ResponseCode } from "./response.ts";

export class ImapError extends Error {
  constructor(
    readonly status: "NO" | "BAD",
    message: string,
    readonly code?: ResponseCode,
  ) {
    super(message);
    this.name = "ImapError";
  }
}

export function no(message: string, code?: ResponseCode): ImapError {
  return new ImapError("NO", message, code);
}

export function bad(message: string, code?: ResponseCode): ImapError {
  return new ImapError("BAD", message, code);
}
