/**
 * `imapd deliver [-f SENDER] RECIPIENT...`: delivers one message read from
 * standard input, for MTAs that pipe to a command (Postfix `pipe(8)` or
 * `mailbox_command`, OpenSMTPD `mda`, exim's pipe transport). The exit
 * status follows sysexits(3), which is how those MTAs decide between
 * retrying and bouncing:
 *
 *   0   delivered to every recipient
 *   75  EX_TEMPFAIL: the database is busy or failing, retry later
 *   67  EX_NOUSER: a recipient maps to no account (nothing was delivered)
 *   65  EX_DATAERR: the message is empty or too big
 *   64  EX_USAGE: bad arguments
 *
 * With several recipients, every one is looked up before anything is
 * stored, so an unknown recipient bounces the message cleanly. A
 * temporary failure after some recipients were stored makes the MTA retry
 * all of them: configure one recipient per delivery (Postfix:
 * `DESTINATION_destination_recipient_limit = 1`) to avoid duplicates.
 */
import { parseArgs } from "node:util";
import { concatBytes } from "../bytes.ts";
import type { Delivery, Recipient } from "../lmtp/delivery.ts";
import { usageLine } from "./help.ts";

export const EX_OK = 0;
export const EX_USAGE = 64;
export const EX_DATAERR = 65;
export const EX_NOUSER = 67;
export const EX_TEMPFAIL = 75;

export interface DeliverIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

/** Parses the arguments; null (after printing usage) when they are wrong. */
export function parseDeliverArgs(
  args: string[],
  io: DeliverIo,
): { sender: string; recipients: string[] } | null {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { from: { type: "string", short: "f" } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length === 0) throw new Error("at least one recipient is required");
    // "<>" and "" both spell the null sender of a bounce.
    let sender = values.from ?? "";
    if (sender.startsWith("<") && sender.endsWith(">")) sender = sender.slice(1, -1);
    return { sender, recipients: positionals };
  } catch (err) {
    io.stderr(`imapd deliver: ${(err as Error).message}\n${usageLine("deliver")}`);
    return null;
  }
}

/** Reads the message, at most `limit` bytes; null when it is longer. */
export async function readMessage(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array | null> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) {
      await stream.cancel().catch(() => {});
      return null;
    }
    parts.push(chunk);
  }
  return concatBytes(parts);
}

/**
 * The message as stored: a leading mbox "From " line dropped (MTAs add it
 * for mbox delivery agents; dovecot-lda drops it too), line ends made
 * CRLF.
 */
export function prepareMessage(raw: Uint8Array): Uint8Array {
  let start = 0;
  if (raw.length >= 5 && String.fromCharCode(...raw.subarray(0, 5)) === "From ") {
    const lf = raw.indexOf(10);
    start = lf < 0 ? raw.length : lf + 1;
  }
  const body = raw.subarray(start);
  let bare = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === 10 && (i === 0 || body[i - 1] !== 13)) bare++;
  }
  if (bare === 0) return body;
  const out = new Uint8Array(body.length + bare);
  let j = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === 10 && (i === 0 || body[i - 1] !== 13)) out[j++] = 13;
    out[j++] = body[i];
  }
  return out;
}

/** Delivers `raw` to every recipient; returns the exit status. */
export async function runDeliver(
  sender: string,
  recipients: string[],
  raw: Uint8Array | null,
  delivery: Delivery,
  io: DeliverIo,
): Promise<number> {
  if (raw === null) {
    io.stderr("imapd deliver: message too big (5.3.4)\n");
    return EX_DATAERR;
  }
  const message = prepareMessage(raw);
  if (message.length === 0) {
    io.stderr("imapd deliver: empty message (5.6.0)\n");
    return EX_DATAERR;
  }
  const resolved: Recipient[] = [];
  for (const address of recipients) {
    let rcpt: Recipient | null;
    try {
      rcpt = await delivery.resolve(address);
    } catch (err) {
      io.stderr(`imapd deliver: <${address}>: lookup failed: ${(err as Error).message} (4.3.0)\n`);
      return EX_TEMPFAIL;
    }
    if (!rcpt) {
      io.stderr(`imapd deliver: <${address}>: no such user here (5.1.1)\n`);
      return EX_NOUSER;
    }
    resolved.push(rcpt);
  }
  let status = EX_OK;
  for (const rcpt of resolved) {
    const o = await delivery.deliver(sender, rcpt, message);
    if (o.ok) continue;
    if (o.kind === "too-big") {
      io.stderr(`imapd deliver: <${rcpt.address}>: ${o.reason} (5.3.4)\n`);
      if (status === EX_OK) status = EX_DATAERR;
    } else {
      const code = o.kind === "over-quota" ? "4.2.2" : "4.3.0";
      io.stderr(`imapd deliver: <${rcpt.address}>: ${o.reason} (${code})\n`);
      status = EX_TEMPFAIL;
    }
  }
  return status;
}
