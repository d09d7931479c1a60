import assert from "node:assert/strict";
import { htmlToText, messagePreview, PREVIEW_LENGTH } from "../../lib/mime/preview.ts";
import { parseMessage } from "../../lib/mime/parse.ts";

function preview(text: string): string {
  const bytes = new TextEncoder().encode(text.replaceAll("\n", "\r\n"));
  return messagePreview(bytes, parseMessage(bytes));
}

Deno.test("messagePreview() decodes base64 and the charset of the first text part", () => {
  const body = btoa(String.fromCharCode(...new TextEncoder().encode("Grüße aus Köln")));
  assert.equal(
    preview(
      `Subject: x\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n${body}\n`,
    ),
    "Grüße aus Köln",
  );
  // ISO-8859-1 bytes: "na", 0xEF (i with diaeresis), "ve".
  const latin = Uint8Array.from(
    [..."Content-Type: text/plain; charset=iso-8859-1\r\n\r\nna\xefve\r\n"].map((c) =>
      c.charCodeAt(0)
    ),
  );
  assert.equal(messagePreview(latin, parseMessage(latin)), "na\u00efve");
});

Deno.test("messagePreview() skips attachments and attached messages", () => {
  const msg = [
    "Content-Type: multipart/mixed; boundary=b",
    "",
    "--b",
    "Content-Type: text/plain",
    "Content-Disposition: attachment; filename=a.txt",
    "",
    "attached text",
    "--b",
    "Content-Type: message/rfc822",
    "",
    "Subject: inner",
    "",
    "inner text",
    "--b",
    "Content-Type: text/html",
    "",
    "<div>The <i>real</i> one</div>",
    "--b--",
    "",
  ].join("\n");
  assert.equal(preview(msg), "The real one");
  assert.equal(preview("Subject: x\nContent-Type: application/pdf\n\n%PDF\n"), "");
});

Deno.test("messagePreview() keeps at most PREVIEW_LENGTH characters, never half a pair", () => {
  const text = "😀".repeat(300);
  const out = preview(`Subject: x\nContent-Type: text/plain; charset=utf-8\n\n${text}\n`);
  assert.equal([...out].length, PREVIEW_LENGTH);
  assert.equal(out, "😀".repeat(PREVIEW_LENGTH));
});

Deno.test("htmlToText() drops head, style, script and comments and decodes entities", () => {
  assert.equal(
    htmlToText(
      "<head><title>t</title></head><style>x{}</style><script>var a='<p>';</script>" +
        "<!-- c --><p>a&lt;b &amp;&#65;&#x42; &bogus; &</p>",
    ).trim(),
    "a<b &AB &bogus; &",
  );
  // An unclosed tag ends the text rather than showing markup.
  assert.equal(htmlToText("ok <a href=").trim(), "ok");
});
