/**
 * TLS certificates of one endpoint: loaded at start (a failure stops
 * start-up), chosen by SNI among several, and reloaded when the files
 * change on disk, so new connections get a renewed certificate without a
 * restart (maddy reloads every minute; we look at most once a second, when a
 * TLS connection starts).
 */
import tls from "node:tls";
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { TlsCertificate, TlsConfig } from "../config/types.ts";
import { ConfigError, ioReason } from "../config/errors.ts";
import type { Logger } from "../log.ts";

interface LoadedCertificate {
  context: tls.SecureContext;
  /** DNS names (lower case, "*.example.org" wildcards kept) the certificate covers. */
  names: string[];
  mtimes: string;
}

/** How often, at most, the files are checked for changes. */
const RELOAD_CHECK_MS = 1000;

export class TlsManager {
  readonly #config: TlsConfig;
  readonly #log: Logger;
  #certs: LoadedCertificate[];
  #lastCheck = Date.now();

  private constructor(config: TlsConfig, log: Logger, certs: LoadedCertificate[]) {
    this.#config = config;
    this.#log = log;
    this.#certs = certs;
  }

  /** Loads every certificate; throws with the file at fault. */
  static async create(config: TlsConfig, log: Logger): Promise<TlsManager> {
    const certs = [];
    for (const c of config.certificates) certs.push(await loadAtStart(c, config));
    return new TlsManager(config, log, certs);
  }

  /** Options for a server-side TLSSocket, after a reload check. */
  async socketOptions(): Promise<tls.TlsOptions> {
    await this.#maybeReload();
    const certs = this.#certs;
    return {
      secureContext: certs[0].context,
      SNICallback: (
        servername: string,
        cb: (err: Error | null, ctx?: tls.SecureContext) => void,
      ) => {
        cb(null, pickCertificate(certs, servername).context);
      },
    };
  }

  async #maybeReload(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastCheck < RELOAD_CHECK_MS) return;
    this.#lastCheck = now;
    const specs = this.#config.certificates;
    const next: LoadedCertificate[] = [];
    let changed = false;
    for (let i = 0; i < specs.length; i++) {
      const { cert, key } = specs[i];
      try {
        const mtimes = await fileStamps(cert, key);
        if (mtimes === this.#certs[i].mtimes) {
          next.push(this.#certs[i]);
          continue;
        }
        next.push(await loadCertificate(cert, key, this.#config));
        changed = true;
        this.#log.info("TLS certificate reloaded", { cert });
      } catch (err) {
        // Keep serving the certificate we have; a half-written file is retried later.
        this.#log.error("TLS certificate reload failed; keeping the previous one", {
          cert,
          reason: (err as Error).message,
        });
        next.push(this.#certs[i]);
      }
    }
    if (changed) this.#certs = next;
  }
}

/**
 * The first load: a file that cannot be read, or a pair that does not fit,
 * stops start-up with the config key that names it (`imap.tls.cert: cannot
 * read the certificate file "/etc/x.pem": No such file or directory`).
 */
async function loadAtStart(c: TlsCertificate, config: TlsConfig): Promise<LoadedCertificate> {
  const at = c.keyPath ?? "tls";
  for (const [key, file, what] of [["cert", c.cert, "certificate"], ["key", c.key, "key"]]) {
    try {
      (await Deno.open(file)).close();
    } catch (err) {
      throw new ConfigError(
        `${at}.${key}`,
        `cannot read the ${what} file ${JSON.stringify(file)}: ${ioReason(err)}`,
      );
    }
  }
  try {
    return await loadCertificate(c.cert, c.key, config);
  } catch (err) {
    throw new ConfigError(at, (err as Error).message);
  }
}

async function fileStamps(cert: string, key: string): Promise<string> {
  const [a, b] = await Promise.all([Deno.stat(cert), Deno.stat(key)]);
  return `${a.mtime?.getTime()}:${a.size}:${b.mtime?.getTime()}:${b.size}`;
}

async function loadCertificate(
  certFile: string,
  keyFile: string,
  config: TlsConfig,
): Promise<LoadedCertificate> {
  const mtimes = await fileStamps(certFile, keyFile);
  let cert: string;
  let key: string;
  try {
    cert = await Deno.readTextFile(certFile);
  } catch (err) {
    throw new Error(`Cannot read TLS certificate "${certFile}": ${(err as Error).message}`);
  }
  try {
    key = await Deno.readTextFile(keyFile);
  } catch (err) {
    throw new Error(`Cannot read TLS key "${keyFile}": ${(err as Error).message}`);
  }
  // createSecureContext accepts a key of another certificate here, and every
  // handshake would then fail ("unsupported protocol"): refuse it at start.
  let matches: boolean;
  try {
    matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new Error(
      `Invalid TLS certificate "${certFile}" or key "${keyFile}": ${(err as Error).message}`,
    );
  }
  if (!matches) {
    throw new Error(`TLS key "${keyFile}" does not match the certificate "${certFile}"`);
  }
  let context: tls.SecureContext;
  let names: string[];
  try {
    context = tls.createSecureContext({
      cert,
      key,
      minVersion: config.minVersion,
      maxVersion: config.maxVersion,
    });
    names = certificateNames(cert);
  } catch (err) {
    throw new Error(`Invalid TLS certificate or key "${certFile}": ${(err as Error).message}`);
  }
  return { context, names, mtimes };
}

function certificateNames(pem: string): string[] {
  const x509 = new X509Certificate(pem);
  const names: string[] = [];
  for (const part of (x509.subjectAltName ?? "").split(",")) {
    const m = /^\s*DNS:(.+)$/.exec(part);
    if (m) names.push(m[1].trim().toLowerCase());
  }
  if (names.length === 0) {
    const cn = /CN\s*=\s*([^,\n]+)/.exec(x509.subject);
    if (cn) names.push(cn[1].trim().toLowerCase());
  }
  return names;
}

function pickCertificate(certs: LoadedCertificate[], servername: string): LoadedCertificate {
  const name = servername.toLowerCase();
  for (const c of certs) if (c.names.includes(name)) return c;
  const dot = name.indexOf(".");
  if (dot > 0) {
    const wildcard = "*" + name.slice(dot);
    for (const c of certs) if (c.names.includes(wildcard)) return c;
  }
  return certs[0];
}
