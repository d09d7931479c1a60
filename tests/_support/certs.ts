/**
 * Test certificates made with openssl: a CA and leaf certificates it signs
 * (rustls refuses a self-signed certificate used as its own CA).
 */
async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

export interface TestCa {
  dir: string;
  cert: string;
  key: string;
  pem: string;
}

export async function makeCa(dir: string): Promise<TestCa> {
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-subj",
    "/CN=imapd test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ], dir);
  return {
    dir,
    cert: `${dir}/ca.pem`,
    key: `${dir}/ca.key`,
    pem: await Deno.readTextFile(`${dir}/ca.pem`),
  };
}

/** A leaf certificate for `name`, signed by `ca`; files `<file>.pem` and `<file>.key`. */
export async function makeLeaf(
  ca: TestCa,
  name: string,
  file = name,
): Promise<{ cert: string; key: string }> {
  const dir = ca.dir;
  await Deno.writeTextFile(
    `${dir}/${file}.ext`,
    `subjectAltName=DNS:${name}\nbasicConstraints=CA:FALSE\n`,
  );
  await openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${file}.key`,
    "-out",
    `${file}.csr`,
    "-subj",
    `/CN=${name}`,
  ], dir);
  await openssl([
    "x509",
    "-req",
    "-in",
    `${file}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    `${file}.pem`,
    "-extfile",
    `${file}.ext`,
  ], dir);
  return { cert: `${dir}/${file}.pem`, key: `${dir}/${file}.key` };
}
