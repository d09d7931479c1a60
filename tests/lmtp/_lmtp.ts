/**
 * A server with an `[lmtp]` endpoint on a unix socket and on loopback TCP
 * (port 0), accounts created in its store, and small helpers to read what
 * was delivered.
 */
import { baseConfig, startTestServer, type TestServer } from "../_support/server.ts";

export interface LmtpTestServer extends TestServer {
  socket: string;
  lmtpPort: number;
  /** The messages of a mailbox as text, in UID order. */
  messages(account: string, mailbox?: string): Promise<string[]>;
}

export interface LmtpOptions {
  /** Extra lines in [lmtp]. */
  lmtp?: string;
  /** Extra lines in [storage.imapsql.local_mailboxes]. */
  storage?: string;
  accounts?: string[];
  users?: Record<string, string>;
}

export async function startLmtpServer(options: LmtpOptions = {}): Promise<LmtpTestServer> {
  const srv = await startTestServer({
    users: options.users ?? {},
    config: (dir) =>
      `${baseConfig(dir)}delivery_map = "email_localpart"
${options.storage ?? ""}

[lmtp]
listen = ["unix://${dir}/lmtp.sock", "tcp://127.0.0.1:0"]
deliver_to = "&local_mailboxes"
hostname = "mx.test"
${options.lmtp ?? ""}
`,
  });
  for (const name of options.accounts ?? ["alice", "bob"]) {
    await srv.store.openAccount(name, { create: true });
  }
  const tcp = srv.running.lmtpAddresses.find((a) => a.startsWith("tcp://"))!;
  return {
    ...srv,
    socket: `${srv.dir}/lmtp.sock`,
    lmtpPort: Number(/:(\d+)$/.exec(tcp)![1]),
    async messages(account: string, mailbox = "INBOX") {
      const acc = await srv.store.openAccount(account);
      if (!acc) throw new Error(`no account ${account}`);
      const box = await acc.getMailbox(mailbox);
      if (!box) throw new Error(`no mailbox ${mailbox}`);
      const out: string[] = [];
      for await (const m of acc.fetch(box.id, [{ from: 1, to: 2 ** 32 - 1 }], { content: true })) {
        out.push(new TextDecoder().decode(m.content));
      }
      return out;
    },
  };
}

/** Runs a Python script with argv; returns stdout (fails the test on a non-zero exit). */
export async function python(script: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("python3", {
    args: ["-c", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (out.code !== 0) {
    throw new Error(`python3 failed: ${new TextDecoder().decode(out.stderr)}\n${text}`);
  }
  return text;
}
