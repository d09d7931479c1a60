import type { CommandParser } from "../../wire/parser.ts";

/**
 * subscribe = "SUBSCRIBE" SP mailbox (RFC 3501 §6.3.6)
 * unsubscribe = "UNSUBSCRIBE" SP mailbox (§6.3.7)
 */
export interface SubscribeArgs {
  mailbox: string;
}

export function parseSubscribe(p: CommandParser): SubscribeArgs {
  p.sp();
  const mailbox = p.astring();
  p.end();
  return { mailbox };
}
