/**
 * The server's metrics. Subsystems get this object (or one of its members)
 * and count; nothing here knows IMAP or SQL. `render()` writes OpenMetrics
 * when the scraper asks for it (Prometheus does), else the Prometheus text
 * format (curl, promtool).
 */
import process from "node:process";
import {
  Counter,
  Gauge,
  Histogram,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  Registry,
} from "./registry.ts";

/** Seconds: a command or query from 100 µs to 30 s. */
const LATENCY_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];

export interface ConnectionCount {
  endpoint: string;
  state: string;
  count: number;
}

export class Metrics {
  readonly #registry = new Registry();
  readonly #connectionSources: Array<() => ConnectionCount[]> = [];
  readonly #databaseFiles: Array<() => string[]> = [];

  readonly commands = this.#registry.register(
    new Counter("imapd_commands", "IMAP commands by name and result (ok, no, bad)", [
      "command",
      "result",
    ]),
  );
  readonly commandSeconds = this.#registry.register(
    new Histogram(
      "imapd_command_duration_seconds",
      "Time from a command's last byte to its tagged response",
      LATENCY_BUCKETS,
      ["command"],
    ),
  );
  readonly logins = this.#registry.register(
    new Counter("imapd_logins", "Authentication attempts by result (ok, failed, unavailable)", [
      "result",
    ]),
  );
  readonly appends = this.#registry.register(
    new Counter("imapd_appended_messages", "Messages stored by APPEND"),
  );
  readonly appendBytes = this.#registry.register(
    new Counter("imapd_appended_bytes", "Bytes of messages stored by APPEND"),
  );
  readonly deliveries = this.#registry.register(
    new Counter(
      "imapd_delivered_messages",
      "Messages delivered over LMTP or `imapd deliver`, per recipient, by result",
      ["result"],
    ),
  );
  readonly deliveryBytes = this.#registry.register(
    new Counter("imapd_delivered_bytes", "Bytes of delivered messages, per recipient"),
  );
  readonly storeRequestSeconds = this.#registry.register(
    new Histogram(
      "imapd_store_request_duration_seconds",
      "Time a session waits for one store request (queueing on the store thread included)",
      LATENCY_BUCKETS,
      ["method"],
    ),
  );

  constructor() {
    const r = this.#registry;
    r.register(
      new Gauge(
        "imapd_connections",
        "Open connections by endpoint and session state",
        ["endpoint", "state"],
        (g) => {
          g.reset();
          for (const source of this.#connectionSources) {
            for (const c of source()) g.set({ endpoint: c.endpoint, state: c.state }, c.count);
          }
        },
      ),
    );
    r.register(
      new Gauge(
        "imapd_database_size_bytes",
        "Size on disk of the database files (with their WAL)",
        [],
        (g) => {
          let total = 0;
          for (const files of this.#databaseFiles) {
            for (const file of files()) {
              try {
                total += Deno.statSync(file).size;
              } catch { /* not created yet, or an in-memory database */ }
            }
          }
          g.set(total);
        },
      ),
    );
    r.register(
      new Gauge(
        "imapd_process_resident_memory_bytes",
        "Resident memory size in bytes",
        [],
        (g) => g.set(Deno.memoryUsage().rss),
      ),
    );
    r.register(
      new Gauge(
        "imapd_process_heap_used_bytes",
        "JavaScript heap in use, in bytes",
        [],
        (g) => g.set(Deno.memoryUsage().heapUsed),
      ),
    );
    r.register(
      new Gauge(
        "imapd_process_cpu_seconds",
        "User and system CPU time spent, in seconds",
        [],
        (g) => {
          const { user, system } = process.cpuUsage();
          g.set((user + system) / 1e6);
        },
      ),
    );
    r.register(
      new Gauge("imapd_process_open_fds", "Open file descriptors", [], (g) => {
        try {
          g.set([...Deno.readDirSync("/proc/self/fd")].length);
        } catch { /* not Linux */ }
      }),
    );
    const started = Date.now() / 1000;
    r.register(
      new Gauge(
        "imapd_process_start_time_seconds",
        "Start time of the process since the Unix epoch, in seconds",
        [],
        (g) => g.set(started),
      ),
    );
  }

  /** Adds a source of open-connection counts (read at each scrape). */
  addConnectionSource(source: () => ConnectionCount[]): void {
    this.#connectionSources.push(source);
  }

  /** Adds database files whose size is reported (read at each scrape). */
  addDatabaseFiles(files: () => string[]): void {
    this.#databaseFiles.push(files);
  }

  /** The exposition for a request's Accept header. */
  render(accept = ""): { contentType: string; text: string } {
    const open = accept.includes("application/openmetrics-text");
    return {
      contentType: open ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE,
      text: this.#registry.render(open),
    };
  }
}
