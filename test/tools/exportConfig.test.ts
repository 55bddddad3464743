/**
 * `npm run export-config` end to end: the command runs as `node tools/export-config.ts` in a child
 * process, so exit codes, stdout, stderr, the file it writes and the pulumi CLI it starts are the
 * real ones. The pulumi CLI is a script this test writes: it records its arguments and prints the
 * fixture outputs, as `pulumi stack output --json --show-secrets` would.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hiddenSecret } from "../../lib/appConfig.ts";
import { parseConnectionString } from "../../lib/connectionString.ts";
import { clientId, tenantA as tenantAId, tenantB as tenantBId } from "../support/config.ts";
import {
  enterpriseApplication,
  newestSecret,
  rawTenantAOutputs as rawA,
  rawTenantBOutputs as rawB,
  tenantAOutputsFile as tenantA,
  tenantBOutputsFile as tenantB,
} from "../support/outputs.ts";
import { runTool, type ToolRun } from "../support/tools.ts";

// Made at load rather than in beforeAll: the tests run concurrently.
const directory = mkdtempSync(join(tmpdir(), "export-config-"));

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

function exportConfig(args: string[], env: Record<string, string> = {}): Promise<ToolRun> {
  return runTool("tools/export-config.ts", args, env);
}

function write(name: string, value: unknown): string {
  const path = join(directory, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** Tenant B's outputs in the China cloud, with two SignalR resources. */
function chinaTenants(): { a: string; b: string } {
  const a = structuredClone(rawA);
  a.cloud = "china";
  const b = {
    ...rawB,
    cloud: "china",
    adminConsentUrl: `https://login.chinacloudapi.cn/${tenantBId}/adminconsent?client_id=${clientId}`,
    endpoints: [
      { name: "chatsha", url: "https://chatsha.signalr.azure.cn" },
      { name: "chatbjs", url: "https://chatbjs.signalr.azure.cn" },
    ],
  };
  return { a: write("china-a.json", a), b: write("china-b.json", b) };
}

test.concurrent(
  "dotnet by default: one connection string, the secret hidden, notes on stderr",
  async () => {
    const run = await exportConfig(["--tenant-a", tenantA, "--tenant-b", tenantB]);

    const connectionString =
      "Endpoint=https://chat-weu.service.signalr.net;AuthType=azure.app;" +
      `ClientId=${clientId};TenantId=${tenantBId};ClientSecret=${hiddenSecret};Version=1.0;`;
    expect(run).toEqual({
      code: 0,
      stdout: [
        "{",
        '  "Azure": {',
        '    "SignalR": {',
        `      "ConnectionString": "${connectionString}"`,
        "    }",
        "  }",
        "}",
        "",
      ].join("\n"),
      stderr:
        "Using tenant A's secret credential primary@a.\n" +
        `The client secret is written as ${hiddenSecret}; add --show-secrets to write it.\n`,
    });
  },
);

test.concurrent(
  "env for two endpoints in the China cloud, with a certificate and the authority host",
  async () => {
    const { a, b } = chinaTenants();

    const run = await exportConfig([
      "--tenant-a",
      a,
      "--tenant-b",
      b,
      "--format",
      "env",
      "--credential",
      "server-cert",
      "--cert-path",
      "/etc/signalr/app.pem",
    ]);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe("Using tenant A's certificate credential server-cert.\n");
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toEqual([
      "AZURE_AUTHORITY_HOST=https://login.chinacloudapi.cn",
      "Azure__SignalR__ConnectionString__chatsha='Endpoint=https://chatsha.signalr.azure.cn;" +
        `AuthType=azure.app;ClientId=${clientId};TenantId=${tenantBId};` +
        "ClientCert=/etc/signalr/app.pem;Version=1.0;'",
      "Azure__SignalR__ConnectionString__chatbjs='Endpoint=https://chatbjs.signalr.azure.cn;" +
        `AuthType=azure.app;ClientId=${clientId};TenantId=${tenantBId};` +
        "ClientCert=/etc/signalr/app.pem;Version=1.0;'",
    ]);
    expect(parseConnectionString(lines[2].split("='")[1].slice(0, -1))).toEqual({
      endpoint: "https://chatbjs.signalr.azure.cn",
      authType: "azure.app",
      clientId,
      tenantId: tenantBId,
      clientCert: "/etc/signalr/app.pem",
      version: "1.0",
    });
  },
);

test.concurrent(
  "json for a managed identity: no connection string, the values the app needs",
  async () => {
    const run = await exportConfig([
      "--tenant-a",
      tenantA,
      "--tenant-b",
      tenantB,
      "--format",
      "json",
      "--credential",
      "chat-server-identity",
    ]);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      cloud: "public",
      authorityHost: "https://login.microsoftonline.com",
      tenantId: tenantBId,
      clientId,
      servicePrincipalObjectId: enterpriseApplication,
      tokenScope: "https://signalr.azure.com/.default",
      endpoints: [{ name: "chat-weu", url: "https://chat-weu.service.signalr.net" }],
      credential: {
        name: "chat-server-identity",
        kind: "managedIdentity",
        issuer: `https://login.microsoftonline.com/${tenantAId}/v2.0`,
        subject: "22222222-2222-2222-2222-222222222222",
        tokenExchangeAudience: "api://AzureADTokenExchange",
      },
    });
    expect(run.stderr).toBe(
      "Using tenant A's managedIdentity credential chat-server-identity.\n" +
        "The managedIdentity credential chat-server-identity cannot be written as a connection " +
        "string: build a ClientAssertionCredential in " +
        "code from tenant B's id, the client id, the " +
        "authority host and the token-exchange audience written here.\n",
    );
  },
);

test.concurrent(
  "--out writes mode 0600, also over a wider existing file, and prints nothing",
  async () => {
    const out = join(directory, "appsettings.signalr.json");
    writeFileSync(out, "old\n");
    chmodSync(out, 0o644);

    const run = await exportConfig([
      "--tenant-a",
      tenantA,
      "--tenant-b",
      tenantB,
      "--show-secrets",
      "--out",
      out,
    ]);

    expect(run).toEqual({
      code: 0,
      stdout: "",
      stderr: `Using tenant A's secret credential primary@a.\nWrote ${out} (mode 0600).\n`,
    });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const written = JSON.parse(readFileSync(out, "utf8"));
    expect(parseConnectionString(written.Azure.SignalR.ConnectionString).clientSecret).toBe(
      newestSecret,
    );
  },
);

test.concurrent("inconsistent stacks: exit 1, both values named", async () => {
  const other = "88888888-8888-8888-8888-888888888888";
  const b = write("other-b.json", {
    ...rawB,
    clientId: other,
    expectedClaims: { ...rawB.expectedClaims, appid: other },
  });

  const run = await exportConfig(["--tenant-a", tenantA, "--tenant-b", b]);

  expect(run).toEqual({
    code: 1,
    stdout: "",
    stderr:
      "export-config: The tenant A and tenant B outputs do not fit together:\n" +
      `  - tenant B's clientId ${other} differs from tenant A's clientId ${clientId}: tenant B's ` +
      "enterprise application belongs to another application. Set tenant B's clientId (or " +
      "applicationStack) to tenant A's application and run `pulumi up` there, or pass the " +
      "outputs of the matching tenant A stack.\n",
  });
});

test.concurrent("outputs printed without --show-secrets: exit 1, with the fix", async () => {
  const a = write("hidden-a.json", { ...rawA, clientSecrets: "[secret]" });

  const run = await exportConfig(["--tenant-a", a, "--tenant-b", tenantB]);

  expect(run.code).toBe(1);
  expect(run.stderr).toBe(
    `export-config: tenant A's outputs (--tenant-a ${a}) cannot be used; give what \`pulumi ` +
      "stack output --json --show-secrets` prints for this project's stack:\n" +
      '  - clientSecrets is "[secret]": the outputs were printed without --show-secrets. Run ' +
      "`pulumi stack output --json --show-secrets` again.\n",
  );
});

test.concurrent("bad arguments: exit 2, and --help: exit 0", async () => {
  const bad = await exportConfig(["--tenant-a", tenantA, "--tenant-b", tenantB, "--format", "xml"]);
  const help = await exportConfig(["--help"]);

  expect(bad).toEqual({
    code: 2,
    stdout: "",
    stderr: "export-config: --format xml is not known; use one of dotnet, env, json.\n",
  });
  expect(help.code).toBe(0);
  expect(help.stdout.split("\n")[0]).toBe("Usage: npm run export-config -- [options]");
});

test.concurrent(
  "--stack-a and --stack-b run the pulumi CLI with an argument array, never a shell",
  async () => {
    const bin = join(directory, "bin");
    const log = join(directory, "pulumi-args.log");
    const script = join(bin, "pulumi");
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      script,
      [
        "#!/bin/sh",
        'printf "%s|" "$@" >> "$PULUMI_ARGS_LOG"',
        'printf "\\n" >> "$PULUMI_ARGS_LOG"',
        'case "$6" in',
        '  *tenantA*) cat "$TENANT_A_OUTPUTS" ;;',
        '  *) cat "$TENANT_B_OUTPUTS" ;;',
        "esac",
        "",
      ].join("\n"),
    );
    chmodSync(script, 0o755);
    const stackA = "contoso/chat/tenantA; touch pwned";
    const stackB = "contoso/chat/tenantB $(touch pwned)";

    const run = await exportConfig(["--stack-a", stackA, "--stack-b", stackB, "--format", "json"], {
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      PULUMI_ARGS_LOG: log,
      TENANT_A_OUTPUTS: tenantA,
      TENANT_B_OUTPUTS: tenantB,
    });

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).credential.name).toBe("primary@a");
    expect(readFileSync(log, "utf8").trimEnd().split("\n").sort()).toEqual([
      `stack|output|--json|--show-secrets|--stack|${stackA}|`,
      `stack|output|--json|--show-secrets|--stack|${stackB}|`,
    ]);
    expect(existsSync(join(process.cwd(), "pwned"))).toBe(false);
  },
);

test.concurrent("without the pulumi CLI: exit 2, and how to do without it", async () => {
  const empty = join(directory, "empty-bin");
  mkdirSync(empty, { recursive: true });

  const run = await exportConfig(["--stack-a", "o/p/a", "--tenant-b", tenantB], { PATH: empty });

  expect(run).toEqual({
    code: 2,
    stdout: "",
    stderr:
      "export-config: --stack-a o/p/a: the pulumi CLI is not on PATH. Install it " +
      "(https://www.pulumi.com/docs/install/), or run `pulumi stack output --json --show-secrets " +
      "--stack o/p/a` where it is installed and pass the saved output with --tenant-a FILE.\n",
  });
});
