/**
 * An answer other than OK, as a value: handlers throw it, the connection
 * edge writes it as a tagged NO or BAD with its response code.
 */
export type ResponseCode =
  | "ALERT"
  | "AUTHENTICATIONFAILED"
  | "AUTHORIZATIONFAILED"
  | "UNAVAILABLE"
  | "PRIVACYREQUIRED"
  | "CLIENTBUG"
  | "SERVERBUG"
  | "CANNOT"
  | "LIMIT"
  | "NONEXISTENT"
  | "ALREADYEXISTS"
  | "TRYCREATE"
  | "TOOBIG"
  | "OVERQUOTA"
  | "INUSE"
  | "EXPUNGEISSUED"
  | "BADCHARSET"
  | "PARSE"
  | "NOPERM"
  | "CONTACTADMIN"
  | "EXPIRED";

export class ImapError extends Error {
  constructor(
    readonly status: "NO" | "BAD",
    message: string,
    readonly code?: ResponseCode | string,
  ) {
    super(message);
    this.name = "ImapError";
  }
}

export function no(message: string, code?: ResponseCode | string): ImapError {
  return new ImapError("NO", message, code);
}

export function bad(message: string, code?: ResponseCode | string): ImapError {
  return new ImapError("BAD", message, code);
}
