/**
 * Every command: the states it is allowed in (checked before parsing), its
 * parser (lib/protocol/commands/<name>.ts) and its handler
 * (lib/server/handlers/<name>.ts). One command, one name, in every layer.
 */
import { parseCancelUpdate } from "../protocol/commands/cancelupdate.ts";
import { handleCancelUpdate } from "./handlers/cancelupdate.ts";
import { parseReplace } from "../protocol/commands/replace.ts";
import { handleReplace, handleUidReplace } from "./handlers/replace.ts";
import type { CommandParser } from "../wire/parser.ts";
import type { CommandContext, Completion } from "./context.ts";
import {
  ANY_STATE,
  AUTHENTICATED,
  NOT_AUTHENTICATED,
  SELECTED,
  type StateKind,
} from "./session.ts";
import { parseNoArguments } from "../protocol/commands/_common.ts";
import { parseLogin } from "../protocol/commands/login.ts";
import { parseAuthenticate } from "../protocol/commands/authenticate.ts";
import { parseId } from "../protocol/commands/id.ts";
import { parseEnable } from "../protocol/commands/enable.ts";
import { parseSelect } from "../protocol/commands/select.ts";
import { parseCreate } from "../protocol/commands/create.ts";
import { parseDelete } from "../protocol/commands/delete.ts";
import { parseRename } from "../protocol/commands/rename.ts";
import { parseSubscribe } from "../protocol/commands/subscribe.ts";
import { parseList, parseLsub } from "../protocol/commands/list.ts";
import { parseStatus } from "../protocol/commands/status.ts";
import { parseGetQuota, parseGetQuotaRoot, parseSetQuota } from "../protocol/commands/quota.ts";
import { parseAppend } from "../protocol/commands/append.ts";
import { parseCopy } from "../protocol/commands/copy.ts";
import { parseExpunge, parseUidExpunge } from "../protocol/commands/expunge.ts";
import { parseIdle } from "../protocol/commands/idle.ts";
import { parseSearch } from "../protocol/commands/search.ts";
import { parseSort } from "../protocol/commands/sort.ts";
import { parseThread } from "../protocol/commands/thread.ts";
import { handleExamine, handleSelect } from "./handlers/select.ts";
import { handleCreate } from "./handlers/create.ts";
import { handleDelete } from "./handlers/delete.ts";
import { handleRename } from "./handlers/rename.ts";
import { handleSubscribe, handleUnsubscribe } from "./handlers/subscribe.ts";
import { handleList, handleLsub } from "./handlers/list.ts";
import { handleStatus } from "./handlers/status.ts";
import { handleGetQuota, handleGetQuotaRoot, handleSetQuota } from "./handlers/quota.ts";
import { handleAppend } from "./handlers/append.ts";
import { handleCheck, handleClose, handleUnselect } from "./handlers/close.ts";
import { handleExpunge } from "./handlers/expunge.ts";
import { handleCopy, handleMove, handleUidCopy, handleUidMove } from "./handlers/copy.ts";
import { handleNamespace } from "./handlers/namespace.ts";
import { handleIdle } from "./handlers/idle.ts";
import { parseCompress } from "../protocol/commands/compress.ts";
import { handleCompress } from "./handlers/compress.ts";
import { handleSearch, handleUidSearch } from "./handlers/search.ts";
import { handleSort, handleUidSort } from "./handlers/sort.ts";
import { handleThread, handleUidThread } from "./handlers/thread.ts";
import { handleCapability } from "./handlers/capability.ts";
import { handleNoop } from "./handlers/noop.ts";
import { handleLogout } from "./handlers/logout.ts";
import { handleStarttls } from "./handlers/starttls.ts";
import { handleLogin } from "./handlers/login.ts";
import { handleAuthenticate } from "./handlers/authenticate.ts";
import { handleId } from "./handlers/id.ts";
import { handleEnable } from "./handlers/enable.ts";
import { handleUnauthenticate } from "./handlers/unauthenticate.ts";
import { parseFetch } from "../protocol/commands/fetch.ts";
import { parseStore } from "../protocol/commands/store.ts";
import { handleFetch, handleUidFetch } from "./handlers/fetch.ts";
import { handleStore, handleUidStore } from "./handlers/store.ts";
import { parseGetMetadata, parseSetMetadata } from "../protocol/commands/metadata.ts";
import { handleGetMetadata, handleSetMetadata } from "./handlers/metadata.ts";
import { parseNotify } from "../protocol/commands/notify.ts";
import { handleNotify } from "./handlers/notify.ts";

export type { Completion } from "./context.ts";

export interface CommandSpec<A> {
  states: readonly StateKind[];
  parse(p: CommandParser): A;
  handle(ctx: CommandContext, args: A): Promise<Completion | void>;
  /**
   * RFC 3501 §7.4.1: the command uses sequence numbers (FETCH, STORE,
   * SEARCH), so no EXPUNGE response may be sent while it completes.
   */
  holdExpunge?: boolean;
  /**
   * The command takes or returns message sequence numbers: once UIDONLY is
   * enabled it is refused with BAD [UIDREQUIRED] (RFC 9586 §3).
   */
  sequenceNumbers?: boolean;
}

function command<A>(spec: CommandSpec<A>): CommandSpec<unknown> {
  return spec as CommandSpec<unknown>;
}

export const COMMANDS: ReadonlyMap<string, CommandSpec<unknown>> = new Map([
  ["CAPABILITY", command({ states: ANY_STATE, parse: parseNoArguments, handle: handleCapability })],
  ["NOOP", command({ states: ANY_STATE, parse: parseNoArguments, handle: handleNoop })],
  ["LOGOUT", command({ states: ANY_STATE, parse: parseNoArguments, handle: handleLogout })],
  ["ID", command({ states: ANY_STATE, parse: parseId, handle: handleId })],
  [
    "ENABLE",
    command({ states: ["authenticated", "selected"], parse: parseEnable, handle: handleEnable }),
  ],
  [
    "STARTTLS",
    command({ states: NOT_AUTHENTICATED, parse: parseNoArguments, handle: handleStarttls }),
  ],
  ["LOGIN", command({ states: NOT_AUTHENTICATED, parse: parseLogin, handle: handleLogin })],
  [
    "AUTHENTICATE",
    command({ states: NOT_AUTHENTICATED, parse: parseAuthenticate, handle: handleAuthenticate }),
  ],
  // RFC 8437 §3
  [
    "UNAUTHENTICATE",
    command({ states: AUTHENTICATED, parse: parseNoArguments, handle: handleUnauthenticate }),
  ],
  ["SELECT", command({ states: AUTHENTICATED, parse: parseSelect, handle: handleSelect })],
  ["EXAMINE", command({ states: AUTHENTICATED, parse: parseSelect, handle: handleExamine })],
  ["CREATE", command({ states: AUTHENTICATED, parse: parseCreate, handle: handleCreate })],
  ["DELETE", command({ states: AUTHENTICATED, parse: parseDelete, handle: handleDelete })],
  ["RENAME", command({ states: AUTHENTICATED, parse: parseRename, handle: handleRename })],
  ["SUBSCRIBE", command({ states: AUTHENTICATED, parse: parseSubscribe, handle: handleSubscribe })],
  [
    "UNSUBSCRIBE",
    command({ states: AUTHENTICATED, parse: parseSubscribe, handle: handleUnsubscribe }),
  ],
  ["LIST", command({ states: AUTHENTICATED, parse: parseList, handle: handleList })],
  ["LSUB", command({ states: AUTHENTICATED, parse: parseLsub, handle: handleLsub })],
  ["STATUS", command({ states: AUTHENTICATED, parse: parseStatus, handle: handleStatus })],
  ["APPEND", command({ states: AUTHENTICATED, parse: parseAppend, handle: handleAppend })],
  // QUOTA (RFC 9208 §4.1)
  ["GETQUOTA", command({ states: AUTHENTICATED, parse: parseGetQuota, handle: handleGetQuota })],
  [
    "GETQUOTAROOT",
    command({ states: AUTHENTICATED, parse: parseGetQuotaRoot, handle: handleGetQuotaRoot }),
  ],
  ["SETQUOTA", command({ states: AUTHENTICATED, parse: parseSetQuota, handle: handleSetQuota })],
  // METADATA (RFC 5464 §4): "" names the server, so both states allow it.
  [
    "GETMETADATA",
    command({ states: AUTHENTICATED, parse: parseGetMetadata, handle: handleGetMetadata }),
  ],
  // NOTIFY (RFC 5465 §3): authenticated and selected states.
  ["NOTIFY", command({ states: AUTHENTICATED, parse: parseNotify, handle: handleNotify })],
  [
    "SETMETADATA",
    command({ states: AUTHENTICATED, parse: parseSetMetadata, handle: handleSetMetadata }),
  ],
  [
    "NAMESPACE",
    command({ states: AUTHENTICATED, parse: parseNoArguments, handle: handleNamespace }),
  ],
  ["IDLE", command({ states: AUTHENTICATED, parse: parseIdle, handle: handleIdle })],
  ["COMPRESS", command({ states: AUTHENTICATED, parse: parseCompress, handle: handleCompress })],
  ["CHECK", command({ states: SELECTED, parse: parseNoArguments, handle: handleCheck })],
  ["CLOSE", command({ states: SELECTED, parse: parseNoArguments, handle: handleClose })],
  ["UNSELECT", command({ states: SELECTED, parse: parseNoArguments, handle: handleUnselect })],
  ["EXPUNGE", command({ states: SELECTED, parse: parseExpunge, handle: handleExpunge })],
  ["UID EXPUNGE", command({ states: SELECTED, parse: parseUidExpunge, handle: handleExpunge })],
  [
    "COPY",
    command({
      states: SELECTED,
      parse: parseCopy,
      handle: handleCopy,
      holdExpunge: true,
      sequenceNumbers: true,
    }),
  ],
  ["UID COPY", command({ states: SELECTED, parse: parseCopy, handle: handleUidCopy })],
  [
    "MOVE",
    command({ states: SELECTED, parse: parseCopy, handle: handleMove, sequenceNumbers: true }),
  ],
  ["UID MOVE", command({ states: SELECTED, parse: parseCopy, handle: handleUidMove })],
  // REPLACE (RFC 8508 §3.3): in the selected state, like MOVE.
  ["REPLACE", command({ states: SELECTED, parse: parseReplace, handle: handleReplace })],
  ["UID REPLACE", command({ states: SELECTED, parse: parseReplace, handle: handleUidReplace })],
  // RFC 3501 §7.4.1: FETCH and STORE hold EXPUNGE back; their UID forms need not.
  [
    "FETCH",
    command({
      states: SELECTED,
      parse: parseFetch,
      handle: handleFetch,
      holdExpunge: true,
      sequenceNumbers: true,
    }),
  ],
  ["UID FETCH", command({ states: SELECTED, parse: parseFetch, handle: handleUidFetch })],
  [
    "STORE",
    command({
      states: SELECTED,
      parse: parseStore,
      handle: handleStore,
      holdExpunge: true,
      sequenceNumbers: true,
    }),
  ],
  ["UID STORE", command({ states: SELECTED, parse: parseStore, handle: handleUidStore })],
  // SEARCH, SORT and THREAD answer with sequence numbers: no EXPUNGE until they are done
  // (RFC 3501 §7.4.1); their UID forms may see EXPUNGE.
  [
    "SEARCH",
    command({
      states: SELECTED,
      parse: parseSearch,
      handle: handleSearch,
      holdExpunge: true,
      sequenceNumbers: true,
    }),
  ],
  ["UID SEARCH", command({ states: SELECTED, parse: parseSearch, handle: handleUidSearch })],
  [
    "SORT",
    command({
      states: SELECTED,
      parse: parseSort,
      handle: handleSort,
      holdExpunge: true,
      sequenceNumbers: true,
    }),
  ],
  ["UID SORT", command({ states: SELECTED, parse: parseSort, handle: handleUidSort })],
  [
    "THREAD",
    command({
      states: SELECTED,
      parse: parseThread,
      handle: handleThread,
      holdExpunge: true,
      sequenceNumbers: true,
    }),
  ],
  ["UID THREAD", command({ states: SELECTED, parse: parseThread, handle: handleUidThread })],
  // CONTEXT=SEARCH / CONTEXT=SORT (RFC 5267 §4.3.5)
  [
    "CANCELUPDATE",
    command({ states: SELECTED, parse: parseCancelUpdate, handle: handleCancelUpdate }),
  ],
]);
