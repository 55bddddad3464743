/**
 * No tool prints a secret it was not asked for. plan, role-diff, export-config and verify run on
 * stack files and outputs that hold known secret values (`secure:` ciphertexts, a certificate's PEM
 * and private key, client secrets, access tokens), and everything they write is searched for every
 * one of them: stdout, stderr, files written with --out, and, where the tool runs the program in
 * this process, what reaches `pulumi.log` and the console. `--show-secrets` and `--show-token` must
 * print exactly the value they name, which shows that the search finds what it looks for.
 *
 * plan and role-diff run in this process (their `run*` functions take the streams as arguments)
 * and once each as `node tools/X.ts`; export-config and verify run only as child processes. verify
 * --acquire asks a token endpoint this test serves on 127.0.0.1 over HTTPS, which the child trusts
 * through NODE_EXTRA_CA_CERTS (Node reads it at start only).
 */
import * as pulumi from "@pulumi/pulumi";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { generate } from "selfsigned";
import { hiddenSecret } from "../lib/appConfig.ts";
import { runPlan, type ToolIo } from "../tools/plan.ts";
import { runRoleDiff } from "../tools/role-diff.ts";
import { certificatePem } from "./support/certificates.ts";

const root = process.cwd();
const tenantAId = "11111111-1111-1111-1111-111111111111";
const tenantBId = "33333333-3333-3333-3333-333333333333";
const clientId = "44444444-4444-4444-4444-444444444444";
const applicationObjectId = "66666666-6666-6666-6666-666666666666";
const enterpriseApplication = "77777777-7777-7777-7777-777777777777";
const signalrScope =
  "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/chat" +
  "/providers/Microsoft.SignalRService/SignalR/chat-weu";
const resourceGroupScope = signalrScope.replace(/\/providers\/.*$/, "");

// ---------------------------------------------------------------------------------------------
// Known secrets, and the one search for all of them

/** A value no output may hold unless the user asked for it; `name` says which in a failure. */
interface KnownSecret {
  readonly name: string;
  readonly value: string;
}

/**
 * What counts as printing a secret: its whole value, or any part of it long enough to be its own
 * (a PEM's base64 lines, a ciphertext after its `v1:<nonce>:` prefix, a token's signature), so a
 * value printed with other indentation, escaped inside JSON or cut short is still found.
 */
function needles(value: string): string[] {
  const parts = value
    .split(/[\n.:]/)
    .map((part) => part.trim())
    .filter((part) => part.length >= 24 && !part.startsWith("-----"));
  return [value, ...parts];
}

/** Every secret found, as `<secret> in <where>`; empty when the outputs hold none. */
function leaks(outputs: Record<string, string>, secrets: readonly KnownSecret[]): string[] {
  return secrets.flatMap((secret) =>
    Object.entries(outputs)
      .filter(([, text]) => needles(secret.value).some((needle) => text.includes(needle)))
      .map(([where]) => `${secret.name} in ${where}`),
  );
}

const ciphertexts = {
  displayName: "v1:bm9uY2UtZGlzcGxheQ==:Q0lQSEVSVEVYVC1vZi10aGUtZGlzcGxheS1uYW1lLTk0MjE=",
  azureadSecret: "v1:bm9uY2UtYXp1cmVhZA==:Q0lQSEVSVEVYVC1vZi1henVyZWFkLWNsaWVudC1zZWNyZXQ=",
  armSecret: "v1:bm9uY2UtYXJt:Q0lQSEVSVEVYVC1vZi1henVyZS1uYXRpdmUtY2xpZW50LXNlY3JldA==",
  tenantId: "v1:bm9uY2UtdGVuYW50:Q0lQSEVSVEVYVC1vZi10aGUtdGVuYW50LWlkLTU1MTc=",
};
const clientSecret = "Kq8~newest.client-secret_2099";
const olderSecret = "Wt3~older.client-secret_2098";
const wrongSecret = "Zr5~wrong.client-secret_0000";

const stackSecrets: KnownSecret[] = [
  { name: "secure: application.displayName", value: ciphertexts.displayName },
  { name: "secure: azuread:clientSecret", value: ciphertexts.azureadSecret },
  { name: "secure: azure-native:clientSecret", value: ciphertexts.armSecret },
  { name: "secure: tenantId", value: ciphertexts.tenantId },
];
const outputSecrets: KnownSecret[] = [
  { name: "client secret primary", value: clientSecret },
  { name: "client secret previous", value: olderSecret },
];

// ---------------------------------------------------------------------------------------------
// Files: stack directories and outputs, made once

const directory = mkdtempSync(join(tmpdir(), "secrets-"));
const valid = join(directory, "valid");
const invalid = join(directory, "invalid");
const widened = join(directory, "widened");
let certificate: { cert: string; privateKey: string };
let certificateSecrets: KnownSecret[];

const indent = (text: string, spaces: number) =>
  text
    .trimEnd()
    .split("\n")
    .map((line) => `${" ".repeat(spaces)}${line}`)
    .join("\n");

/** Tenant A's stack file; a tenant id given as `{ secure }` is written as a secure value. */
function tenantAStack(tenantId: string | { secure: string }, pem: string): string {
  return [
    "config:",
    "  azuread:clientSecret:",
    `    secure: ${ciphertexts.azureadSecret}`,
    "  signalr-cross-tenant:side: tenantA",
    typeof tenantId === "string"
      ? `  signalr-cross-tenant:tenantId: ${tenantId}`
      : `  signalr-cross-tenant:tenantId:\n    secure: ${tenantId.secure}`,
    "  signalr-cross-tenant:application:",
    "    displayName:",
    `      secure: ${ciphertexts.displayName}`,
    "  signalr-cross-tenant:credentials:",
    "    - kind: certificate",
    "      name: server-cert",
    "      certificate: |",
    indent(pem, 8),
    "    - kind: secret",
    "      name: primary",
    "",
  ].join("\n");
}

/** Tenant B's stack file: the client id comes from the tenantA stack's plan. */
function tenantBStack(scope: string): string {
  return [
    "config:",
    "  azure-native:clientSecret:",
    `    secure: ${ciphertexts.armSecret}`,
    "  signalr-cross-tenant:side: tenantB",
    `  signalr-cross-tenant:tenantId: ${tenantBId}`,
    "  signalr-cross-tenant:applicationStack: contoso/signalr-cross-tenant/tenantA",
    "  signalr-cross-tenant:assignments:",
    "    - role: SignalR App Server",
    `      scope: ${scope}`,
    "",
  ].join("\n");
}

const tenantAOutputs = {
  clientId,
  applicationObjectId,
  tenantId: tenantAId,
  cloud: "public",
  credentials: [
    {
      name: "primary",
      kind: "secret",
      keyId: "aaaaaaaa-0000-0000-0000-000000000001",
      endDate: "2099-06-30T00:00:00Z",
    },
    {
      name: "previous",
      kind: "secret",
      keyId: "aaaaaaaa-0000-0000-0000-000000000002",
      endDate: "2098-06-30T00:00:00Z",
    },
  ],
  clientSecrets: { primary: clientSecret, previous: olderSecret },
};

const tenantBOutputs = {
  clientId,
  tenantId: tenantBId,
  cloud: "public",
  servicePrincipalObjectId: enterpriseApplication,
  roleAssignments: [
    {
      role: "SignalR App Server",
      roleDefinitionId:
        "/providers/Microsoft.Authorization/roleDefinitions/420fcaa2-552c-430f-98ca-3264be4806c7",
      scope: signalrScope,
      name: "0f6a3c1e-5b2d-5e8f-9a41-7c3d2e1b0a98",
    },
  ],
  tokenScope: "https://signalr.azure.com/.default",
  expectedClaims: { tid: tenantBId, oid: enterpriseApplication, appid: clientId },
  endpoints: [{ name: "chat-weu", url: "https://chat-weu.service.signalr.net" }],
  adminConsentUrl: `https://login.microsoftonline.com/${tenantBId}/adminconsent?client_id=${clientId}`,
};

const file = (name: string) => join(directory, name);

beforeAll(async () => {
  const now = Date.now();
  certificate = await certificatePem(new Date(now - 86_400_000), new Date(now + 365 * 86_400_000));
  certificateSecrets = [
    { name: "certificate PEM", value: certificate.cert },
    { name: "certificate private key", value: certificate.privateKey },
  ];

  for (const dir of [valid, invalid, widened]) {
    mkdirSync(dir);
    copyFileSync(join(root, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  }
  writeFileSync(join(valid, "Pulumi.tenantA.yaml"), tenantAStack(tenantAId, certificate.cert));
  writeFileSync(join(valid, "Pulumi.tenantB.yaml"), tenantBStack(signalrScope));
  copyFileSync(join(valid, "Pulumi.tenantA.yaml"), join(widened, "Pulumi.tenantA.yaml"));
  writeFileSync(join(widened, "Pulumi.tenantB.yaml"), tenantBStack(resourceGroupScope));
  // A tenant id stored as a secure value, and a PEM pasted with its private key: both rejected.
  writeFileSync(
    join(invalid, "Pulumi.tenantA.yaml"),
    tenantAStack({ secure: ciphertexts.tenantId }, `${certificate.cert}${certificate.privateKey}`),
  );

  writeFileSync(file("tenantA.json"), JSON.stringify(tenantAOutputs));
  writeFileSync(file("tenantB.json"), JSON.stringify(tenantBOutputs));
  writeFileSync(file("wrong-secret.txt"), `${wrongSecret}\n`);
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Running the tools

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node tools/<tool>.ts` with only PATH (and `env`) in its environment. */
function cli(
  tool: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, "tools", `${tool}.ts`), ...args],
      { cwd: options.cwd ?? root, env: { PATH: process.env.PATH ?? "", ...options.env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface InProcessRun {
  readonly code: number;
  /** stdout, stderr, and what the program and the Pulumi runtime logged, by where it went. */
  readonly outputs: Record<string, string>;
}

const shownLevels = ["info", "warn", "error"] as const;
const consoleMethods = ["log", "info", "warn", "error", "debug"] as const;

/**
 * Runs plan or role-diff in this process with collecting streams, and collects what `pulumi.log`
 * shows (information, warnings, errors) and every console call made meanwhile: without an engine,
 * the Pulumi runtime writes its messages to the console. Debug messages stay with the runtime,
 * which drops them without an engine; they are no output of the tools, and the runtime's own ones
 * quote its answer to each resource registration, secret inputs in plain text.
 */
async function inProcess(
  tool: (argv: readonly string[], io: ToolIo) => Promise<number>,
  argv: readonly string[],
  cwd: string,
): Promise<InProcessRun> {
  const outputs = { stdout: "", stderr: "", "pulumi.log": "", console: "" };
  const spies = [
    ...shownLevels.map((level) =>
      jest.spyOn(pulumi.log, level).mockImplementation(async (...args: unknown[]) => {
        outputs["pulumi.log"] += `${level}: ${String(args[0])}\n`;
      }),
    ),
    ...consoleMethods.map((method) =>
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        outputs.console += `${args.map(String).join(" ")}\n`;
      }),
    ),
  ];
  try {
    const code = await tool(argv, {
      cwd,
      stdout: (text) => (outputs.stdout += text),
      stderr: (text) => (outputs.stderr += text),
    });
    return { code, outputs };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** A child's streams, for the search. */
const streams = ({ stdout, stderr }: Run) => ({ stdout, stderr });

const prefixed = (prefix: string, outputs: Record<string, string>) =>
  Object.fromEntries(Object.entries(outputs).map(([where, text]) => [`${prefix} ${where}`, text]));

// ---------------------------------------------------------------------------------------------

describe("the search", () => {
  it("finds a secret in each stream, log and console of a tool run in this process", async () => {
    const result = await inProcess(
      async (_argv, io) => {
        io.stdout(`Endpoint=https://chat-weu.service.signalr.net;ClientSecret=${clientSecret};`);
        io.stderr(`using ${olderSecret}`);
        await pulumi.log.warn(`subject ${ciphertexts.displayName}`);
        console.error("tenant", ciphertexts.tenantId);
        return 0;
      },
      [],
      root,
    );

    expect(leaks(result.outputs, [...stackSecrets, ...outputSecrets])).toEqual([
      "secure: application.displayName in pulumi.log",
      "secure: tenantId in console",
      "client secret primary in stdout",
      "client secret previous in stderr",
    ]);
  });

  it("finds every secret in the files that hold them, the PEM by its lines", () => {
    const found = leaks(
      {
        "valid/Pulumi.tenantA.yaml": readFileSync(join(valid, "Pulumi.tenantA.yaml"), "utf8"),
        "invalid/Pulumi.tenantA.yaml": readFileSync(join(invalid, "Pulumi.tenantA.yaml"), "utf8"),
        "tenantA.json": readFileSync(file("tenantA.json"), "utf8"),
      },
      [...stackSecrets, ...certificateSecrets, ...outputSecrets],
    );

    expect(found).toEqual([
      "secure: application.displayName in valid/Pulumi.tenantA.yaml",
      "secure: application.displayName in invalid/Pulumi.tenantA.yaml",
      "secure: azuread:clientSecret in valid/Pulumi.tenantA.yaml",
      "secure: azuread:clientSecret in invalid/Pulumi.tenantA.yaml",
      "secure: tenantId in invalid/Pulumi.tenantA.yaml",
      "certificate PEM in valid/Pulumi.tenantA.yaml",
      "certificate PEM in invalid/Pulumi.tenantA.yaml",
      "certificate private key in invalid/Pulumi.tenantA.yaml",
      "client secret primary in tenantA.json",
      "client secret previous in tenantA.json",
    ]);
  });
});

describe("plan", () => {
  it("prints no secure: value and no certificate, in text, --json or mermaid", async () => {
    const text = await inProcess(runPlan, [], valid);
    const json = await inProcess(runPlan, ["--json"], valid);
    const mermaid = await inProcess(runPlan, ["--format", "mermaid"], valid);

    expect([text.code, json.code, mermaid.code]).toEqual([0, 0, 0]);
    expect(
      leaks(
        {
          ...prefixed("text", text.outputs),
          ...prefixed("--json", json.outputs),
          ...prefixed("mermaid", mermaid.outputs),
        },
        [...stackSecrets, ...certificateSecrets],
      ),
    ).toEqual([]);

    // The secrets were there to print: the plan shows where, as [secret].
    const plans = JSON.parse(json.outputs.stdout);
    const inputs = (stack: string, type: string) =>
      plans
        .find((plan: { stack: string }) => plan.stack === stack)
        .resources.find((resource: { type: string }) => resource.type === type).inputs;
    expect(
      inputs("tenantA", "azuread:index/applicationCertificate:ApplicationCertificate"),
    ).toEqual({
      applicationId: "[known after apply]",
      encoding: "pem",
      endDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      type: "AsymmetricX509Cert",
      value: "[secret]",
    });
    expect(inputs("tenantA", "azuread:index/application:Application").displayName).toBe("[secret]");
    expect(text.outputs.stdout).toContain("      value: [secret]\n");
    expect(mermaid.outputs.stdout).toContain('(["Certificate application-server-cert"])');
  });

  it("exits 2 on a secure tenant id and a PEM with its private key, quoting neither", async () => {
    const result = await inProcess(runPlan, [], invalid);

    expect(result.code).toBe(2);
    expect(result.outputs.stdout).toBe("");
    expect(result.outputs.stderr.split("\n").filter((line) => line.startsWith("  - "))).toEqual([
      "  - signalr-cross-tenant:tenantId: got [secret]; must be the directory (tenant) id this " +
        "stack deploys into (`az account show --query tenantId`), a GUID such as " +
        "00000000-0000-0000-0000-000000000000.",
      "  - signalr-cross-tenant:credentials[0].certificate: got [secret]; holds a private key; " +
        "give only the public certificate (the -----BEGIN CERTIFICATE----- block) and keep the " +
        "key with the app server.",
    ]);
    expect(leaks(result.outputs, [...stackSecrets, ...certificateSecrets])).toEqual([]);
  });

  it("prints none from the command line either", async () => {
    const [text, failed] = await Promise.all([
      cli("plan", [], { cwd: valid }),
      cli("plan", ["--json"], { cwd: invalid }),
    ]);

    expect([text.code, failed.code]).toEqual([0, 2]);
    expect(text.stdout).toContain("      value: [secret]\n");
    expect(
      leaks({ ...prefixed("valid", streams(text)), ...prefixed("invalid", streams(failed)) }, [
        ...stackSecrets,
        ...certificateSecrets,
      ]),
    ).toEqual([]);
  });
});

describe("role-diff", () => {
  it("prints no secret when comparing the plans of such stacks", async () => {
    const base = await inProcess(runPlan, ["--json"], valid);
    const head = await inProcess(runPlan, ["--json"], widened);
    writeFileSync(file("base.json"), base.outputs.stdout);
    writeFileSync(file("head.json"), head.outputs.stdout);
    const args = [file("base.json"), file("head.json"), "--guardrails"];

    const inside = await inProcess(runRoleDiff, args, directory);
    const child = await cli("role-diff", args);

    expect([base.code, head.code, inside.code, child.code]).toEqual([0, 0, 0, 0]);
    expect(inside.outputs.stdout).toBe(child.stdout);
    expect(child.stdout).toContain(
      `| ⚠️ **broader scope** | scope widened | known after apply | SignalR App Server | ` +
        `\`${signalrScope}\` → \`${resourceGroupScope}\` |`,
    );
    expect(
      leaks(
        {
          ...prefixed("base plan", base.outputs),
          ...prefixed("head plan", head.outputs),
          ...prefixed("in process", inside.outputs),
          ...prefixed("child", streams(child)),
        },
        [...stackSecrets, ...certificateSecrets],
      ),
    ).toEqual([]);
  });
});

describe("export-config", () => {
  const outputs = () => ["--tenant-a", file("tenantA.json"), "--tenant-b", file("tenantB.json")];

  it.each(["dotnet", "env", "json"])(
    "--format %s: a placeholder without --show-secrets, the secret with it, on stdout and --out",
    async (format) => {
      const args = [...outputs(), "--format", format];
      const out = (name: string) => file(`${format}-${name}`);

      const [hidden, shown, hiddenOut, shownOut] = await Promise.all([
        cli("export-config", args),
        cli("export-config", [...args, "--show-secrets"]),
        cli("export-config", [...args, "--out", out("hidden")]),
        cli("export-config", [...args, "--show-secrets", "--out", out("shown")]),
      ]);

      expect([hidden.code, shown.code, hiddenOut.code, shownOut.code]).toEqual([0, 0, 0, 0]);
      expect(hidden.stdout).toContain(hiddenSecret);
      expect(shown.stdout.replaceAll(clientSecret, hiddenSecret)).toBe(hidden.stdout);
      expect([hiddenOut.stdout, shownOut.stdout]).toEqual(["", ""]);
      expect(readFileSync(out("hidden"), "utf8")).toBe(hidden.stdout);
      expect(
        leaks(
          {
            ...prefixed("hidden", streams(hidden)),
            ...prefixed("hidden --out", streams(hiddenOut)),
            "hidden --out file": readFileSync(out("hidden"), "utf8"),
          },
          outputSecrets,
        ),
      ).toEqual([]);
      expect(
        leaks(
          {
            ...prefixed("shown", streams(shown)),
            ...prefixed("shown --out", streams(shownOut)),
            "shown --out file": readFileSync(out("shown"), "utf8"),
          },
          outputSecrets,
        ),
      ).toEqual([
        "client secret primary in shown stdout",
        "client secret primary in shown --out file",
      ]);
    },
  );

  it("quotes no secret when the outputs are swapped or the credential is misspelt", async () => {
    const [swapped, misspelt] = await Promise.all([
      cli("export-config", [
        "--tenant-a",
        file("tenantB.json"),
        "--tenant-b",
        file("tenantA.json"),
      ]),
      cli("export-config", [...outputs(), "--credential", "primry", "--show-secrets"]),
    ]);

    expect([swapped.code, misspelt.code]).toEqual([1, 2]);
    expect(swapped.stderr).toContain("  - clientSecrets is missing.\n");
    expect(misspelt.stderr).toBe(
      "export-config: --credential primry: tenant A has no credential of that name; it has " +
        "primary (secret), previous (secret). Did you mean --credential primary?\n",
    );
    expect(
      leaks(
        { ...prefixed("swapped", streams(swapped)), ...prefixed("misspelt", streams(misspelt)) },
        outputSecrets,
      ),
    ).toEqual([]);
  });

  it("quotes no secret when tenant A's outputs are not a JSON object", async () => {
    writeFileSync(file("tenantA-list.json"), JSON.stringify([tenantAOutputs]));
    writeFileSync(file("tenantA-text.json"), JSON.stringify(JSON.stringify(tenantAOutputs)));

    const [list, text, verifying] = await Promise.all([
      cli("export-config", [
        "--tenant-a",
        file("tenantA-list.json"),
        "--tenant-b",
        file("tenantB.json"),
      ]),
      cli("export-config", [
        "--tenant-a",
        file("tenantA-text.json"),
        "--tenant-b",
        file("tenantB.json"),
      ]),
      cli("verify", [
        "--tenant-a",
        file("tenantA-list.json"),
        "--tenant-b",
        file("tenantB.json"),
        "--acquire",
      ]),
    ]);

    expect([list.code, text.code, verifying.code]).toEqual([1, 1, 2]);
    expect(
      leaks(
        {
          ...prefixed("export-config (a list)", streams(list)),
          ...prefixed("export-config (a JSON string)", streams(text)),
          ...prefixed("verify (a list)", streams(verifying)),
        },
        outputSecrets,
      ),
    ).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// verify

/** Signs tokens as Entra would for the app server; verify reads claims and never the signature. */
const signingKey = crypto.getRandomValues(new Uint8Array(32));

function accessToken(claims: Record<string, unknown> = {}, expires: string | number = "1h") {
  return new SignJWT({
    tid: tenantBId,
    oid: enterpriseApplication,
    appid: clientId,
    ver: "1.0",
    jti: randomBytes(12).toString("base64url"),
    ...claims,
  })
    .setProtectedHeader({ alg: "HS256" })
    .setAudience("https://signalr.azure.com")
    .setIssuedAt()
    .setExpirationTime(expires)
    .sign(signingKey);
}

/**
 * An Entra-like authority on 127.0.0.1 over HTTPS: OpenID metadata, and client-credentials tokens
 * for the one right client secret. Records the tokens it issues.
 */
interface Authority {
  readonly base: string;
  readonly caFile: string;
  readonly issued: string[];
  readonly close: () => Promise<void>;
}

async function startAuthority(): Promise<Authority> {
  const tls = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
  const caFile = file("authority.pem");
  writeFileSync(caFile, tls.cert);
  const issued: string[] = [];

  const answer = async (method: string, url: URL, form: URLSearchParams) => {
    const [, tenant, ...rest] = url.pathname.split("/");
    const path = rest.join("/");
    if (method === "GET" && path === "v2.0/.well-known/openid-configuration") {
      const at = `${url.origin}/${tenant}`;
      return {
        status: 200,
        json: {
          issuer: `${at}/v2.0`,
          token_endpoint: `${at}/oauth2/v2.0/token`,
          authorization_endpoint: `${at}/oauth2/v2.0/authorize`,
          jwks_uri: `${at}/discovery/v2.0/keys`,
        },
      };
    }
    if (method !== "POST" || path !== "oauth2/v2.0/token") return { status: 404, json: {} };
    if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) {
      return {
        status: 401,
        json: {
          error: "invalid_client",
          error_description: "AADSTS7000215: Invalid client secret provided.",
        },
      };
    }
    const token = await accessToken({ tid: tenant });
    issued.push(token);
    return {
      status: 200,
      json: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token },
    };
  };

  const server: Server = createServer({ cert: tls.cert, key: tls.private }, (request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", `https://${request.headers.host}`);
      void answer(request.method ?? "", url, new URLSearchParams(body)).then(({ status, json }) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(json));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `https://127.0.0.1:${port}`,
    caFile,
    issued,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const tokenSecret = (token: string): KnownSecret => ({ name: "access token", value: token });

describe("verify", () => {
  const tenantB = () => ["--tenant-b", file("tenantB.json")];

  it("prints the token given by --token or --token-file only with --show-token", async () => {
    const token = await accessToken();
    writeFileSync(file("token.jwt"), `${token}\n`);

    const [inline, fromFile, inlineShown, fromFileShown] = await Promise.all([
      cli("verify", [...tenantB(), "--token", token]),
      cli("verify", [...tenantB(), "--token-file", file("token.jwt")]),
      cli("verify", [...tenantB(), "--token", token, "--show-token"]),
      cli("verify", [...tenantB(), "--token-file", file("token.jwt"), "--show-token"]),
    ]);

    expect([inline.code, fromFile.code, inlineShown.code, fromFileShown.code]).toEqual([
      0, 0, 0, 0,
    ]);
    expect(inline.stdout).toMatch(/\nThe token is right for SignalR\.\n$/);
    expect([fromFile.stdout, inlineShown.stdout, fromFileShown.stdout]).toEqual([
      inline.stdout,
      `${token}\n${inline.stdout}`,
      `${token}\n${inline.stdout}`,
    ]);
    expect(
      leaks(
        { ...prefixed("--token", streams(inline)), ...prefixed("--token-file", streams(fromFile)) },
        [tokenSecret(token)],
      ),
    ).toEqual([]);
    expect(
      leaks(
        {
          ...prefixed("--token --show-token", streams(inlineShown)),
          ...prefixed("--token-file --show-token", streams(fromFileShown)),
        },
        [tokenSecret(token)],
      ),
    ).toEqual([
      "access token in --token --show-token stdout",
      "access token in --token-file --show-token stdout",
    ]);
  });

  it("explains wrong claims (exit 1) and malformed tokens (exit 2), quoting no token", async () => {
    const wrong = await accessToken(
      { tid: tenantAId, oid: "99999999-9999-9999-9999-999999999999", scp: "user_impersonation" },
      Math.floor(Date.now() / 1000) - 60,
    );
    const good = await accessToken();
    const [header, payload, signature] = good.split(".");
    const garbled = `${header}.${payload.slice(1)}.${signature}`;
    writeFileSync(file("garbled.jwt"), `${garbled}\n`);

    const [claims, unreadable, truncated] = await Promise.all([
      cli("verify", [...tenantB(), "--tenant-a", file("tenantA.json"), "--token", wrong]),
      cli("verify", [...tenantB(), "--token-file", file("garbled.jwt")]),
      cli("verify", [...tenantB(), "--token", `${header}.${payload}`]),
    ]);

    expect([claims.code, unreadable.code, truncated.code]).toEqual([1, 2, 2]);
    expect(claims.stdout.split("\n").map((line) => line.split(":")[0])).toEqual([
      "FAIL tid",
      "FAIL oid",
      "ok   appid",
      "FAIL scp",
      "ok   aud",
      "FAIL exp",
      "4 claims are wrong; fix the credential and get a new token.",
      "",
    ]);
    expect(unreadable.stderr).toMatch(/^verify: --token-file: not a JWT \(/);
    expect(truncated.stderr).toMatch(/^verify: --token: not a JWT \(/);
    expect(
      leaks(
        {
          ...prefixed("wrong claims", streams(claims)),
          ...prefixed("garbled claims", streams(unreadable)),
          ...prefixed("no signature", streams(truncated)),
        },
        [
          { name: "wrong token", value: wrong },
          { name: "good token", value: good },
          { name: "garbled token", value: garbled },
          { name: "good token's claims", value: payload },
          ...outputSecrets,
        ],
      ),
    ).toEqual([]);
  });

  describe("--acquire", () => {
    let authority: Authority;

    beforeAll(async () => {
      authority = await startAuthority();
    });

    afterAll(() => authority.close());

    it("prints neither the client secret nor the token it got, unless --show-token", async () => {
      const acquire = [...tenantB(), "--acquire", "--authority-host", authority.base];
      // The identity library's own logs go to stderr as well, and are searched with the rest.
      const env = { NODE_EXTRA_CA_CERTS: authority.caFile, AZURE_LOG_LEVEL: "verbose" };

      const [fromOutputs, shown, wrong] = await Promise.all([
        cli("verify", [...acquire, "--tenant-a", file("tenantA.json")], { env }),
        cli("verify", [...acquire, "--tenant-a", file("tenantA.json"), "--show-token"], { env }),
        cli("verify", [...acquire, "--client-secret-file", file("wrong-secret.txt")], { env }),
      ]);

      expect([fromOutputs.code, shown.code, wrong.code]).toEqual([0, 0, 1]);
      expect(authority.issued).toHaveLength(2);
      expect(fromOutputs.stderr).toContain(
        "azure:identity:info ClientSecretCredential => getToken() => Attempting to acquire token " +
          "using client secret\n",
      );
      expect(wrong.stdout).toMatch(/^No token: .*AADSTS7000215: Invalid client secret provided\./);
      const secrets = [
        ...outputSecrets,
        { name: "wrong client secret", value: wrongSecret },
        ...authority.issued.map((token, index) => ({ name: `token ${index + 1}`, value: token })),
      ];
      expect(
        leaks(
          {
            ...prefixed("from tenant A", streams(fromOutputs)),
            ...prefixed("wrong secret", streams(wrong)),
          },
          secrets,
        ),
      ).toEqual([]);
      const shownToken = shown.stdout.split("\n")[0];
      expect(leaks(streams(shown), secrets)).toEqual([
        `token ${authority.issued.indexOf(shownToken) + 1} in stdout`,
      ]);
    });
  });
});
