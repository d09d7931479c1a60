import assert from "node:assert/strict";
import { decodeTransferEncoding } from "../../lib/mime/mod.ts";

const enc = new TextEncoder();

Deno.test("`decodeTransferEncoding()` undoes base64 and quoted-printable, keeps identity encodings", () => {
  assert.deepEqual([...decodeTransferEncoding(enc.encode("AAEC/w==\r\n"), "BASE64")!], [
    0,
    1,
    2,
    255,
  ]);
  assert.equal(
    new TextDecoder().decode(
      decodeTransferEncoding(enc.encode("caf=C3=A9 =\r\nok=0D=0A"), "quoted-printable")!,
    ),
    "café ok\r\n",
  );
  const raw = new Uint8Array([0x61, 0, 0xff]);
  for (const e of ["7BIT", "8bit", "Binary", " binary "]) {
    assert.equal(decodeTransferEncoding(raw, e), raw, e);
  }
});

Deno.test("`decodeTransferEncoding()` gives null for an encoding it cannot undo", () => {
  for (const e of ["x-uuencode", "base-64", "gzip"]) {
    assert.equal(decodeTransferEncoding(enc.encode("x"), e), null, e);
  }
});
