// The QRESYNC row of `make bench` (RFC 7162): a client that knew a mailbox at
// MODSEQ m comes back after another client changed the flags of 100 messages
// and expunged 10, and resyncs with one SELECT ... (QRESYNC (uidvalidity m)).
// Timed: that SELECT, from the command to its tagged OK, with the VANISHED
// (EARLIER) and FETCH responses it brings. The mailbox is a copy of the big
// user's INBOX (100,000 messages in a full run), made once per server by COPY
// (not timed); each round appends 10 messages before m and expunges them
// after, so the mailbox keeps its size. Both servers offer QRESYNC (Dovecot
// 2.3 does by default), so the comparison is like with like.

import { countNumbered, must } from "./client.ts";
import type { BenchServer } from "./servers.ts";
import { type Dataset, login, type Measure, type Workload } from "./workloads.ts";

const FLAGGED = 100;
const EXPUNGED = 10;
const prepared = new WeakSet<BenchServer>();

function mailboxName(d: Dataset): string {
  return `qresync-${d.sizes.bigCount}`;
}

async function prepare(server: BenchServer, d: Dataset): Promise<void> {
  if (prepared.has(server)) return;
  const c = await login(server, d.big);
  try {
    const name = mailboxName(d);
    const st = await c.command(`STATUS ${name} (MESSAGES)`);
    if (st.status !== "OK") {
      await must(c, `CREATE ${name}`);
      await must(c, "EXAMINE INBOX");
      await must(c, `COPY 1:* ${name}`);
      await must(c, "CLOSE");
    }
  } finally {
    await c.command("LOGOUT").catch(() => {});
    c.close();
  }
  prepared.add(server);
}

/** The number after `word` in an untagged OK code ("HIGHESTMODSEQ 42"), as text. */
function codeValue(texts: string[], word: string): string | undefined {
  for (const t of texts) {
    const m = new RegExp(`\\[${word} (\\d+)\\]`).exec(t);
    if (m) return m[1];
  }
  return undefined;
}

/** How many UIDs a VANISHED (EARLIER) set names ("1:3,7" is 4). */
function countSet(set: string): number {
  let n = 0;
  for (const part of set.split(",")) {
    const [a, b] = part.split(":").map(Number);
    n += b === undefined ? 1 : Math.abs(b - a) + 1;
  }
  return n;
}

const message = (round: number, i: number) =>
  new TextEncoder().encode(
    `From: bench@example.com\r\nSubject: qresync ${round}.${i}\r\n\r\nA message to expunge.\r\n`,
  );

export function qresyncWorkload(d: Dataset): Workload {
  const n = d.sizes.bigCount;
  return {
    id: "qresync",
    metrics: [{
      id: "resync",
      title: `SELECT (QRESYNC) after ${FLAGGED} flag changes, ${EXPUNGED} expunges, ${n}`,
      unit: "ms",
      higherIsBetter: false,
    }],
    async run(server, round): Promise<Record<string, Measure>> {
      await prepare(server, d);
      const name = mailboxName(d);
      const other = await login(server, d.big);
      let errors = 0;
      try {
        await must(other, `SELECT ${name}`);
        const added: number[] = [];
        for (let i = 0; i < EXPUNGED; i++) {
          const r = await other.append(name, message(round, i));
          const uid = /\[APPENDUID \d+ (\d+)\]/.exec(r.text)?.[1];
          if (r.status !== "OK" || !uid) errors++;
          else added.push(Number(uid));
        }
        // The client's last visit: it leaves knowing UIDVALIDITY and HIGHESTMODSEQ.
        const away = await login(server, d.big);
        await must(away, "ENABLE QRESYNC");
        const s = await away.command(`SELECT ${name}`);
        const texts = s.untagged.map((u) => u.text);
        const uidValidity = codeValue(texts, "UIDVALIDITY");
        const modSeq = codeValue(texts, "HIGHESTMODSEQ");
        await away.command("LOGOUT").catch(() => {});
        away.close();
        if (!uidValidity || !modSeq) throw new Error(`${server.name}: no HIGHESTMODSEQ on SELECT`);

        // Meanwhile: 100 flag changes spread over the mailbox, 10 expunges.
        await must(other, "NOOP");
        const step = Math.max(1, Math.floor(n / FLAGGED));
        const uids = Array.from({ length: FLAGGED }, (_, i) => 1 + i * step).join(",");
        await must(other, `UID STORE ${uids} ${round % 2 ? "-" : "+"}FLAGS.SILENT (\\Flagged)`);
        await must(other, `UID STORE ${added.join(",")} +FLAGS.SILENT (\\Deleted)`);
        await must(other, `UID EXPUNGE ${added.join(",")}`);

        // The client comes back and resyncs.
        const back = await login(server, d.big);
        try {
          await must(back, "ENABLE QRESYNC");
          const r = await back.command(`SELECT ${name} (QRESYNC (${uidValidity} ${modSeq}))`);
          if (r.status !== "OK") errors++;
          let vanished = 0;
          for (const u of r.untagged) {
            const m = /^VANISHED \(EARLIER\) (\S+)$/i.exec(u.text);
            if (m) vanished += countSet(m[1]);
          }
          const changed = countNumbered(r.untagged, "FETCH");
          return {
            resync: {
              value: r.ms,
              answer: `${vanished} vanished, ${changed} changed`,
              expected: `${EXPUNGED} vanished, ${FLAGGED} changed`,
              errors,
            },
          };
        } finally {
          await back.command("LOGOUT").catch(() => {});
          back.close();
        }
      } finally {
        await other.command("LOGOUT").catch(() => {});
        other.close();
      }
    },
  };
}
