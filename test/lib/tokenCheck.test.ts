import { generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";
import { ArgumentError } from "../../lib/commandLine.ts";
import {
  readTenantAOutputs,
  readTenantBOutputs,
  StackOutputsError,
  type StackSource,
} from "../../lib/stackOutputs.ts";
import {
  accessKeyAdvice,
  accessKeyUrl,
  backoffDelay,
  checkClaims,
  classifyAccessKeyStatus,
  decodeToken,
  expectedToken,
  formatDuration,
  formatReport,
  parseDuration,
} from "../../lib/tokenCheck.ts";
import { parseVerifyArgs, planAcquisition, type VerifyOptions } from "../../lib/verifyOptions.ts";
import { clientId, tenantA as tenantAId, tenantB as tenantBId } from "../support/config.ts";
import {
  enterpriseApplication,
  rawTenantAOutputs as rawA,
  rawTenantBOutputs as rawB,
  tenantAServicePrincipal,
} from "../support/outputs.ts";

const otherTenant = "12121212-1212-1212-1212-121212121212";

const sourceA: StackSource = { side: "tenantA", kind: "file", flag: "--tenant-a", value: "a.json" };
const sourceB: StackSource = { side: "tenantB", kind: "file", flag: "--tenant-b", value: "b.json" };
const tenantA = readTenantAOutputs(rawA, sourceA);
const tenantB = readTenantBOutputs(rawB, sourceB);

const now = new Date("2026-12-03T12:00:00Z");
const nowSeconds = now.getTime() / 1000;
const expected = expectedToken(tenantB, tenantA);

let signingKey: CryptoKey;

beforeAll(async () => {
  ({ privateKey: signingKey } = await generateKeyPair("RS256"));
});

/** A token as Entra issues it for the app server (v1 claims), signed, with claims overridden. */
async function token(overrides: Record<string, unknown> = {}): Promise<string> {
  const claims: Record<string, unknown> = {
    aud: "https://signalr.azure.com",
    iss: `https://sts.windows.net/${tenantBId}/`,
    iat: nowSeconds - 60,
    nbf: nowSeconds - 60,
    exp: nowSeconds + 3600,
    tid: tenantBId,
    oid: enterpriseApplication,
    appid: clientId,
    ver: "1.0",
    ...overrides,
  };
  for (const [key, value] of Object.entries(claims)) if (value === undefined) delete claims[key];
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: "RS256" }).sign(signingKey);
}

async function checksOf(overrides: Record<string, unknown>, expectations = expected) {
  return checkClaims(decodeToken(await token(overrides), "--token"), expectations, now).checks;
}

const expiry = new Date((nowSeconds + 3600) * 1000).toISOString().replace(".000Z", "Z");

describe("checkClaims", () => {
  test("a right token passes every check", async () => {
    const report = checkClaims(decodeToken(await token(), "--token"), expected, now);

    expect(report.ok).toBe(true);
    expect(report.expiresAt).toEqual(new Date((nowSeconds + 3600) * 1000));
    expect(formatReport(report)).toBe(
      [
        `ok   tid: ${tenantBId} is tenant B.`,
        `ok   oid: ${enterpriseApplication} is the enterprise application in tenant B.`,
        `ok   appid: ${clientId} is the application.`,
        "ok   aud: https://signalr.azure.com is SignalR.",
        `ok   exp: valid until ${expiry}.`,
        "The token is right for SignalR.",
        "",
      ].join("\n"),
    );
  });

  test("a v2 token names the application in azp, and aud may list several", async () => {
    const checks = await checksOf({
      appid: undefined,
      azp: clientId,
      ver: "2.0",
      aud: ["https://example.org", "https://signalr.azure.com/"],
    });

    expect(checks.every((check) => check.ok)).toBe(true);
    expect(checks[2]).toEqual({
      claim: "azp",
      ok: true,
      message: `${clientId} is the application.`,
    });
  });

  test("tid of tenant A: the credential asked tenant A; oid is then tenant A's principal", async () => {
    const report = checkClaims(
      decodeToken(await token({ tid: tenantAId, oid: tenantAServicePrincipal }), "--token"),
      expected,
      now,
    );

    expect(report.ok).toBe(false);
    expect(formatReport(report).split("\n").slice(0, 2)).toEqual([
      `FAIL tid: ${tenantAId} is tenant A: the credential asked tenant A for the token. Use ` +
        `tenant B's id ${tenantBId} as the tenant (TenantId= in the connection string).`,
      `FAIL oid: ${tenantAServicePrincipal} is not the enterprise application ` +
        `${enterpriseApplication} in tenant B; it is likely tenant A's service principal of the ` +
        "application, which holds no SignalR role. Fix tid.",
    ]);
    expect(formatReport(report).split("\n").slice(-2)).toEqual([
      "2 claims are wrong; fix the credential and get a new token.",
      "",
    ]);
  });

  test("tid of another tenant", async () => {
    const checks = await checksOf({ tid: otherTenant, oid: tenantAServicePrincipal });

    expect(checks[0]).toEqual({
      claim: "tid",
      ok: false,
      message:
        `${otherTenant} is not tenant B (${tenantBId}): another tenant issued the token. Use ` +
        `tenant B's id ${tenantBId} as the tenant (TenantId= in the connection string).`,
    });
  });

  test("tid of tenant A is recognised only when tenant A's outputs are known", async () => {
    const checks = await checksOf(
      { tid: tenantAId, oid: tenantAServicePrincipal },
      expectedToken(tenantB),
    );

    expect(checks[0].message).toBe(
      `${tenantAId} is not tenant B (${tenantBId}): another tenant issued the token. Use ` +
        `tenant B's id ${tenantBId} as the tenant (TenantId= in the connection string).`,
    );
  });

  test("no tid: not an Entra access token", async () => {
    const checks = await checksOf({ tid: undefined });

    expect(checks[0]).toEqual({
      claim: "tid",
      ok: false,
      message:
        "missing: this is not an Entra access token. Get one with the app server's credential.",
    });
  });

  test("oid of another object in tenant B: the enterprise application was recreated", async () => {
    const checks = await checksOf({ oid: tenantAServicePrincipal });

    expect(checks.filter((check) => !check.ok)).toEqual([
      {
        claim: "oid",
        ok: false,
        message:
          `${tenantAServicePrincipal} is not the enterprise application ${enterpriseApplication} ` +
          "that tenant B's role assignments name; the enterprise application was likely deleted " +
          "and created again (for example by a new admin consent). Run `pulumi up` on the tenant " +
          "B stack.",
      },
    ]);
  });

  test("no oid", async () => {
    const checks = await checksOf({ oid: undefined });

    expect(checks[1]).toEqual({
      claim: "oid",
      ok: false,
      message: "missing: the token names no principal. Get an app-only token.",
    });
  });

  test("appid of another application", async () => {
    const other = "88888888-8888-8888-8888-888888888888";

    const checks = await checksOf({ appid: other });

    expect(checks.filter((check) => !check.ok)).toEqual([
      {
        claim: "appid",
        ok: false,
        message:
          `${other} is not the application ${clientId}: the credential used another ` +
          `application's client id. Use ${clientId} (ClientId= in the connection string).`,
      },
    ]);
  });

  test("neither appid nor azp", async () => {
    const checks = await checksOf({ appid: undefined });

    expect(checks[2]).toEqual({
      claim: "appid",
      ok: false,
      message:
        "missing (neither appid nor azp): the token names no application. Get it with the " +
        "application's credential.",
    });
  });

  test.each([
    [{ scp: "user_impersonation" }, "scp"],
    [{ idtyp: "user" }, "idtyp"],
  ])("a user's token (%j)", async (claims, claim) => {
    const checks = await checksOf(claims);

    expect(checks.filter((check) => !check.ok)).toEqual([
      {
        claim,
        ok: false,
        message:
          "this is a user's (delegated) token: the app server needs an app-only token that its " +
          "own credential gets, without a user signing in.",
      },
    ]);
  });

  test.each([
    ["https://graph.microsoft.com", "; it is Microsoft Graph"],
    ["https://management.usgovcloudapi.net", "; it is Azure Resource Manager"],
    ["api://contoso-chat", ""],
  ])("aud %s is not SignalR: the wrong scope", async (aud, service) => {
    const checks = await checksOf({ aud });

    expect(checks.filter((check) => !check.ok)).toEqual([
      {
        claim: "aud",
        ok: false,
        message:
          `${aud} is not SignalR (https://signalr.azure.com)${service}: the token was requested ` +
          "for the wrong scope. Ask for https://signalr.azure.com/.default.",
      },
    ]);
  });

  test("aud of the token exchange: the assertion, not the SignalR token", async () => {
    const checks = await checksOf({ aud: "api://AzureADTokenExchangeChina" });

    expect(checks.filter((check) => !check.ok)).toEqual([
      {
        claim: "aud",
        ok: false,
        message:
          "api://AzureADTokenExchangeChina is the token-exchange audience: this is the assertion " +
          "a managed identity or external issuer hands to Entra, not the SignalR token. Exchange " +
          "it with a ClientAssertionCredential for https://signalr.azure.com/.default.",
      },
    ]);
  });

  test("no aud", async () => {
    const checks = await checksOf({ aud: undefined });

    expect(checks.find((check) => check.claim === "aud")).toEqual({
      claim: "aud",
      ok: false,
      message: "missing: ask Entra for the scope https://signalr.azure.com/.default.",
    });
  });

  test("expired", async () => {
    const checks = await checksOf({ exp: nowSeconds - 120 });

    expect(checks.filter((check) => !check.ok)).toEqual([
      { claim: "exp", ok: false, message: "expired at 2026-12-03T11:58:00Z. Get a new token." },
    ]);
  });

  test("no exp", async () => {
    const checks = await checksOf({ exp: undefined });

    expect(checks.filter((check) => !check.ok)).toEqual([
      {
        claim: "exp",
        ok: false,
        message: "missing: Entra tokens always expire. Get a token from Entra.",
      },
    ]);
  });

  test("not valid yet, beyond five minutes of clock skew", async () => {
    const withinSkew = await checksOf({ nbf: nowSeconds + 240 });
    const beyond = await checksOf({ nbf: nowSeconds + 600 });

    expect(withinSkew.every((check) => check.ok)).toBe(true);
    expect(beyond.filter((check) => !check.ok)).toEqual([
      {
        claim: "nbf",
        ok: false,
        message:
          "not valid before 2026-12-03T12:10:00Z: this machine's clock or the issuer's is off. " +
          "Correct the clock and get a new token.",
      },
    ]);
  });
});

describe("decodeToken", () => {
  test.each(["abc", "a.b", ""])("refuses %j", (text) => {
    expect(() => decodeToken(text, "--token-file")).toThrow(ArgumentError);
    expect(() => decodeToken(text, "--token-file")).toThrow(
      /^--token-file: not a JWT \(.+\); give the access token itself, three base64url parts separated by dots, without a 'Bearer ' prefix\.$/,
    );
  });
});

describe("a token behind a Bearer prefix", () => {
  it("is refused, since the prefix would be sent twice", async () => {
    const valid = await token();

    expect(() => decodeToken(`Bearer ${valid}`, "--token")).toThrow(
      new ArgumentError(
        "--token: starts with 'Bearer '; give the access token itself, three base64url parts " +
          "separated by dots, without a 'Bearer ' prefix.",
      ),
    );
  });
});

describe("durations and backoff", () => {
  test.each([
    ["30m", 1_800_000],
    ["1h30m", 5_400_000],
    ["45s", 45_000],
    ["250ms", 250],
    ["1.5s", 1_500],
    ["0", 0],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text, "--wait")).toBe(ms);
  });

  test.each(["30", "m", "5 m", "-1s", "1d"])("%s is refused", (text) => {
    expect(() => parseDuration(text, "--wait")).toThrow(
      new ArgumentError(
        `--wait ${text}: not a duration; write a number ` +
          `with a unit, such as 30m, 1h30m, 45s or 250ms.`,
      ),
    );
  });

  test.each([
    [250, "250ms"],
    [10_000, "10s"],
    [1_790_000, "29m50s"],
    [5_400_000, "1h30m"],
  ])("%d ms is written %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test("doubles from the first pause and stops at the cap", () => {
    const schedule = Array.from({ length: 8 }, (_, attempt) =>
      backoffDelay(attempt, { initialMs: 5_000, maxMs: 60_000 }),
    );

    expect(schedule).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000, 60_000]);
    expect(backoffDelay(1_000, { initialMs: 5_000, maxMs: 60_000 })).toBe(60_000);
  });
});

describe("SignalR's answers", () => {
  test.each([
    [200, "authorized"],
    [401, "notYet"],
    [403, "notYet"],
    [429, "retry"],
    [503, "retry"],
    [404, "wrongEndpoint"],
    [400, "wrongEndpoint"],
  ])("%d means %s", (status, answer) => {
    expect(classifyAccessKeyStatus(status)).toBe(answer);
  });

  test("the accessKey URL, with or without a trailing slash", () => {
    expect(accessKeyUrl("https://chat-weu.service.signalr.net/")).toBe(
      "https://chat-weu.service.signalr.net/api/v1/auth/accessKey",
    );
  });

  test("advice names the assignments that grant auth/accessKey", () => {
    expect(accessKeyAdvice(tenantB)).toBe(
      "Tenant B assigns SignalR App Server at " +
        "/subscriptions/55555555-5555-5555-5555-555555555555/" +
        "resourceGroups/chat/providers/Microsoft.SignalRService/SignalR/chat-weu. " +
        "A new assignment " +
        "usually takes minutes to reach SignalR, at management-group scope it can take hours; " +
        "check that the endpoint lies within the scope.",
    );
  });

  test("advice says when no assignment grants auth/accessKey", () => {
    const readerOnly = {
      ...tenantB,
      roleAssignments: [
        {
          ...tenantB.roleAssignments[0],
          role: "SignalR REST API Reader",
          roleDefinitionId:
            "/providers/Microsoft.Authorization/roleDefinitions/ddde6b66-c0df-4114-a159-3618637b3035",
        },
      ],
    };

    expect(accessKeyAdvice(readerOnly)).toBe(
      "None of tenant B's role assignments grants auth/accessKey: assign SignalR App Server (or " +
        "SignalR Service Owner) at a scope that holds " +
        "the resource, and run `pulumi up` on tenant B.",
    );
  });
});

describe("parseVerifyArgs", () => {
  test("a token to check, and a wait with short pauses", () => {
    expect(
      parseVerifyArgs([
        "--stack-b",
        "contoso/chat/tenantB",
        "--token",
        "a.b.c",
        "--wait",
        "2m",
        "--endpoint",
        "chat-weu",
        "--initial-delay",
        "10ms",
        "--max-delay",
        "40ms",
      ]),
    ).toEqual({
      tenantB: { side: "tenantB", kind: "stack", flag: "--stack-b", value: "contoso/chat/tenantB" },
      tenantA: undefined,
      token: { kind: "inline", value: "a.b.c" },
      credential: undefined,
      clientSecretFile: undefined,
      certificatePath: undefined,
      assertionFile: undefined,
      managedIdentityObjectId: undefined,
      authorityHost: undefined,
      showToken: false,
      wait: { timeoutMs: 120_000, endpoint: "chat-weu", backoff: { initialMs: 10, maxMs: 40 } },
    });
  });

  test("--endpoint alone waits 30 minutes with pauses from 5s to 60s", () => {
    const options = parseVerifyArgs([
      "--tenant-b",
      "b.json",
      "--token-file",
      "token.txt",
      "--endpoint",
      "https://chat-weu.service.signalr.net",
    ]) as VerifyOptions;

    expect(options.token).toEqual({ kind: "file", path: "token.txt" });
    expect(options.wait).toEqual({
      timeoutMs: 1_800_000,
      endpoint: "https://chat-weu.service.signalr.net",
      backoff: { initialMs: 5_000, maxMs: 60_000 },
    });
  });

  test("--acquire with tenant A's outputs and an authority host", () => {
    const options = parseVerifyArgs([
      "--tenant-b",
      "b.json",
      "--tenant-a",
      "a.json",
      "--acquire",
      "--credential",
      "server-cert",
      "--cert-path",
      "app.pem",
      "--authority-host",
      "https://127.0.0.1:8443",
      "--show-token",
    ]) as VerifyOptions;

    expect(options).toEqual({
      tenantB: sourceB,
      tenantA: sourceA,
      token: { kind: "acquire" },
      credential: "server-cert",
      clientSecretFile: undefined,
      certificatePath: "app.pem",
      assertionFile: undefined,
      managedIdentityObjectId: undefined,
      authorityHost: "https://127.0.0.1:8443",
      showToken: true,
    });
  });

  test.each([
    [["--tenant-b", "b.json"], "no token: give --token JWT, --token-file FILE or --acquire."],
    [
      ["--tenant-b", "b.json", "--token", "x", "--acquire"],
      "--token and --acquire each give a token; give one.",
    ],
    [
      ["--token", "x"],
      "tenant B's outputs are missing: give --tenant-b FILE (what `pulumi stack output " +
        "--json --show-secrets` printed) or --stack-b NAME (organization/project/stack).",
    ],
    [
      ["--tenant-b", "b.json", "--token", "x", "--cert-path", "a.pem"],
      "--cert-path is used with --acquire; add --acquire or drop --cert-path.",
    ],
    [
      ["--tenant-b", "b.json", "--acquire", "--credential", "primary"],
      "--credential primary picks one of tenant A's " +
        "credentials; add --tenant-a FILE or --stack-a NAME.",
    ],
    [
      ["--tenant-b", "b.json", "--acquire", "--managed-identity-object-id", "chat-identity"],
      "--managed-identity-object-id chat-identity: not a GUID; give the managed identity's " +
        "principal (object) id.",
    ],
    [
      ["--tenant-b", "b.json", "--token", "x", "--initial-delay", "1s"],
      "--initial-delay is used with --wait or --endpoint; add one or drop it.",
    ],
    [
      ["--tenant-b", "b.json", "--token", "x", "--wait", "1m", "--initial-delay", "2m"],
      "--initial-delay 2m and --max-delay 1m: the first pause must be above 0 and at most the cap.",
    ],
    [
      ["--tenant-b", "b.json", "--token", "x", "--wait", "soon"],
      "--wait soon: not a duration; write a number with a unit, such as 30m, 1h30m, 45s or 250ms.",
    ],
    [["--tenant-b", "b.json", "--token", "x", "--bogus"], "Unknown option '--bogus'. See --help."],
  ])("refuses %j", (argv, message) => {
    expect(() => parseVerifyArgs(argv)).toThrow(new ArgumentError(message));
  });
});

describe("planAcquisition", () => {
  function options(argv: string[]): VerifyOptions {
    return parseVerifyArgs(["--tenant-b", "b.json", "--acquire", ...argv]) as VerifyOptions;
  }

  test("tenant A's newest valid secret by default", () => {
    expect(planAcquisition(options(["--tenant-a", "a.json"]), tenantA, tenantB, now)).toEqual({
      kind: "secret",
      from: "tenant A's secret credential primary@a",
      clientSecret: "Ab1~primary.slot-a_2099",
    });
  });

  test("tenant A's certificate with its private key from --cert-path", () => {
    expect(
      planAcquisition(
        options(["--tenant-a", "a.json", "--credential", "server-cert", "--cert-path", "app.pem"]),
        tenantA,
        tenantB,
        now,
      ),
    ).toEqual({
      kind: "certificate",
      from: "tenant A's certificate credential server-cert",
      certificatePath: "app.pem",
    });
  });

  test("tenant A's managed identity, exchanged with its own audience", () => {
    expect(
      planAcquisition(
        options(["--tenant-a", "a.json", "--credential", "chat-server-identity"]),
        tenantA,
        tenantB,
        now,
      ),
    ).toEqual({
      kind: "managedIdentity",
      from: "tenant A's managedIdentity credential chat-server-identity",
      objectId: "22222222-2222-2222-2222-222222222222",
      assertionScope: "api://AzureADTokenExchange/.default",
    });
  });

  test("a credential flag alone, in tenant B's cloud", () => {
    const china = { ...tenantB, cloud: "china" as const };

    expect(
      planAcquisition(
        options(["--managed-identity-object-id", "22222222-2222-2222-2222-222222222222"]),
        undefined,
        china,
        now,
      ),
    ).toEqual({
      kind: "managedIdentity",
      from: "the managed identity 22222222-2222-2222-2222-222222222222",
      objectId: "22222222-2222-2222-2222-222222222222",
      assertionScope: "api://AzureADTokenExchangeChina/.default",
    });
    expect(
      planAcquisition(options(["--assertion-file", "t.jwt"]), undefined, tenantB, now),
    ).toEqual({
      kind: "assertionFile",
      from: "--assertion-file t.jwt",
      assertionFile: "t.jwt",
    });
    expect(
      planAcquisition(options(["--client-secret-file", "s"]), undefined, tenantB, now),
    ).toEqual({ kind: "secretFile", from: "--client-secret-file s", path: "s" });
  });

  test.each([
    [
      ["--cert-path", "a.pem", "--assertion-file", "t.jwt"],
      "--cert-path and --assertion-file each name a credential; give one.",
    ],
    [
      [],
      "--acquire needs a credential: give tenant A's " +
        "outputs (--tenant-a FILE or --stack-a NAME), " +
        "or one of --client-secret-file, --cert-path, " +
        "--assertion-file, --managed-identity-object-id.",
    ],
  ])("refuses %j without tenant A", (argv, message) => {
    expect(() => planAcquisition(options(argv), undefined, tenantB, now)).toThrow(
      new ArgumentError(message),
    );
  });

  test.each([
    [
      ["--credential", "github-prod"],
      "tenant A's federated credential github-prod needs --assertion-file FILE: the token its " +
        "issuer (https://token.actions.githubusercontent.com) " +
        "gave for the subject the credential " +
        "trusts.",
    ],
    [
      ["--credential", "server-cert"],
      "tenant A's certificate credential server-cert needs --cert-path FILE: a PEM file holding " +
        "the certificate and its private key.",
    ],
    [
      ["--credential", "primary", "--cert-path", "a.pem"],
      "--cert-path does not fit tenant A's secret credential primary@a; drop it, or choose " +
        "another credential with --credential.",
    ],
  ])("refuses %j with tenant A", (argv, message) => {
    expect(() =>
      planAcquisition(options(["--tenant-a", "a.json", ...argv]), tenantA, tenantB, now),
    ).toThrow(new ArgumentError(message));
  });

  test("a secret tenant A's outputs lack", () => {
    const withoutValues = { ...tenantA, clientSecrets: {} };

    expect(() =>
      planAcquisition(options(["--tenant-a", "a.json"]), withoutValues, tenantB, now),
    ).toThrow(
      new StackOutputsError("Tenant A's credential primary@a cannot be used:", [
        "clientSecrets has no value for primary@a; print tenant A's outputs with `pulumi stack " +
          "output --json --show-secrets`.",
      ]),
    );
  });
});
