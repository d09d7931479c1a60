/**
 * TCP_QUICKACK after a continuation request, as Dovecot does (seen with
 * strace: `write("+ OK\r\n")`, then `setsockopt(TCP_QUICKACK, 1)`).
 *
 * Why: a client that writes a literal and its closing CRLF in two writes
 * with Nagle on (Python's imaplib) may send the CRLF only once the literal
 * is acknowledged. Having just sent "+ ...", our socket is in Linux's
 * interactive ("pingpong") mode and delays that ACK up to 40 ms, hoping to
 * piggyback it on a reply that cannot come before the CRLF: every APPEND
 * stalled about 40 ms. Quick-ACK mode makes the kernel acknowledge the
 * literal at once. Linux leaves that mode again by itself, so it is set after
 * every continuation.
 *
 * Deno has no API for the option nor for a connection's file descriptor, so
 * this finds the descriptor once per connection (the socket's inode in
 * /proc/net/tcp{,6} by its address pair, then /proc/self/fd) and calls libc's
 * setsockopt through FFI. Anything missing (another OS, no FFI or read
 * permission, no match) turns the feature off for that connection: it only
 * saves time, it never changes what is sent.
 */

const IPPROTO_TCP = 6;
const TCP_QUICKACK = 12;

interface Libc {
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, len: number): number;
}

let libc: Libc | null | undefined;

function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  try {
    if (Deno.build.os !== "linux") return null;
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
    if (Deno.permissions.querySync({ name: "read", path: "/proc" }).state !== "granted") {
      return null;
    }
    const lib = Deno.dlopen("libc.so.6", {
      setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
    });
    libc = {
      setsockopt: (fd, level, name, value, len) =>
        lib.symbols.setsockopt(fd, level, name, value as Uint8Array<ArrayBuffer>, len),
    };
  } catch {
    libc = null;
  }
  return libc;
}

/** "0100007F:1F90" style, as /proc/net/tcp spells an address (we compare ports only). */
function portOf(field: string): number {
  return parseInt(field.slice(field.indexOf(":") + 1), 16);
}

/** The inode of the TCP socket with these ports, or null. */
function socketInode(localPort: number, remotePort: number): string | null {
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = Deno.readTextFileSync(table);
    } catch {
      continue;
    }
    let found: string | null = null;
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      if (portOf(cols[1]) !== localPort || portOf(cols[2]) !== remotePort) continue;
      // Two sockets with the same port pair (clients on different hosts): not sure which.
      if (found !== null) return null;
      found = cols[9];
    }
    if (found !== null && found !== "0") return found;
  }
  return null;
}

function fdOfInode(inode: string): number | null {
  const target = `socket:[${inode}]`;
  try {
    for (const entry of Deno.readDirSync("/proc/self/fd")) {
      try {
        if (Deno.readLinkSync(`/proc/self/fd/${entry.name}`) === target) return Number(entry.name);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return null;
}

const ONE = new Uint8Array(new Int32Array([1]).buffer);

/**
 * Returns a function that puts `conn` into quick-ACK mode, or null when that
 * cannot be done here. Looks the descriptor up on the first call only.
 */
export function quickAckFor(conn: Deno.Conn): (() => void) | null {
  const local = conn.localAddr;
  const remote = conn.remoteAddr;
  if (local.transport !== "tcp" || remote.transport !== "tcp") return null;
  let fd: number | null | undefined;
  return () => {
    const c = loadLibc();
    if (!c) return;
    if (fd === undefined) {
      const inode = socketInode(local.port, remote.port);
      fd = inode === null ? null : fdOfInode(inode);
    }
    if (fd !== null) c.setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, ONE, 4);
  };
}
