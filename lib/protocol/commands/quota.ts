/**
 * QUOTA (RFC 9208 §4.1): GETQUOTA, GETQUOTAROOT, SETQUOTA, and the QUOTA
 * and QUOTAROOT responses.
 *
 *   getquota      = "GETQUOTA" SP quota-root-name
 *   getquotaroot  = "GETQUOTAROOT" SP mailbox
 *   setquota      = "SETQUOTA" SP quota-root-name SP setquota-list
 *   setquota-list = "(" [setquota-resource *(SP setquota-resource)] ")"
 *   setquota-resource = resource-name SP resource-limit
 *   quota-root-name = astring
 */
import type { ResponseEncoder } from "../../wire/encoder.ts";
import { type CommandParser, ParseError } from "../../wire/parser.ts";

export interface GetQuotaArgs {
  root: string;
}

export interface GetQuotaRootArgs {
  mailbox: string;
}

export interface SetQuotaArgs {
  root: string;
  /** Resource names upper case, with their limits. */
  limits: { resource: string; limit: number }[];
}

export function parseGetQuota(p: CommandParser): GetQuotaArgs {
  p.sp();
  const root = p.astring();
  p.end();
  return { root };
}

export function parseGetQuotaRoot(p: CommandParser): GetQuotaRootArgs {
  p.sp();
  const mailbox = p.astring();
  p.end();
  return { mailbox };
}

export function parseSetQuota(p: CommandParser): SetQuotaArgs {
  p.sp();
  const root = p.astring();
  p.sp();
  const limits = p.list(() => {
    // resource-name = "STORAGE" / "MESSAGE" / "MAILBOX" / "ANNOTATION-STORAGE" / resource-name-ext
    const resource = p.atom().toUpperCase();
    p.sp();
    // resource-limit = number64
    return { resource, limit: p.number64() };
  });
  p.end();
  const seen = new Set<string>();
  for (const { resource } of limits) {
    if (seen.has(resource)) throw new ParseError(`Resource ${resource} given twice`);
    seen.add(resource);
  }
  return { root, limits };
}

/** One resource of a quota root: its usage and limit, in the resource's units. */
export interface QuotaResource {
  name: "STORAGE" | "MESSAGE";
  usage: number;
  limit: number;
}

/**
 * quota-response = "QUOTA" SP quota-root-name SP quota-list
 * quota-list = "(" quota-resource *(SP quota-resource) ")"
 * quota-resource = resource-name SP resource-usage SP resource-limit
 */
export function writeQuota(
  enc: ResponseEncoder,
  root: string,
  resources: readonly QuotaResource[],
): void {
  enc.untagged().atom("QUOTA").sp().astring(root).sp().open();
  resources.forEach((r, i) => {
    if (i > 0) enc.sp();
    enc.atom(r.name).sp().number(r.usage).sp().number(r.limit);
  });
  enc.close().crlf();
}

/**
 * quotaroot-response = "QUOTAROOT" SP mailbox *(SP quota-root-name);
 * `mailbox` is the name as it goes on the wire.
 */
export function writeQuotaRoot(enc: ResponseEncoder, mailbox: string, roots: readonly string[]) {
  enc.untagged().atom("QUOTAROOT").sp().astring(mailbox);
  for (const r of roots) enc.sp().astring(r);
  enc.crlf();
}
