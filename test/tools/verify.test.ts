/**
 * `npm run verify` end to end, against servers this test starts on 127.0.0.1 over HTTPS with a
 * certificate it generates: an Entra-like authority (OpenID metadata, token issuance that checks
 * the client secret or the client assertion), an App Service-like managed identity endpoint, and a
 * SignalR-like `GET /api/v1/auth/accessKey` that refuses a few times before it lets the token in.
 * The clients are the real @azure/identity credentials.
 *
 * Why verify runs as a child process: @azure/identity reaches the authority through Node's own
 * HTTPS client, which trusts only the certificates Node loaded when the process started.
 * NODE_EXTRA_CA_CERTS adds the test's certificate, and Node reads it at start only, so the test
 * runs `node tools/verify.ts` with that variable set. `--authority-host https://127.0.0.1:<port>`
 * makes verify pass `disableInstanceDiscovery: true`; without it the library first asks
 * login.microsoftonline.com whether the authority is known, which fails offline. The managed
 * identity is found through IDENTITY_ENDPOINT and IDENTITY_HEADER, the variables App Service sets.
 */
import { createHash, X509Certificate, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type CryptoKey,
} from "jose";
import { generate } from "selfsigned";
import {
  clientId,
  identityPrincipal,
  tenantA as tenantAId,
  tenantB as tenantBId,
} from "../support/config.ts";
import {
  enterpriseApplication,
  newestSecret as clientSecret,
  rawTenantBOutputs as tenantBOutputs,
  tenantAOutputsFile as tenantA,
  tenantAServicePrincipal,
} from "../support/outputs.ts";
import { runTool, type ToolRun } from "../support/tools.ts";

const accessKey = "signalr-access-key-never-printed";
const identityHeader = "identity-header-value";
const githubIssuer = "https://token.actions.githubusercontent.com";
const githubSubject = "repo:contoso/chat:environment:prod";

interface Grant {
  readonly tenant: string;
  readonly proof: "secret" | "certificate" | "assertion";
  readonly scope: string;
}

/**
 * One test's servers on a port of its own, so that tests run side by side: what they saw, and how
 * many times the accessKey endpoint answers 403 before 200.
 */
interface Servers {
  readonly base: string;
  /** Tenant B's outputs, with this server as the only SignalR endpoint. */
  readonly tenantB: string;
  readonly grants: Grant[];
  readonly identityRequests: { resource: string | null; objectId: string | null }[];
  accessKeyCalls: number;
  refusals: number;
}

let directory: string;
let caFile: string;
let tlsCertificate: { cert: string; private: string };
let entraKey: CryptoKey;
let entraPublicKey: CryptoKey;
let appCertificate: { publicKey: KeyObject; sha256: string };
let githubKey: CryptoKey;
let githubPublicKey: CryptoKey;

let prepared: Promise<void> | undefined;

/**
 * Keys, certificates and files every test shares, made once by whichever test starts first (tests
 * run concurrently, so this does not rely on beforeAll).
 */
function prepare(): Promise<void> {
  prepared ??= (async () => {
    directory = mkdtempSync(join(tmpdir(), "verify-"));

    const tls = await generate([{ name: "commonName", value: "127.0.0.1" }], {
      keySize: 2048,
      algorithm: "sha256",
      extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
    });
    caFile = join(directory, "ca.pem");
    writeFileSync(caFile, tls.cert);

    const app = await generate([{ name: "commonName", value: "contoso-chat-server" }], {
      keySize: 2048,
      algorithm: "sha256",
    });
    writeFileSync(join(directory, "app.pem"), `${app.private}${app.cert}`);
    const appX509 = new X509Certificate(app.cert);
    appCertificate = {
      publicKey: appX509.publicKey,
      sha256: createHash("sha256").update(appX509.raw).digest("base64url"),
    };

    ({ privateKey: entraKey, publicKey: entraPublicKey } = await generateKeyPair("RS256"));
    ({ privateKey: githubKey, publicKey: githubPublicKey } = await generateKeyPair("RS256"));

    tlsCertificate = tls;
    writeFileSync(join(directory, "wrong-secret.txt"), "Zz9~not.the-secret\n");
    writeFileSync(
      join(directory, "github.jwt"),
      await new SignJWT({})
        .setProtectedHeader({ alg: "RS256" })
        .setIssuer(githubIssuer)
        .setSubject(githubSubject)
        .setAudience("api://AzureADTokenExchange")
        .setExpirationTime("10m")
        .sign(githubKey),
    );
  })();
  return prepared;
}

afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** Starts this test's servers, runs the test, and stops them whatever happened. */
async function withServers(test: (servers: Servers) => Promise<void>): Promise<void> {
  await prepare();
  const holder: { servers?: Servers } = {};
  const server: Server = createServer(
    { cert: tlsCertificate.cert, key: tlsCertificate.private },
    (request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        const servers = holder.servers as Servers;
        const url = new URL(request.url ?? "/", servers.base);
        answer(servers, request.method ?? "", url, request.headers, body)
          .catch((error: Error) => ({ status: 500, json: { error: error.message } }))
          .then(({ status, json }) => {
            response.writeHead(status, { "content-type": "application/json" });
            response.end(JSON.stringify(json));
          });
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `https://127.0.0.1:${port}`;
  const tenantB = join(directory, `tenantB-${port}.json`);
  writeFileSync(
    tenantB,
    JSON.stringify({ ...tenantBOutputs, endpoints: [{ name: "local", url: base }] }),
  );
  holder.servers = {
    base,
    tenantB,
    grants: [],
    identityRequests: [],
    accessKeyCalls: 0,
    refusals: 0,
  };

  await test(holder.servers).finally(() => new Promise((resolve) => server.close(resolve)));
}

type Answer = { status: number; json: unknown };

async function answer(
  servers: Servers,
  method: string,
  url: URL,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): Promise<Answer> {
  const { base } = servers;
  const [, tenant, ...rest] = url.pathname.split("/");
  const path = rest.join("/");

  if (method === "GET" && path === "v2.0/.well-known/openid-configuration") {
    return {
      status: 200,
      json: {
        issuer: `${base}/${tenant}/v2.0`,
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
        jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
      },
    };
  }
  if (method === "POST" && path === "oauth2/v2.0/token") {
    return issueToken(servers, tenant, new URLSearchParams(body), `${base}${url.pathname}`);
  }
  if (method === "GET" && url.pathname === "/msi/token") {
    return managedIdentityToken(servers, url, headers);
  }
  if (method === "GET" && url.pathname === "/api/v1/auth/accessKey") {
    return accessKeyAnswer(servers, headers.authorization);
  }
  return { status: 404, json: { error: "not_found" } };
}

/** Entra's client credentials grant: a secret, a certificate's assertion, or a federated one. */
async function issueToken(
  servers: Servers,
  tenant: string,
  form: URLSearchParams,
  endpoint: string,
): Promise<Answer> {
  const refuse = (description: string): Answer => ({
    status: 401,
    json: { error: "invalid_client", error_description: description },
  });
  if (form.get("client_id") !== clientId || form.get("grant_type") !== "client_credentials") {
    return {
      status: 400,
      json: { error: "unauthorized_client", error_description: "AADSTS700016" },
    };
  }

  let proof: Grant["proof"];
  const assertion = form.get("client_assertion");
  if (form.has("client_secret")) {
    if (form.get("client_secret") !== clientSecret) {
      return refuse("AADSTS7000215: Invalid client secret provided.");
    }
    proof = "secret";
  } else if (assertion) {
    const verified = await verifyAssertion(servers, assertion, endpoint);
    if (!verified) return refuse("AADSTS700027: Client assertion failed signature validation.");
    proof = verified;
  } else {
    return refuse(
      "AADSTS7000218: The request body must contain client_assertion or client_secret.",
    );
  }

  const scope = form.get("scope") ?? "";
  servers.grants.push({ tenant, proof, scope });
  const accessToken = await new SignJWT({
    tid: tenant,
    oid: tenant === tenantBId ? enterpriseApplication : tenantAServicePrincipal,
    appid: clientId,
    ver: "1.0",
  })
    .setProtectedHeader({ alg: "RS256" })
    .setIssuer(`https://sts.windows.net/${tenant}/`)
    .setAudience(scope.replace(/\/\.default$/, ""))
    .setIssuedAt()
    .setNotBefore("0s")
    .setExpirationTime("1h")
    .sign(entraKey);
  return {
    status: 200,
    json: {
      token_type: "Bearer",
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: accessToken,
    },
  };
}

/**
 * Clock skew an authority tolerates. MSAL rounds the current second to the nearest, so an
 * assertion's nbf can lie up to half a second ahead of this process's clock; Entra tolerates
 * minutes.
 */
const clockTolerance = 300;

/**
 * A certificate's assertion names the certificate by its SHA-256 thumbprint and is signed with its
 * key; a federated assertion must come from an issuer and subject the application trusts.
 */
async function verifyAssertion(
  servers: Servers,
  assertion: string,
  endpoint: string,
): Promise<"certificate" | "assertion" | undefined> {
  const header = decodeProtectedHeader(assertion);
  if (header["x5t#S256"] !== undefined) {
    if (header["x5t#S256"] !== appCertificate.sha256) return undefined;
    const ok = await jwtVerify(assertion, appCertificate.publicKey, {
      clockTolerance,
      issuer: clientId,
      subject: clientId,
      audience: endpoint,
    }).then(
      () => true,
      () => false,
    );
    return ok ? "certificate" : undefined;
  }

  const trusted = [
    { issuer: githubIssuer, subject: githubSubject, key: githubPublicKey },
    {
      issuer: `${servers.base}/${tenantAId}/v2.0`,
      subject: identityPrincipal,
      key: entraPublicKey,
    },
  ];
  const { iss, sub } = decodeJwt(assertion);
  const match = trusted.find((entry) => entry.issuer === iss && entry.subject === sub);
  if (!match) return undefined;
  const ok = await jwtVerify(assertion, match.key, {
    clockTolerance,
    issuer: match.issuer,
    subject: match.subject,
    audience: "api://AzureADTokenExchange",
  }).then(
    () => true,
    () => false,
  );
  return ok ? "assertion" : undefined;
}

/** App Service's managed identity endpoint: a token of tenant A for the user-assigned identity. */
async function managedIdentityToken(
  servers: Servers,
  url: URL,
  headers: Record<string, string | string[] | undefined>,
): Promise<Answer> {
  if (headers["x-identity-header"] !== identityHeader) {
    return { status: 401, json: { error: "unauthorized" } };
  }
  const resource = url.searchParams.get("resource");
  const objectId = url.searchParams.get("object_id");
  servers.identityRequests.push({ resource, objectId });
  const expiresOn = Math.floor(Date.now() / 1000) + 3600;
  const accessToken = await new SignJWT({ tid: tenantAId, oid: objectId })
    .setProtectedHeader({ alg: "RS256" })
    .setIssuer(`${servers.base}/${tenantAId}/v2.0`)
    .setSubject(objectId ?? "")
    .setAudience(resource ?? "")
    .setExpirationTime(expiresOn)
    .sign(entraKey);
  return {
    status: 200,
    json: {
      access_token: accessToken,
      expires_on: String(expiresOn),
      resource,
      token_type: "Bearer",
    },
  };
}

/**
 * SignalR: a valid token of the enterprise application, refused until the role has "propagated".
 */
async function accessKeyAnswer(
  servers: Servers,
  authorization: string | string[] | undefined,
): Promise<Answer> {
  const token = typeof authorization === "string" ? authorization.replace(/^Bearer /, "") : "";
  const valid = await jwtVerify(token, entraPublicKey, {
    audience: "https://signalr.azure.com",
  }).then(
    ({ payload }) => payload.oid === enterpriseApplication && payload.tid === tenantBId,
    () => false,
  );
  if (!valid) return { status: 401, json: { error: "invalid_token" } };
  servers.accessKeyCalls++;
  if (servers.accessKeyCalls <= servers.refusals)
    return { status: 403, json: { error: "forbidden" } };
  return { status: 200, json: { AccessKey: accessKey, KeyId: "key-1" } };
}

/** Runs `node tools/verify.ts`, the test certificate trusted unless `trust` is false. */
function verify(args: string[], env: Record<string, string> = {}, trust = true): Promise<ToolRun> {
  return runTool("tools/verify.ts", args, {
    ...(trust && { NODE_EXTRA_CA_CERTS: caFile }),
    ...env,
  });
}

/** A loopback port nothing listens on: bound once to learn a free one, then closed. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function file(name: string): string {
  return join(directory, name);
}

/** A token as Entra would issue it to the app server, with claims overridden. */
async function entraToken(overrides: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({
    tid: tenantBId,
    oid: enterpriseApplication,
    appid: clientId,
    ver: "1.0",
    ...overrides,
  })
    .setProtectedHeader({ alg: "RS256" })
    .setAudience("https://signalr.azure.com")
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(entraKey);
}

const asking = (base: string) =>
  `Asking ${base} (tenant B ${tenantBId}) for https://signalr.azure.com/.default as client ` +
  `${clientId}, with `;
const passing = (exp: number) =>
  [
    `ok   tid: ${tenantBId} is tenant B.`,
    `ok   oid: ${enterpriseApplication} is the enterprise application in tenant B.`,
    `ok   appid: ${clientId} is the application.`,
    "ok   aud: https://signalr.azure.com is SignalR.",
    `ok   exp: valid until ${new Date(exp * 1000).toISOString().replace(".000Z", "Z")}.`,
    "The token is right for SignalR.",
    "",
  ].join("\n");

describe("verify --token", () => {
  test.concurrent("a right token: exit 0, every claim ok, the token not printed", () =>
    withServers(async (s) => {
      const token = await entraToken();

      const run = await verify(["--tenant-b", s.tenantB, "--token", token]);

      expect(run).toEqual({ code: 0, stdout: passing(decodeJwt(token).exp as number), stderr: "" });
    }),
  );

  test.concurrent("tenant A's token: exit 1, with the diagnosis", () =>
    withServers(async (s) => {
      const token = await entraToken({ tid: tenantAId, oid: tenantAServicePrincipal });
      writeFileSync(file("tenantA-token.jwt"), `${token}\n`);

      const run = await verify([
        "--tenant-b",
        s.tenantB,
        "--tenant-a",
        tenantA,
        "--token-file",
        file("tenantA-token.jwt"),
      ]);

      expect(run.code).toBe(1);
      expect(run.stdout.split("\n").slice(0, 2)).toEqual([
        `FAIL tid: ${tenantAId} is tenant A: the credential asked tenant A for the token. Use ` +
          `tenant B's id ${tenantBId} as the tenant (TenantId= in the connection string).`,
        `FAIL oid: ${tenantAServicePrincipal} is not the enterprise application ` +
          `${enterpriseApplication} in tenant B; it is ` +
          `likely tenant A's service principal of the ` +
          "application, which holds no SignalR role. Fix tid.",
      ]);
      expect(run.stdout).not.toContain(token);
      expect(run.stderr).toBe("");
    }),
  );

  test.concurrent("bad arguments: exit 2", () =>
    withServers(async (s) => {
      const run = await verify(["--tenant-b", s.tenantB, "--token", "not-a-token"]);

      expect(run).toEqual({
        code: 2,
        stdout: "",
        stderr:
          "verify: --token: not a JWT (Invalid JWT); give " +
          "the access token itself, three base64url " +
          "parts separated by dots, without a 'Bearer ' prefix.\n",
      });
    }),
  );
});

describe("verify --acquire with the real @azure/identity credentials", () => {
  test.concurrent("tenant A's newest client secret", () =>
    withServers(async (s) => {
      const run = await verify([
        "--tenant-b",
        s.tenantB,
        "--tenant-a",
        tenantA,
        "--acquire",
        "--authority-host",
        s.base,
        "--show-token",
      ]);

      const [token, ...report] = run.stdout.split("\n");
      expect(run.code).toBe(0);
      expect(report.join("\n")).toBe(passing(decodeJwt(token).exp as number));
      expect(run.stderr).toBe(`${asking(s.base)}tenant A's secret credential primary@a.\n`);
      expect(s.grants).toEqual([
        { tenant: tenantBId, proof: "secret", scope: "https://signalr.azure.com/.default" },
      ]);
      expect(`${run.stdout}${run.stderr}`).not.toContain(clientSecret);
    }),
  );

  test.concurrent("a wrong client secret: exit 1, Entra's answer passed on", () =>
    withServers(async (s) => {
      const run = await verify([
        "--tenant-b",
        s.tenantB,
        "--acquire",
        "--client-secret-file",
        file("wrong-secret.txt"),
        "--authority-host",
        s.base,
      ]);

      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^No token: .*AADSTS7000215: Invalid client secret provided\./);
      expect(run.stdout).not.toContain("Zz9~not.the-secret");
      expect(s.grants).toEqual([]);
    }),
  );

  test.concurrent("a certificate: the assertion is signed with its key", () =>
    withServers(async (s) => {
      const run = await verify([
        "--tenant-b",
        s.tenantB,
        "--tenant-a",
        tenantA,
        "--acquire",
        "--credential",
        "server-cert",
        "--cert-path",
        file("app.pem"),
        "--authority-host",
        s.base,
      ]);

      expect(run.code).toBe(0);
      expect(run.stderr).toBe(`${asking(s.base)}tenant A's certificate credential server-cert.\n`);
      expect(s.grants).toEqual([
        { tenant: tenantBId, proof: "certificate", scope: "https://signalr.azure.com/.default" },
      ]);
    }),
  );

  test.concurrent("a federated credential from an assertion file", () =>
    withServers(async (s) => {
      const run = await verify([
        "--tenant-b",
        s.tenantB,
        "--tenant-a",
        tenantA,
        "--acquire",
        "--credential",
        "github-prod",
        "--assertion-file",
        file("github.jwt"),
        "--authority-host",
        s.base,
      ]);

      expect(run.code).toBe(0);
      expect(run.stderr).toBe(`${asking(s.base)}tenant A's federated credential github-prod.\n`);
      expect(s.grants).toEqual([
        { tenant: tenantBId, proof: "assertion", scope: "https://signalr.azure.com/.default" },
      ]);
    }),
  );

  test.concurrent("a managed identity of tenant A, exchanged for tenant B's token", () =>
    withServers(async (s) => {
      const run = await verify(
        [
          "--tenant-b",
          s.tenantB,
          "--tenant-a",
          tenantA,
          "--acquire",
          "--credential",
          "chat-server-identity",
          "--authority-host",
          s.base,
        ],
        { IDENTITY_ENDPOINT: `${s.base}/msi/token`, IDENTITY_HEADER: identityHeader },
      );

      expect(run.code).toBe(0);
      expect(run.stderr).toBe(
        `${asking(s.base)}tenant A's managedIdentity credential chat-server-identity.\n`,
      );
      expect(s.identityRequests).toEqual([
        { resource: "api://AzureADTokenExchange", objectId: identityPrincipal },
      ]);
      expect(s.grants).toEqual([
        { tenant: tenantBId, proof: "assertion", scope: "https://signalr.azure.com/.default" },
      ]);
    }),
  );

  test.concurrent("without NODE_EXTRA_CA_CERTS the child does not trust the test authority", () =>
    withServers(async (s) => {
      const run = await verify(
        ["--tenant-b", s.tenantB, "--tenant-a", tenantA, "--acquire", "--authority-host", s.base],
        {},
        false,
      );

      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^No token: /);
      expect(s.grants).toEqual([]);
    }),
  );
});

describe("verify --wait", () => {
  test.concurrent("polls accessKey through 403s until SignalR lets the token in: exit 0", () =>
    withServers(async (s) => {
      s.refusals = 3;

      const run = await verify([
        "--tenant-b",
        s.tenantB,
        "--tenant-a",
        tenantA,
        "--acquire",
        "--authority-host",
        s.base,
        "--wait",
        "10s",
        "--initial-delay",
        "20ms",
        "--max-delay",
        "40ms",
      ]);

      const url = `${s.base}/api/v1/auth/accessKey`;
      expect(run.code).toBe(0);
      expect(s.accessKeyCalls).toBe(4);
      expect(s.grants).toHaveLength(1);
      const progress = run.stderr.trimEnd().split("\n").slice(1);
      expect(progress.map((line) => line.replace(/ \(\S+ left\)\.$/, ""))).toEqual([
        `attempt 1: 403 Forbidden from ${url}; the role ` +
          `has not reached SignalR yet. Next try in 20ms`,
        `attempt 2: 403 Forbidden from ${url}; the role ` +
          `has not reached SignalR yet. Next try in 40ms`,
        `attempt 3: 403 Forbidden from ${url}; the role ` +
          `has not reached SignalR yet. Next try in 40ms`,
      ]);
      expect(run.stdout.trimEnd().split("\n").pop()).toMatch(
        new RegExp(`^SignalR accepts the token at ${url} \\(attempt 4, [\\dhms]+\\)\\.$`),
      );
      expect(`${run.stdout}${run.stderr}`).not.toContain(accessKey);
    }),
  );

  test.concurrent("a token that stays refused: exit 3 at the timeout, with what to check", () =>
    withServers(async (s) => {
      s.refusals = Number.MAX_SAFE_INTEGER;
      const token = await entraToken();

      const run = await verify([
        "--tenant-b",
        s.tenantB,
        "--token",
        token,
        "--endpoint",
        "local",
        "--wait",
        "300ms",
        "--initial-delay",
        "20ms",
        "--max-delay",
        "40ms",
      ]);

      expect(run.code).toBe(3);
      // How many attempts fit in 300ms depends on the machine's load; never fewer than two.
      expect(s.accessKeyCalls).toBeGreaterThanOrEqual(2);
      expect(run.stdout.trimEnd().split("\n").pop()).toMatch(
        new RegExp(
          `^SignalR still refuses the token at ${s.base}/api/v1/auth/accessKey after [\\dhms]+ ` +
            `\\(${s.accessKeyCalls} attempts, last answer 403 Forbidden\\)\\. Tenant B assigns ` +
            "SignalR App Server at /subscriptions/55555555-5555-5555-5555-555555555555/" +
            "resourceGroups/chat/providers/Microsoft\\.SignalRService/SignalR/chat-weu\\. ",
        ),
      );
    }),
  );

  test.concurrent("an endpoint that never answers: exit 2, naming the endpoint", () =>
    withServers(async (s) => {
      const closed = await closedPort();

      const run = await verify([
        "--tenant-b",
        s.tenantB,
        "--token",
        await entraToken(),
        "--endpoint",
        `https://127.0.0.1:${closed}`,
        "--wait",
        "200ms",
        "--initial-delay",
        "20ms",
        "--max-delay",
        "40ms",
      ]);

      expect(run.code).toBe(2);
      expect(run.stderr.trimEnd().split("\n").pop()).toMatch(
        new RegExp(
          `^verify: https://127\\.0\\.0\\.1:${closed}/api/v1/auth/accessKey never answered with ` +
            "401 or 403 in [\\dhms]+ \\(\\d+ attempts, last no answer \\(ECONNREFUSED\\)\\)\\. " +
            "Check --endpoint, and that this machine reaches it\\.$",
        ),
      );
    }),
  );

  test.concurrent("an endpoint that is not SignalR: exit 2", () =>
    withServers(async (s) => {
      const run = await verify([
        "--tenant-b",
        s.tenantB,
        "--token",
        await entraToken(),
        "--endpoint",
        `${s.base}/elsewhere`,
        "--initial-delay",
        "20ms",
      ]);

      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `verify: ${s.base}/elsewhere/api/v1/auth/accessKey answered 404 Not Found: this is not a ` +
          "SignalR endpoint. Check --endpoint.\n",
      );
      expect(s.accessKeyCalls).toBe(0);
    }),
  );
});
