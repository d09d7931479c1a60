/**
 * Entry point of `deno run -A main.ts` and of the compiled binary: reads the
 * command line and the config, then starts the server or runs an admin
 * command. Wiring only; the pieces live in lib/.
 */
import { parseInvocation, type Subcommand, takeCfgBlock } from "./lib/cli/args.ts";
import { processIo } from "./lib/cli/io.ts";
import { helpFor, USAGE, usageLine } from "./lib/cli/help.ts";
import { loadConfig } from "./lib/config/config.ts";
import { ConfigError } from "./lib/config/errors.ts";
import {
  Logger,
  openAdminCredentials,
  openAdminDelivery,
  openAdminStore,
  openLogger,
  openStorageOf,
  startServer,
} from "./lib/app.ts";
import { VERSION } from "./lib/version.ts";

// The admin commands' modules are imported when their command runs: a
// running server never needs them, and each module loaded costs memory for
// as long as the server runs (docs/performance.md, "Memory").

const CFG_BLOCK_COMMANDS: Subcommand[] = [
  "creds",
  "imap-acct",
  "imap-mboxes",
  "imap-msgs",
  "import",
];

async function main(): Promise<number> {
  const io = processIo();
  const inv = parseInvocation(Deno.args, (name) => Deno.env.get(name));
  if (inv.kind === "help") {
    io.stdout(USAGE);
    return 0;
  }
  if (inv.kind === "version") {
    io.stdout(`imapd ${VERSION}\n`);
    return 0;
  }
  if (inv.kind === "usage-error") {
    io.stderr(`imapd: ${inv.message}\n\n${USAGE}`);
    return 2;
  }

  const help = helpFor(inv.command, inv.args);
  if (help !== null) {
    io.stdout(help);
    return 0;
  }
  if (inv.command === "hash") {
    const { runCredsCli } = await import("./lib/cli/creds.ts");
    return await runCredsCli("hash", inv.args, null, io);
  }
  if (inv.command === "deliver") return await deliver(inv.configFile, inv.args, io);

  const config = await loadConfig(inv.configFile);

  if (inv.command === "run") {
    const log = await openLogger(config);
    const running = await startServer(config, log);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`received ${signal}, shutting down`);
      running.shutdown().then(() => {
        log.info("stopped");
        Deno.exit(0);
      });
    };
    Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
    Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
    // SIGHUP (systemctl reload, logrotate): log files are reopened; certificates
    // need nothing, new connections pick up changed files by themselves.
    Deno.addSignalListener("SIGHUP", () => {
      const failed = Logger.reopenFiles();
      for (const f of failed) log.error("could not reopen the log file", { reason: f });
      log.info("received SIGHUP: log files reopened");
    });
    return await new Promise<number>(() => {}); // runs until a signal
  }

  // maddy's --cfg-block: which [auth.pass_table.NAME] (creds) or [storage.imapsql.NAME] to use.
  let block: string | undefined;
  if (CFG_BLOCK_COMMANDS.includes(inv.command)) {
    const taken = takeCfgBlock(inv.args);
    if ("error" in taken) {
      io.stderr(`imapd ${inv.command}: ${taken.error}\n${usageLine(inv.command)}`);
      return 2;
    }
    block = taken.block;
    inv.args = taken.args;
  }

  if (inv.command === "creds") {
    const { runCredsCli } = await import("./lib/cli/creds.ts");
    const table = await openAdminCredentials(config, block);
    try {
      return await runCredsCli("creds", inv.args, table, io);
    } finally {
      await table?.close?.();
    }
  }

  if (inv.command === "backup" || inv.command === "restore") {
    const { runBackup, runRestore } = await import("./lib/cli/backup.ts");
    return await (inv.command === "backup" ? runBackup : runRestore)(config, inv.args, io);
  }

  if (inv.command === "health") {
    const { runHealth } = await import("./lib/cli/health.ts");
    return await runHealth(config, { openStore: (s) => openStorageOf(config, s) }, io);
  }

  if (inv.command === "import-maddy") {
    const { ImportError, importMaddy, parseImportMaddyArgs } = await import(
      "./lib/cli/import_maddy.ts"
    );
    let options;
    try {
      options = parseImportMaddyArgs(inv.args);
    } catch (err) {
      io.stderr(`imapd import-maddy: ${(err as Error).message}\n${usageLine("import-maddy")}`);
      return 2;
    }
    const store = await openAdminStore(config);
    try {
      const s = await importMaddy(options, store, io);
      io.stdout(
        `imported ${s.accounts} accounts, ${s.mailboxes} mailboxes, ${s.messages} messages` +
          (s.present > 0 ? ` (${s.present} were already here)` : "") + "\n",
      );
      return 0;
    } catch (err) {
      if (!(err instanceof ImportError)) throw err;
      io.stderr(`imapd import-maddy: ${err.message}\n`);
      return 1;
    } finally {
      await store.close();
    }
  }

  const { runStoreCli } = await import("./lib/cli/store.ts");
  const store = await openAdminStore(config, block);
  try {
    return await runStoreCli(inv.command, inv.args, store, io);
  } finally {
    await store.close();
  }
}

/**
 * `imapd deliver`: every failure to get going (config, database) is
 * temporary (75), so the MTA keeps the message and retries.
 */
async function deliver(configFile: string, args: string[], io: ReturnType<typeof processIo>) {
  const { EX_TEMPFAIL, EX_USAGE, parseDeliverArgs, readMessage, runDeliver } = await import(
    "./lib/cli/deliver.ts"
  );
  const parsed = parseDeliverArgs(args, io);
  if (!parsed) return EX_USAGE;
  let opened;
  let limit;
  try {
    const config = await loadConfig(configFile);
    opened = await openAdminDelivery(config);
    limit = opened.maxMessageSize;
  } catch (err) {
    io.stderr(`imapd deliver: ${(err as Error).message} (4.3.0)\n`);
    return EX_TEMPFAIL;
  }
  try {
    const raw = await readMessage(Deno.stdin.readable, limit);
    return await runDeliver(parsed.sender, parsed.recipients, raw, opened.delivery, io);
  } finally {
    await opened.close();
  }
}

try {
  Deno.exit(await main());
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`imapd: config error: ${err.message}`);
  } else {
    console.error(`imapd: ${(err as Error).message}`);
  }
  Deno.exit(1);
}
