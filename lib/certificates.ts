/**
 * Checks the public certificate a tenant-A application will trust, before anything is created:
 * Entra accepts an expired certificate or a PEM that carries a private key, and either fails much
 * later.
 */
import { X509Certificate } from "node:crypto";

export type CertificateCheck =
  | { readonly ok: true; readonly endDate: string }
  | { readonly ok: false; readonly problem: string };

export function checkCertificate(pem: string, now: Date): CertificateCheck {
  if (/PRIVATE KEY-----/.test(pem)) {
    return {
      ok: false,
      problem:
        "holds a private key; give only the public " +
        "certificate (the -----BEGIN CERTIFICATE----- block) " +
        "and keep the key with the app server",
    };
  }
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) {
    return {
      ok: false,
      problem: "is not a PEM certificate; expected a -----BEGIN CERTIFICATE----- block",
    };
  }

  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    return { ok: false, problem: "cannot be read as an X.509 certificate; export it again as PEM" };
  }

  const notAfter = new Date(certificate.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    return {
      ok: false,
      problem: `expired on ${notAfter.toISOString()}; issue a new certificate and give its PEM`,
    };
  }
  return { ok: true, endDate: notAfter.toISOString() };
}
