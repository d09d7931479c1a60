/**
 * FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8): resolve the set against
 * this session's view, set \Seen when a body is read (one store call for
 * the whole set), then stream one FETCH response per message in UID
 * order, flushing as output accumulates so FETCH 1:* over a large mailbox
 * keeps memory bounded.
 */
import type { CommandContext, Completion } from "../context.ts";
import type { FetchArgs } from "../../protocol/commands/fetch.ts";
import { setsSeen } from "../../protocol/commands/fetch.ts";
import { neededFields, undecodableBinary } from "../../protocol/fetch_response.ts";
import { partialSlice } from "../../protocol/commands/search.ts";
import { bad, no } from "../../protocol/errors.ts";
import { selectedOf, userOf } from "../access.ts";
import { countUids, uidSetOf } from "../uid_set.ts";

export function handleFetch(ctx: CommandContext, args: FetchArgs): Promise<Completion | void> {
  return fetchMessages(ctx, args, false);
}

export function handleUidFetch(ctx: CommandContext, args: FetchArgs): Promise<Completion | void> {
  return fetchMessages(ctx, args, true);
}

async function fetchMessages(
  ctx: CommandContext,
  args: FetchArgs,
  uid: boolean,
): Promise<Completion | void> {
  const mailbox = selectedOf(ctx);
  let uids = mailbox.resolveSet(args.set, uid ? "uid" : "seq");
  if (args.partial) {
    // RFC 9394 §3.3: PARTIAL extends UID FETCH; it keeps the messages at
    // those positions among the ones the set names, counted in UID order.
    if (!uid) throw bad("PARTIAL is a UID FETCH modifier");
    const known = mailbox.knownUids(uids);
    const [start, end] = partialSlice(args.partial, known.length);
    uids = uidSetOf(known.slice(start, end));
  }
  if (uids.length === 0) return;
  const account = userOf(ctx).account;
  const mailboxId = mailbox.info.id;

  // RFC 3501 §6.4.5: BODY[...] (not PEEK), RFC822 and RFC822.TEXT set \Seen,
  // and the FETCH response should then carry the new FLAGS. Done before
  // reading, in one call, so the FLAGS we send are the stored ones.
  let seenSet = new Set<number>();
  if (setsSeen(args.items) && !mailbox.readOnly) {
    const result = await account.storeFlags(mailboxId, uids, "add", ["\\Seen"]);
    seenSet = new Set(result.changed.map((c) => c.uid));
  }

  const fields = neededFields(args.items);
  if (seenSet.size > 0) fields.flags = true;
  const asksFlags = args.items.some((i) => i.kind === "flags");
  const asksBinary = args.items.some((i) => i.kind === "binary" || i.kind === "binarySize");
  let expected = uid ? 0 : countUids(uids);
  for await (const record of account.fetch(mailboxId, uids, fields)) {
    const seq = mailbox.seqOf(record.uid);
    if (seq === 0) continue;
    if (!uid) expected--;
    if (asksBinary) {
      // RFC 3516 §4.5: an encoding we cannot undo fails the command, checked
      // before this message's response begins.
      const part = undecodableBinary(record, args.items);
      if (part) {
        const which = uid ? `UID ${record.uid}` : `message ${seq}`;
        throw no(
          `Cannot decode the Content-Transfer-Encoding of ${part} of ${which}`,
          "UNKNOWN-CTE",
        );
      }
    }
    const addFlags = seenSet.has(record.uid);
    mailbox.writeFetch(ctx.enc, seq, record, args.items, { uid, flags: addFlags });
    // An answer with FLAGS carries the message's current flags: a pending
    // change (our own \Seen among them) need not be sent again.
    if (asksFlags || addFlags) mailbox.forgetFlags(record.uid);
    const flushing = ctx.maybeFlush();
    if (flushing) await flushing;
  }
  // A message expunged by another session keeps its sequence number here
  // until this session is told, but the store no longer has it: RFC 3501
  // §7.4.1 lets us leave it out, and the tagged OK says so (RFC 5530).
  if (expected > 0) return { code: "EXPUNGEISSUED", text: "Some messages were expunged" };
}
