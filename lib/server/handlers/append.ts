import type { Connection } from "../connection.ts";
import type { Completion } from "../command_table.ts";
import type { AppendArgs } from "../../protocol/commands/append.ts";
import { bad, no } from "../../protocol/errors.ts";
import { SYSTEM_FLAGS } from "../../store/mail_store.ts";
import { existingMailbox, userOf } from "./_mailbox.ts";

/** Checks a flag list from a client: known system flags (but not \Recent) and keywords. */
export function checkFlags(flags: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of flags) {
    if (f.startsWith("\\")) {
      const known = SYSTEM_FLAGS.find((s) => s.toLowerCase() === f.toLowerCase());
      // RFC 3501 §2.3.2: \Recent cannot be set by a client.
      if (!known) throw bad(`Invalid system flag ${f}`);
      if (!out.includes(known)) out.push(known);
    } else if (!out.includes(f)) {
      out.push(f);
    }
  }
  return out;
}

/** APPEND (RFC 3501 §6.3.11) answering with APPENDUID (RFC 4315 §3). */
export async function handleAppend(conn: Connection, args: AppendArgs): Promise<Completion> {
  const flags = checkFlags(args.flags);
  const info = await existingMailbox(conn, args.mailbox, "TRYCREATE");
  const limit = conn.endpoint.config.appendLimit;
  if (args.message.length > limit) {
    throw no(
      `Message of ${args.message.length} bytes exceeds the APPENDLIMIT of ${limit}`,
      "TOOBIG",
    );
  }
  if (args.message.length === 0) throw no("Empty message", "CANNOT");
  const result = await userOf(conn).account.append(info.id, {
    content: args.message,
    flags,
    internalDate: args.internalDate ?? undefined,
  });
  if (conn.state.kind === "selected" && conn.state.mailbox.info.id === info.id) {
    conn.state.mailbox.noteAppended([result.uid]);
  }
  return { code: `APPENDUID ${result.uidValidity} ${result.uid}`, text: "APPEND completed" };
}
