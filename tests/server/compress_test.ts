/** COMPRESS=DEFLATE with a client that is not ours: Python's zlib over a raw socket. */
import assert from "node:assert/strict";
import { startTestServer } from "../_support/server.ts";

const CLIENT = `
import socket, sys, zlib
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
def line(): return f.readline().decode().rstrip("\\r\\n")
print(line().split(" ")[1])
s.sendall(b"a1 LOGIN alice alice-pw\\r\\n")
while not (l := line()).startswith("a1 "): pass
print("COMPRESS=DEFLATE" in l)
s.sendall(b"a2 COMPRESS DEFLATE\\r\\n")
print(line())
comp = zlib.compressobj(6, zlib.DEFLATED, -15)
dec = zlib.decompressobj(-15)
def send(cmd):
    s.sendall(comp.compress(cmd.encode() + b"\\r\\n") + comp.flush(zlib.Z_SYNC_FLUSH))
buf = b""
def read_until(tag):
    global buf
    out = []
    while True:
        while b"\\r\\n" in buf:
            l, buf = buf.split(b"\\r\\n", 1)
            out.append(l.decode())
            if out[-1].startswith(tag + " "):
                return out
        data = s.recv(65536)
        if not data: raise SystemExit("closed")
        buf += dec.decompress(data)
send("a3 LIST \\"\\" \\"*\\"")
r = read_until("a3")
print(len([l for l in r if l.startswith("* LIST")]), r[-1])
send("a4 COMPRESS DEFLATE")
print(read_until("a4")[-1])
for i in range(50): send("n%d NOOP" % i)
print(read_until("n49")[-1])
send("a5 LOGOUT")
print(read_until("a5")[-1])
`;

Deno.test("COMPRESS DEFLATE interoperates with zlib and refuses a second COMPRESS", async () => {
  const srv = await startTestServer({ users: { alice: "alice-pw" } });
  try {
    const out = await new Deno.Command("python3", {
      args: ["-c", CLIENT, String(srv.port)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    assert.deepEqual(lines, [
      "OK",
      "True",
      "a2 OK DEFLATE active",
      "6 a3 OK LIST completed",
      "a4 NO [COMPRESSIONACTIVE] Compression is already active",
      "n49 OK NOOP completed",
      "a5 OK LOGOUT completed",
    ]);
  } finally {
    await srv.close();
  }
});

const GARBAGE_CLIENT = `
import socket, sys, zlib
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
f = s.makefile("rb")
def line(): return f.readline().decode().rstrip("\\r\\n")
line()
s.sendall(b"a1 LOGIN alice alice-pw\\r\\n")
while not line().startswith("a1 "): pass
s.sendall(b"a2 COMPRESS DEFLATE\\r\\n")
print(line())
# Not deflate: a reserved block type (BTYPE=11).
s.sendall(b"\\xff\\xff\\xff\\xff garbage\\r\\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk: break
    data += chunk
print(zlib.decompressobj(-15).decompress(data).decode().strip())
print("closed")
`;

Deno.test("invalid compressed input gets BYE, a log line and the close (issue 12, finding 10)", async () => {
  const lines: string[] = [];
  const srv = await startTestServer({
    users: { alice: "alice-pw" },
    logSink: (l) => lines.push(l),
  });
  try {
    const out = await new Deno.Command("python3", {
      args: ["-c", GARBAGE_CLIENT, String(srv.port)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const got = new TextDecoder().decode(out.stdout).trim().split("\n");
    assert.deepEqual(got, ["a2 OK DEFLATE active", "* BYE Invalid compressed data", "closed"]);
    assert.ok(
      lines.some((l) => /invalid compressed input.*client=127\.0\.0\.1/.test(l)),
      lines.join(""),
    );
  } finally {
    await srv.close();
  }
});
