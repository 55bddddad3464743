/** Self-signed certificates made in the test, valid or expired, as PEM. */
import { generate } from "selfsigned";

export async function certificatePem(
  notBefore: Date,
  notAfter: Date,
): Promise<{ cert: string; privateKey: string }> {
  const pems = await generate([{ name: "commonName", value: "chat-server" }], {
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
  });
  return { cert: pems.cert, privateKey: pems.private };
}
