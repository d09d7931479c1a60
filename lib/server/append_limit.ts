/**
 * The APPEND limit (RFC 7889) as the server enforces and announces it. The
 * store decides the figures (a mailbox's own limit, else the account's, else
 * the storage's `appendlimit`); this module reads them for the session and
 * answers "how large may this APPEND be" for the literal gate in
 * connection.ts, before the client sends the message, and for the handler.
 */
import { CommandParser } from "../wire/parser.ts";
import { parseCommandHead } from "../protocol/command.ts";
import { mailboxFromWire } from "../protocol/mailbox_name.ts";
import {
  type AppendInput,
  appendLimitIn,
  type AppendLimits,
  largestAppendLimit,
  StoreError,
} from "../store/mail_store.ts";
import type { User } from "./session.ts";
import type { CommandContext } from "./context.ts";
import type { AppendMessage } from "../protocol/commands/append.ts";
import { bad, no } from "../protocol/errors.ts";
import { userOf, utf8Names } from "./access.ts";

/** Reads the account's limits again into the session (an admin may have changed them). */
export async function refreshAppendLimits(user: User): Promise<AppendLimits> {
  // Counted before the read: a change made during it reads them again next time.
  const at = user.account.appendLimitChanges;
  user.appendLimits = await user.account.appendLimits();
  user.appendLimitsAt = at;
  return user.appendLimits;
}

/**
 * The limit for an APPEND of `size` octets whose command starts with
 * `prefix` (its bytes up to the message literal, possibly cut short). The
 * mailbox matters only when some mailbox has a limit of its own; a name
 * that cannot be read from the prefix, or a mailbox that does not exist,
 * gets the account's limit (the command then fails on its own terms).
 *
 * A message that fits every limit the session knows, with no change made
 * through this server since they were read, is let in without asking the
 * store again: a client appending one message at a time otherwise waits for
 * a store read before each literal. Only a change made by another process
 * since then (a limit lowered from the command line while the server runs)
 * goes unseen here; the store refuses such a message with TOOBIG once it
 * has come (prepareAppends checks fresh limits).
 */
export async function appendLimitForCommand(
  user: User,
  prefix: Uint8Array,
  utf8: boolean,
  size: number,
): Promise<number> {
  if (user.appendLimitsAt === user.account.appendLimitChanges) {
    const smallest = Math.min(
      user.appendLimits.account,
      ...Object.values(user.appendLimits.mailboxes),
    );
    if (size <= smallest) return smallest;
  }
  const limits = await refreshAppendLimits(user);
  if (Object.keys(limits.mailboxes).length === 0) return limits.account;
  let name: string;
  try {
    const p = new CommandParser(prefix);
    const head = parseCommandHead(p);
    p.sp();
    // REPLACE (RFC 8508 §6): "REPLACE" SP seq-number SP mailbox append-message.
    if (head.name !== "APPEND") {
      p.atom();
      p.sp();
    }
    name = mailboxFromWire(p.astring(), utf8);
  } catch {
    return limits.account;
  }
  const info = await user.account.getMailbox(name);
  return appendLimitIn(limits, info?.id ?? null);
}

/**
 * The capability (RFC 7889 §2): `APPENDLIMIT=n` when every mailbox of the
 * account takes the same limit, `APPENDLIMIT` alone when they differ (then
 * STATUS or LIST-STATUS tells each mailbox's).
 */
export function appendLimitCapability(limits: AppendLimits): string {
  const same = Object.values(limits.mailboxes).every((l) => l === limits.account);
  return same ? `APPENDLIMIT=${limits.account}` : "APPENDLIMIT";
}

export { appendLimitIn, largestAppendLimit };

/** What the store takes of an APPEND or REPLACE message. */
export function appendInputOf(m: AppendMessage): AppendInput {
  return { content: m.content, flags: m.flags, internalDate: m.internalDate ?? undefined };
}

/**
 * Stores messages with `store`; when the store refuses one as too big (its
 * limits were lowered where this session could not see), the session's
 * limits are read again before the next literal.
 */
export async function storeMessages<T>(user: User, store: () => Promise<T>): Promise<T> {
  try {
    return await store();
  } catch (e) {
    if (e instanceof StoreError && e.code === "TOOBIG") user.appendLimitsAt = -1;
    throw e;
  }
}

/**
 * Checks the messages an APPEND or REPLACE brings for mailbox `mailboxId`
 * (null: any, when every mailbox takes the account's limit) before any is
 * stored: RFC 7889's limit as the store decides it (a synchronizing literal
 * over it was already refused before its data came, connection.ts, unless a
 * limit was lowered where the session could not see; a LITERAL+ message
 * over the limits the session knows is checked against fresh ones before it
 * is refused, and one under them but over a limit lowered meanwhile is
 * refused by the store itself), the UTF8 form only after ENABLE UTF8=ACCEPT
 * (RFC 6855 §4), and no empty message.
 */
export async function checkMessages(
  ctx: CommandContext,
  command: "APPEND" | "REPLACE",
  mailboxId: number | null,
  messages: readonly AppendMessage[],
): Promise<void> {
  const user = userOf(ctx);
  let limit = appendLimitIn(user.appendLimits, mailboxId);
  if (messages.some((m) => m.content.length > limit)) {
    limit = appendLimitIn(await refreshAppendLimits(user), mailboxId);
  }
  const utf8 = utf8Names(ctx);
  for (const [i, message] of messages.entries()) {
    const which = messages.length === 1 ? "Message" : `Message ${i + 1}`;
    if (message.form === "utf8" && !utf8) {
      throw bad(`${command} UTF8 needs ENABLE UTF8=ACCEPT first`);
    }
    if (message.content.length > limit) {
      throw no(
        `${which} of ${message.content.length} bytes exceeds the APPENDLIMIT of ${limit}`,
        "TOOBIG",
      );
    }
    if (message.content.length === 0) throw no(`${which} is empty`, "CANNOT");
  }
}
