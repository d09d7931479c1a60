/**
 * The OpenMetrics endpoint (maddy's `openmetrics` module): GET /metrics on
 * each configured address answers with the registry's text; everything else
 * is 404. Plain HTTP, meant for loopback or a private network.
 */
import type { Logger } from "../log.ts";
import { ConfigError, ioReason } from "../config/errors.ts";
import type { Metrics } from "./metrics.ts";

export interface MetricsAddress {
  /** As configured: "tcp://127.0.0.1:9749". */
  text: string;
  hostname: string;
  port: number;
}

export interface MetricsEndpoint {
  /** Bound addresses, port 0 resolved: "tcp://127.0.0.1:40123". */
  addresses: string[];
  close(): Promise<void>;
}

export async function serveMetrics(
  listen: readonly MetricsAddress[],
  metrics: Metrics,
  log: Logger,
): Promise<MetricsEndpoint> {
  const servers: Deno.HttpServer<Deno.NetAddr>[] = [];
  const addresses: string[] = [];
  const handler = (req: Request): Response => {
    const path = new URL(req.url).pathname;
    if (path !== "/metrics") return new Response("Not found\n", { status: 404 });
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const { contentType, text } = metrics.render(req.headers.get("accept") ?? "");
    return new Response(req.method === "HEAD" ? null : text, {
      headers: { "content-type": contentType },
    });
  };
  try {
    for (const address of listen) {
      const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
      let server: Deno.HttpServer<Deno.NetAddr>;
      try {
        server = Deno.serve({
          hostname: address.hostname,
          port: address.port,
          onListen: resolve,
          onError(err) {
            log.error("metrics request failed", { reason: (err as Error).message });
            return new Response("Internal error\n", { status: 500 });
          },
        }, handler);
      } catch (err) {
        throw new ConfigError(
          "openmetrics.listen",
          `cannot listen on ${address.text}: ${ioReason(err)}`,
        );
      }
      servers.push(server);
      const bound = await promise;
      const host = bound.hostname.includes(":") ? `[${bound.hostname}]` : bound.hostname;
      addresses.push(`tcp://${host}:${bound.port}`);
      log.info("metrics listening", { address: addresses.at(-1) });
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.shutdown()));
    throw err;
  }
  return {
    addresses,
    async close() {
      await Promise.all(servers.map((s) => s.shutdown()));
    },
  };
}
