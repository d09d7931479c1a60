/**
 * CATENATE (RFC 4469): the message of an APPEND (or REPLACE, RFC 8508 §4)
 * put together from TEXT literals and URLs naming messages or parts of
 * messages in this account, before anything is stored. A URL that cannot
 * be read fails the whole command with NO [BADURL url] (§5), a result over
 * the mailbox's APPENDLIMIT with NO [TOOBIG]; with MULTIAPPEND every
 * message is put together first, so a failure stores none of them.
 */
import type { AppendMessage, CatPart } from "../protocol/commands/append.ts";
import { parseMessageUrl, UrlError } from "../protocol/imap_url.ts";
import { partialData, sectionData } from "../protocol/fetch_response.ts";
import { no } from "../protocol/errors.ts";
import { findPart } from "../mime/mod.ts";
import { appendLimitIn } from "../store/mail_store.ts";
import type { CommandContext } from "./context.ts";
import { userOf } from "./access.ts";

/** `messages` with every CATENATE put together into `content`. */
export async function catenateMessages(
  ctx: CommandContext,
  mailboxId: number,
  messages: readonly AppendMessage[],
): Promise<AppendMessage[]> {
  const limit = appendLimitIn(userOf(ctx).appendLimits, mailboxId);
  const out: AppendMessage[] = [];
  for (const [i, m] of messages.entries()) {
    if (m.form !== "catenate") {
      out.push(m);
      continue;
    }
    const which = messages.length === 1 ? "Message" : `Message ${i + 1}`;
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (const part of m.parts ?? []) {
      const data = part.kind === "text" ? part.content : await urlData(ctx, part);
      size += data.length;
      // Checked as the parts come: a few URLs to a large message must not fill memory.
      if (size > limit) {
        throw no(
          `${which} of at least ${size} bytes exceeds the APPENDLIMIT of ${limit}`,
          "TOOBIG",
        );
      }
      chunks.push(data);
    }
    const content = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      content.set(c, at);
      at += c.length;
    }
    out.push({ flags: m.flags, internalDate: m.internalDate, content, form: "literal" });
  }
  return out;
}

/** The data a URL part names, or NO [BADURL] (RFC 4469 §5). */
async function urlData(ctx: CommandContext, part: Extract<CatPart, { kind: "url" }>) {
  const user = userOf(ctx);
  const badUrl = (why: string) => no(why, { code: "BADURL", url: part.url });
  let url;
  try {
    url = parseMessageUrl(part.url);
  } catch (err) {
    if (err instanceof UrlError) throw badUrl(err.message);
    throw err;
  }
  // RFC 4469 §5 (and RFC 5092 §6): a URL of another user is not ours to read.
  if (url.user !== null && url.user !== user.authName) {
    throw badUrl(`The URL is for user "${url.user}"`);
  }
  const info = await user.account.getMailbox(url.mailbox);
  if (!info) throw badUrl(`No mailbox "${url.mailbox}"`);
  if (url.uidValidity !== null && url.uidValidity !== info.uidValidity) {
    throw badUrl(`The UIDVALIDITY of "${url.mailbox}" is not ${url.uidValidity}`);
  }
  const records = user.account.fetch(info.id, [{ from: url.uid, to: url.uid }], {
    content: true,
    bodyStructure: true,
  });
  let data: Uint8Array | null = null;
  for await (const r of records) {
    const section = url.section ?? { part: [], text: null, fields: [] };
    if (section.part.length > 0 && r.bodyStructure && !findPart(r.bodyStructure, section.part)) {
      throw badUrl(`Message UID ${url.uid} has no part ${section.part.join(".")}`);
    }
    data = sectionData(r, section);
  }
  if (data === null) throw badUrl(`No message with UID ${url.uid} in "${url.mailbox}"`);
  if (url.partial) {
    data = partialData(data, {
      origin: url.partial.origin,
      count: url.partial.count ?? data.length,
    });
  }
  return data;
}
