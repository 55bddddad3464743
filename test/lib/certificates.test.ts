import { checkCertificate } from "../../lib/certificates.ts";
import { certificatePem } from "../support/certificates.ts";

const now = new Date("2026-12-03T00:00:00Z");

describe("checkCertificate", () => {
  it("accepts a current public certificate and reports its end date", async () => {
    const { cert } = await certificatePem(
      new Date("2026-01-01T00:00:00Z"),
      new Date("2027-06-30T00:00:00Z"),
    );

    const check = checkCertificate(cert, now);

    expect(check).toEqual({ ok: true, endDate: "2027-06-30T00:00:00.000Z" });
  });

  it("rejects an expired certificate with its expiry", async () => {
    const { cert } = await certificatePem(
      new Date("2025-01-01T00:00:00Z"),
      new Date("2026-01-01T00:00:00Z"),
    );

    expect(checkCertificate(cert, now)).toEqual({
      ok: false,
      problem: "expired on 2026-01-01T00:00:00.000Z; issue a new certificate and give its PEM",
    });
  });

  it("rejects PEM that carries a private key", async () => {
    const { cert, privateKey } = await certificatePem(now, new Date("2027-12-01T00:00:00Z"));

    const check = checkCertificate(`${cert}\n${privateKey}`, now);

    expect(check.ok).toBe(false);
    expect(!check.ok && check.problem).toMatch(
      /^holds a private key; give only the public certificate/,
    );
  });

  it("rejects text that is not a certificate", () => {
    expect(checkCertificate("hello", now)).toEqual({
      ok: false,
      problem: "is not a PEM certificate; expected a -----BEGIN CERTIFICATE----- block",
    });
    expect(
      checkCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", now),
    ).toEqual({
      ok: false,
      problem: "cannot be read as an X.509 certificate; export it again as PEM",
    });
  });
});
