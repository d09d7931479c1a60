/**
 * Password hashes in maddy's `auth.pass_table` stored format
 * (`internal/auth/pass_table/hash.go`): `ALGO:DATA`, where
 *
 * - `bcrypt:$2a$10$...` (also `$2b$`, `$2y$`): a modular-crypt bcrypt hash;
 * - `argon2:TIME:MEMORY_KIB:THREADS:B64SALT:B64HASH`: argon2id, version 0x13,
 *   standard base64 with padding, 64-byte key by maddy (any length verifies);
 * - `sha256:B64SALT:B64HASH`: SHA-256 of salt followed by the password
 *   (maddy's legacy format; verified, never written).
 *
 * Hashing and verifying run off the event loop (@node-rs/argon2 and
 * @node-rs/bcrypt async APIs run on libuv's thread pool).
 */
import { hashRaw } from "@node-rs/argon2";
import { hash as bcryptHash, verify as bcryptVerify } from "@node-rs/bcrypt";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";

export type HashAlgorithm = "argon2" | "bcrypt";

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ["argon2", "bcrypt"];

export interface HashOptions {
  /** argon2 passes; default 3. */
  argon2Time?: number;
  /** argon2 memory in KiB; default 65536 (64 MiB). */
  argon2Memory?: number;
  /** argon2 lanes; default 1. */
  argon2Threads?: number;
  /** bcrypt cost; default 10 (Go's bcrypt.DefaultCost, as maddy). */
  bcryptCost?: number;
}

export const DEFAULT_HASH_OPTIONS: Required<HashOptions> = {
  argon2Time: 3,
  argon2Memory: 64 * 1024,
  argon2Threads: 1,
  bcryptCost: 10,
};

const ARGON2_SALT_BYTES = 16;
const ARGON2_KEY_BYTES = 64;
const ARGON2ID = 2; // Algorithm.Argon2id (a const enum in the package's types)
const ARGON2_V13 = 1; // Version.V0x13

/** A stored hash in maddy's format, for `password` with a fresh salt. */
export async function hashPassword(
  password: string,
  algo: HashAlgorithm = "argon2",
  options: HashOptions = {},
): Promise<string> {
  const o = { ...DEFAULT_HASH_OPTIONS, ...options };
  if (algo === "bcrypt") {
    if (o.bcryptCost < 4 || o.bcryptCost > 31) {
      throw new RangeError(`Bcrypt cost ${o.bcryptCost} is outside 4..31`);
    }
    return "bcrypt:" + await bcryptHash(password, o.bcryptCost);
  }
  if (algo !== "argon2") throw new RangeError(`Unknown hash algorithm ${JSON.stringify(algo)}`);
  const salt = randomBytes(ARGON2_SALT_BYTES);
  const key = await hashRaw(password, {
    algorithm: ARGON2ID,
    version: ARGON2_V13,
    timeCost: o.argon2Time,
    memoryCost: o.argon2Memory,
    parallelism: o.argon2Threads,
    outputLen: ARGON2_KEY_BYTES,
    salt,
  });
  return `argon2:${o.argon2Time}:${o.argon2Memory}:${o.argon2Threads}:${salt.toString("base64")}:${
    Buffer.from(key).toString("base64")
  }`;
}

/**
 * Whether `password` matches `stored`. A malformed or unknown stored value
 * verifies as false, never throws: a broken row must not reveal more than a
 * wrong password does. Use `isKnownHashFormat()` to report such rows.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const colon = stored.indexOf(":");
  if (colon === -1) return false;
  const algo = stored.slice(0, colon);
  const data = stored.slice(colon + 1);
  try {
    switch (algo) {
      case "bcrypt":
        if (!/^\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}$/.test(data)) return false;
        return await bcryptVerify(password, data);
      case "argon2":
        return await verifyArgon2(password, data);
      case "sha256":
        return verifySha256(password, data);
    }
  } catch {
    return false;
  }
  return false;
}

/** Whether `stored` names an algorithm this module can verify. */
export function isKnownHashFormat(stored: string): boolean {
  return /^(bcrypt|argon2|sha256):/.test(stored);
}

async function verifyArgon2(password: string, data: string): Promise<boolean> {
  const parts = data.split(":");
  if (parts.length !== 5) return false;
  const [t, m, p] = parts.slice(0, 3).map((x) => (/^\d{1,10}$/.test(x) ? Number(x) : NaN));
  if (!(t >= 1 && m >= 8 && p >= 1 && p <= 255)) return false;
  const salt = decodeBase64(parts[3]);
  const want = decodeBase64(parts[4]);
  if (!salt || !want || salt.length < 8 || want.length < 4) return false;
  const got = await hashRaw(password, {
    algorithm: ARGON2ID,
    version: ARGON2_V13,
    timeCost: t,
    memoryCost: m,
    parallelism: p,
    outputLen: want.length,
    salt,
  });
  return timingSafeEqual(got, want);
}

function verifySha256(password: string, data: string): boolean {
  const parts = data.split(":");
  if (parts.length !== 2) return false;
  const salt = decodeBase64(parts[0]);
  const want = decodeBase64(parts[1]);
  if (!salt || !want || want.length !== 32) return false;
  const got = createHash("sha256").update(salt).update(password, "utf8").digest();
  return timingSafeEqual(got, want);
}

function decodeBase64(s: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  return Buffer.from(s, "base64");
}
