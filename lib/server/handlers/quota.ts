import type { CommandContext } from "../context.ts";
import {
  type GetQuotaArgs,
  type GetQuotaRootArgs,
  type QuotaResource,
  type SetQuotaArgs,
  writeQuota,
  writeQuotaRoot,
} from "../../protocol/commands/quota.ts";
import { no } from "../../protocol/errors.ts";
import { mailboxToWire } from "../../protocol/mailbox_name.ts";
import type { AccountQuota } from "../../store/mail_store.ts";
import { existingMailbox, userOf, utf8Names } from "../access.ts";

/** Each account has one quota root, named "" (RFC 9208 leaves the roots to the server). */
const ROOT = "";

/**
 * The resources of the account's root that have a limit. STORAGE is in
 * units of 1024 octets (RFC 9208, resource STORAGE): usage rounded up, limit down, so a
 * client never reads more room than there is.
 */
function resourcesOf(q: AccountQuota): QuotaResource[] {
  const out: QuotaResource[] = [];
  if (q.limits.storage !== null) {
    out.push({
      name: "STORAGE",
      usage: Math.ceil(q.usage.storage / 1024),
      limit: Math.floor(q.limits.storage / 1024),
    });
  }
  if (q.limits.messages !== null) {
    out.push({ name: "MESSAGE", usage: q.usage.messages, limit: q.limits.messages });
  }
  return out;
}

/**
 * GETQUOTA (RFC 9208 §4.1.1). An account without any limit has no quota
 * root (quota-list needs one resource at least), so "" is then unknown too.
 */
export async function handleGetQuota(ctx: CommandContext, args: GetQuotaArgs): Promise<void> {
  const resources = resourcesOf(await userOf(ctx).account.quota());
  if (args.root !== ROOT || resources.length === 0) {
    throw no(`No quota root ${JSON.stringify(args.root)}`, "NONEXISTENT");
  }
  writeQuota(ctx.enc, ROOT, resources);
}

/** GETQUOTAROOT (RFC 9208 §4.1.2): the account's root and its QUOTA, for any mailbox of it. */
export async function handleGetQuotaRoot(
  ctx: CommandContext,
  args: GetQuotaRootArgs,
): Promise<void> {
  const info = await existingMailbox(ctx, args.mailbox);
  const resources = resourcesOf(await userOf(ctx).account.quota());
  const wire = mailboxToWire(info.name, utf8Names(ctx));
  writeQuotaRoot(ctx.enc, wire, resources.length > 0 ? [ROOT] : []);
  if (resources.length > 0) writeQuota(ctx.enc, ROOT, resources);
}

/**
 * SETQUOTA (RFC 9208 §4.1.3): quotas are the administrator's
 * (`imap-acct quota`), so a client may not set them; QUOTASET is not
 * advertised. The arguments are still parsed in full, so bad syntax is BAD.
 */
export function handleSetQuota(_ctx: CommandContext, _args: SetQuotaArgs): Promise<void> {
  return Promise.reject(no("Quotas are set by the administrator", "NOPERM"));
}
