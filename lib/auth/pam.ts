/**
 * PAM authentication through Deno FFI on libpam.so.0, as maddy's
 * `auth.pam` does with cgo (service "maddy", PAM_SILENT |
 * PAM_DISALLOW_NULL_AUTHTOK; PAM_AUTH_ERR and PAM_USER_UNKNOWN are wrong
 * credentials, anything else an error).
 *
 * pam_authenticate runs with `nonblocking: true` on a worker thread (pam_unix
 * sleeps about 2 s after a failure by design); the conversation function is
 * a thread-safe, ref'd UnsafeCallback, and the responses it hands to PAM are
 * allocated with libc calloc/strdup because PAM frees them.
 */

export type PamResult = "ok" | "failed" | "unavailable";

const PAM_SUCCESS = 0;
const PAM_AUTH_ERR = 7;
const PAM_USER_UNKNOWN = 10;
const PAM_CONV_ERR = 19;
const PAM_SILENT = 0x8000;
const PAM_DISALLOW_NULL_AUTHTOK = 0x0001;
const PAM_PROMPT_ECHO_OFF = 1;
const PAM_PROMPT_ECHO_ON = 2;

const PAM_SYMBOLS = {
  pam_start: {
    parameters: ["buffer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  pam_start_confdir: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
    optional: true,
  },
  pam_authenticate: { parameters: ["pointer", "i32"], result: "i32", nonblocking: true },
  pam_end: { parameters: ["pointer", "i32"], result: "i32", nonblocking: true },
  pam_strerror: { parameters: ["pointer", "i32"], result: "pointer" },
} as const;

const LIBC_SYMBOLS = {
  calloc: { parameters: ["usize", "usize"], result: "pointer" },
  strdup: { parameters: ["buffer"], result: "pointer" },
} as const;

const CONV_DEFINITION = {
  parameters: ["i32", "pointer", "pointer", "pointer"],
  result: "i32",
} as const;

/** One conversation per authentication in flight, keyed by appdata_ptr. */
interface Pending {
  username: string;
  password: string;
}

export class PamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PamError";
  }
}

let shared: PamLibrary | null = null;

class PamLibrary {
  readonly pam: Deno.DynamicLibrary<typeof PAM_SYMBOLS>;
  readonly libc: Deno.DynamicLibrary<typeof LIBC_SYMBOLS>;
  readonly conv: Deno.UnsafeCallback<typeof CONV_DEFINITION>;
  readonly pending = new Map<number, Pending>();
  #nextId = 1;
  #inFlight = 0;

  constructor() {
    try {
      this.pam = Deno.dlopen("libpam.so.0", PAM_SYMBOLS);
    } catch (e) {
      throw new PamError(`Cannot load libpam.so.0 (install libpam0g): ${(e as Error).message}`);
    }
    try {
      this.libc = Deno.dlopen("libc.so.6", LIBC_SYMBOLS);
    } catch (e) {
      this.pam.close();
      throw new PamError(`Cannot load libc.so.6: ${(e as Error).message}`);
    }
    this.conv = Deno.UnsafeCallback.threadSafe(CONV_DEFINITION, (n, msgs, resp, appdata) => {
      return this.#converse(n, msgs, resp, appdata);
    });
    // Ref'd only while an authentication is in flight, so an idle PAM
    // module does not keep the process alive.
    this.conv.unref();
  }

  newConversation(p: Pending): number {
    const id = this.#nextId++;
    this.pending.set(id, p);
    if (this.#inFlight++ === 0) this.conv.ref();
    return id;
  }

  endConversation(id: number): void {
    this.pending.delete(id);
    if (--this.#inFlight === 0) this.conv.unref();
  }

  #converse(
    n: number,
    msgs: Deno.PointerValue,
    resp: Deno.PointerValue,
    appdata: Deno.PointerValue,
  ): number {
    const p = this.pending.get(Number(Deno.UnsafePointer.value(appdata)));
    if (!p || n <= 0 || msgs === null || resp === null) return PAM_CONV_ERR;
    // struct pam_response { char *resp; int resp_retcode; }: 16 bytes on LP64.
    const replies = this.libc.symbols.calloc(BigInt(n), 16n);
    if (replies === null) return PAM_CONV_ERR;
    const msgArray = new Deno.UnsafePointerView(msgs);
    for (let i = 0; i < n; i++) {
      // Linux-PAM passes an array of pointers to struct pam_message
      // { int msg_style; const char *msg; }.
      const msg = msgArray.getPointer(i * 8);
      if (msg === null) continue;
      const style = new Deno.UnsafePointerView(msg).getInt32(0);
      let answer: string | null = null;
      if (style === PAM_PROMPT_ECHO_OFF) answer = p.password;
      else if (style === PAM_PROMPT_ECHO_ON) answer = p.username;
      if (answer !== null) {
        const dup = this.libc.symbols.strdup(cString(answer));
        writePointer(replies, i * 16, dup);
      }
    }
    writePointer(resp, 0, replies);
    return PAM_SUCCESS;
  }
}

function writePointer(
  base: Deno.PointerObject,
  offset: number,
  value: Deno.PointerValue,
): void {
  const target = Deno.UnsafePointer.offset(base, offset);
  if (target === null) return;
  const cell = new BigUint64Array(Deno.UnsafePointerView.getArrayBuffer(target, 8));
  cell[0] = BigInt(Deno.UnsafePointer.value(value));
}

function cString(s: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** Loads libpam once; throws PamError when it is missing (a start-up error). */
export function loadPam(): PamLibrary {
  shared ??= new PamLibrary();
  return shared;
}

export interface PamOptions {
  /** PAM service name; maddy uses "maddy" (/etc/pam.d/maddy, else "other"). */
  service?: string;
  /** A directory of PAM service files instead of /etc/pam.d (Linux-PAM ≥ 1.4). */
  confdir?: string;
}

/** Authenticates one username/password pair against PAM. */
export async function pamAuthenticate(
  username: string,
  password: string,
  options: PamOptions = {},
): Promise<PamResult> {
  if (username.includes("\0") || password.includes("\0")) return "failed";
  const lib = loadPam();
  const id = lib.newConversation({ username, password });
  // struct pam_conv { int (*conv)(...); void *appdata_ptr; }
  const convStruct = new BigUint64Array([
    BigInt(Deno.UnsafePointer.value(lib.conv.pointer)),
    BigInt(id),
  ]);
  const handleOut = new BigUint64Array(1);
  let handle: Deno.PointerValue = null;
  try {
    const service = cString(options.service ?? "maddy");
    const user = cString(username);
    let status: number;
    if (options.confdir !== undefined) {
      const start = lib.pam.symbols.pam_start_confdir;
      if (!start) return "unavailable";
      status = await start(service, user, convStruct, cString(options.confdir), handleOut);
    } else {
      status = await lib.pam.symbols.pam_start(service, user, convStruct, handleOut);
    }
    handle = Deno.UnsafePointer.create(handleOut[0]);
    if (status !== PAM_SUCCESS || handle === null) return "unavailable";
    status = await lib.pam.symbols.pam_authenticate(handle, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
    if (status === PAM_SUCCESS) return "ok";
    if (status === PAM_AUTH_ERR || status === PAM_USER_UNKNOWN) return "failed";
    return "unavailable";
  } finally {
    if (handle !== null) await lib.pam.symbols.pam_end(handle, PAM_SUCCESS);
    lib.endConversation(id);
  }
}

/** The text of a PAM status code, for logs. */
export function pamStrerror(status: number): string {
  const lib = loadPam();
  const p = lib.pam.symbols.pam_strerror(null, status);
  return p === null ? `PAM error ${status}` : Deno.UnsafePointerView.getCString(p);
}
