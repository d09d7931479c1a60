import type { CommandContext, Completion } from "../context.ts";
import {
  type QresyncParam,
  type SelectArgs,
  writeHighestModSeq,
  writeSelectResponses,
} from "../../protocol/commands/select.ts";
import { resolveRanges, type SequenceSet, STAR } from "../../protocol/sequence_set.ts";
import { bad, no } from "../../protocol/errors.ts";
import { writeStatus } from "../../protocol/response.ts";
import {
  type AccountStore,
  HIERARCHY_DELIMITER,
  type MailboxEvent,
  type MailboxSnapshot,
  type UidSet,
} from "../../store/mail_store.ts";
import {
  indexAnswers,
  indexedMailboxes,
  indexOf,
  indexSnapshot,
  IndexWatch,
  joinIndex,
} from "../mailbox_index.ts";
import { writeListItem } from "../../protocol/commands/list.ts";
import { mailboxFromWire, mailboxToWire } from "../../protocol/mailbox_name.ts";
import { SelectedMailbox } from "../selected_mailbox.ts";
import { selectedState } from "../session.ts";
import { authenticatedOf, deselect, utf8Names } from "../access.ts";
import { enableCondstore, writeChangedFlags } from "../condstore.ts";
import { countUids } from "../uid_set.ts";

/**
 * SELECT (RFC 3501 §6.3.1) and, with readOnly, EXAMINE (§6.3.2). SELECT
 * claims \Recent for the messages no session holds yet; EXAMINE shows
 * them as recent without taking the flag away (§2.3.2).
 *
 * CONDSTORE (RFC 7162 §3.1.8) turns CONDSTORE on, and once it is on the
 * answer carries HIGHESTMODSEQ (§3.1.2.1). QRESYNC (§3.2.5) also resyncs:
 * VANISHED (EARLIER) and FETCH of what changed since the client's MODSEQ.
 */
async function open(ctx: CommandContext, args: SelectArgs, readOnly: boolean): Promise<Completion> {
  const session = authenticatedOf(ctx);
  // RFC 7162 §3.2.5: QRESYNC without ENABLE QRESYNC is a client error; the
  // mailbox selected before stays selected.
  if (args.qresync && !session.enabled.has("QRESYNC")) {
    throw bad("QRESYNC must be enabled (ENABLE QRESYNC) before SELECT (QRESYNC ...)");
  }
  if (args.qresync?.seqMatch) {
    // RFC 9586 §3: seq-match-data pairs message numbers with UIDs, and
    // message numbers are not allowed once UIDONLY is on.
    if (session.enabled.has("UIDONLY")) {
      throw bad(
        "QRESYNC seq-match-data uses message numbers, which UIDONLY forbids",
        "UIDREQUIRED",
      );
    }
    checkSeqMatch(args.qresync.seqMatch);
  }
  // A SELECT that fails leaves no mailbox selected (§6.3.1). RFC 7162
  // §3.2.11: a mailbox closed this way is announced with [CLOSED], so the
  // client knows which mailbox later responses are about.
  if (ctx.state.kind === "selected") {
    deselect(ctx);
    writeStatus(ctx.enc, null, "OK", "CLOSED", "Previous mailbox closed");
  }
  if (args.condstore || args.qresync) enableCondstore(ctx, false);
  const account = session.user.account;
  const name = mailboxFromWire(args.mailbox, utf8Names(ctx));
  // One trip to the store for the name and the snapshot; none for the UID
  // list when this process keeps the mailbox's index (mailbox_index.ts).
  const opened = await openMailbox(account, name, readOnly, args.mailbox);
  const snap = opened.snap;
  const info = snap.mailbox;
  const mailbox = new SelectedMailbox(snap.mailbox, opened.uids, readOnly, {
    keywords: snap.flagsInUse,
    claimRecent: (uid, peek) => account.claimRecent(info.id, uid, { peek }),
    enabled: session.enabled,
  });
  const listen = (e: MailboxEvent) => mailbox.handleEvent(e);
  mailbox.setUnwatch(
    opened.indexed
      ? joinIndex(account, info.id, listen, opened.replay)
      : account.watch(info.id, listen),
  );
  ctx.state = selectedState(session, mailbox);
  const recent = await mailbox.claimInitialRecent(opened.unclaimed);

  writeSelectResponses(ctx.enc, {
    flags: mailbox.flagList,
    readOnly,
    exists: opened.uids.length,
    recent: mailbox.rev2 ? null : recent,
    // [UNSEEN n] names a message number: none under UIDONLY (RFC 9586 §3).
    firstUnseen: opened.firstUnseenUid === null || mailbox.uidOnly || mailbox.rev2
      ? 0
      : mailbox.seqOf(opened.firstUnseenUid),
    uidValidity: snap.mailbox.uidValidity,
    uidNext: snap.mailbox.uidNext,
    objectId: snap.mailbox.objectId,
  });
  if (mailbox.condstore) writeHighestModSeq(ctx.enc, snap.mailbox.highestModSeq);
  // RFC 9051 §6.3.2: in IMAP4rev2 SELECT and EXAMINE name the mailbox in a LIST response.
  if (mailbox.rev2) {
    writeListItem(ctx.enc, "LIST", [], HIERARCHY_DELIMITER, mailboxToWire(info.name, true));
  }
  const q = args.qresync;
  // RFC 7162 §3.2.5.1: with another UIDVALIDITY the client's cache is void
  // and the parameter is ignored (it refetches everything).
  if (q && q.uidValidity === snap.mailbox.uidValidity) await resync(ctx, mailbox, q);
  return {
    code: readOnly ? "READ-ONLY" : "READ-WRITE",
    text: `${readOnly ? "EXAMINE" : "SELECT"} completed`,
  };
}

interface Opened {
  snap: MailboxSnapshot;
  uids: Uint32Array;
  firstUnseenUid: number | null;
  /** Messages no session has claimed as \Recent (claimInitialRecent asks the store when > 0). */
  unclaimed: number;
  /** The session gets its events through the mailbox's index. */
  indexed: boolean;
  /** Events the session must see first (they came in while the snapshot was read). */
  replay: readonly MailboxEvent[];
}

/**
 * The mailbox's state for SELECT: from this process's index of it when
 * there is one that has seen every change committed before this SELECT
 * (the store polls for other processes' changes in the same request and
 * answers the HIGHESTMODSEQ the index must have reached); otherwise from a
 * snapshot read under a watch, which then becomes the mailbox's index.
 */
async function openMailbox(
  account: AccountStore,
  name: string,
  readOnly: boolean,
  wireName: string,
): Promise<Opened> {
  let watch = new IndexWatch();
  let snap = await account.selectByName(name, {
    readOnly,
    indexed: indexedMailboxes(account),
    watch: watch.listener,
  });
  if (!snap) throw no(`Mailbox "${wireName}" does not exist`, "NONEXISTENT");
  if (snap.indexed) {
    const index = indexOf(account, snap.mailbox.id);
    if (
      index && index.highestModSeq === snap.mailbox.highestModSeq &&
      index.uidNext === snap.mailbox.uidNext && index.systemFlagsKnown
    ) {
      indexAnswers.select++;
      const uids = index.uids();
      const claimed = snap.indexed.recentUid;
      return {
        snap,
        uids,
        firstUnseenUid: index.firstUnseenUid,
        unclaimed: claimed === null ? 0 : uids.length - index.lowerBound(claimed + 1),
        indexed: true,
        replay: [],
      };
    }
    // The index is behind or lacks flags: a snapshot rebuilds it.
    watch = new IndexWatch();
    snap = await account.selectByName(name, { readOnly, watch: watch.listener });
    if (!snap) throw no(`Mailbox "${wireName}" does not exist`, "NONEXISTENT");
  }
  const index = indexSnapshot(account, snap, watch);
  if (!index) snap.unwatch?.();
  // The index has applied them; this session replays them once, and nothing keeps them.
  const replay = watch.early;
  watch.early = [];
  return {
    snap,
    uids: snap.uids,
    firstUnseenUid: snap.firstUnseenUid,
    unclaimed: snap.recent,
    indexed: index !== null,
    replay,
  };
}

/**
 * RFC 7162 §3.2.5.1: as UID FETCH known-uids (FLAGS) (CHANGEDSINCE modseq
 * VANISHED), known-uids "1:*" when not given. The expunged UIDs may lie
 * above the largest UID left, so "*" reaches UIDNEXT - 1 for them.
 */
async function resync(ctx: CommandContext, view: SelectedMailbox, q: QresyncParam): Promise<void> {
  const known = q.knownUids ?? [{ from: 1, to: STAR }];
  let gone: UidSet = resolveRanges(known, view.info.uidNext - 1);
  if (q.seqMatch) {
    const above = matchedUpTo(view, q.seqMatch);
    gone = gone.filter((r) => r.to >= above).map((r) => ({
      from: Math.max(r.from, above),
      to: r.to,
    }));
  }
  await writeChangedFlags(ctx, view, q.modSeq, view.resolveSet(known, "uid"), gone);
}

/** RFC 7162 §3.2.5.2: both sets name as many messages. */
function checkSeqMatch(m: { seqs: SequenceSet; uids: SequenceSet }): void {
  const seqs = countUids(resolveRanges(m.seqs, 0));
  const uids = countUids(resolveRanges(m.uids, 0));
  if (seqs !== uids) {
    throw bad(`seq-match-data names ${seqs} message numbers but ${uids} UIDs`);
  }
}

/**
 * RFC 7162 §3.2.5.2: each (message number, UID) pair the client gives that
 * still holds here tells that the client knows every expunge up to that
 * UID; the pairs are read in ascending order up to the first that does not
 * hold. Returns the lowest UID whose expunge must still be reported.
 */
function matchedUpTo(view: SelectedMailbox, m: { seqs: SequenceSet; uids: SequenceSet }): number {
  const seqs = pairs(resolveRanges(m.seqs, 0));
  const uids = pairs(resolveRanges(m.uids, 0));
  let above = 1;
  for (;;) {
    const s = seqs.next();
    const u = uids.next();
    if (s.done || u.done) break;
    // A number past the messages here cannot hold: the walk ends after at
    // most `count` steps, however large the client's sets.
    if (s.value > view.count || view.uidAt(s.value) !== u.value) break;
    above = u.value + 1;
  }
  return above;
}

function* pairs(ranges: readonly { from: number; to: number }[]): Generator<number> {
  for (const r of ranges) for (let n = r.from; n <= r.to; n++) yield n;
}

export function handleSelect(ctx: CommandContext, args: SelectArgs): Promise<Completion> {
  return open(ctx, args, false);
}

export function handleExamine(ctx: CommandContext, args: SelectArgs): Promise<Completion> {
  return open(ctx, args, true);
}
