import {
  buildAppServerSettings,
  hiddenSecret,
  parseEndpointFlag,
  parseExportArgs,
  renderSettings,
  shellQuote,
  type ExportFormat,
} from "../../lib/appConfig.ts";
import { ArgumentError } from "../../lib/commandLine.ts";
import { parseConnectionString } from "../../lib/connectionString.ts";
import {
  checkStacksAgree,
  chooseCredential,
  loadStackOutputs,
  readTenantAOutputs,
  readTenantBOutputs,
  StackOutputsError,
  type StackSource,
  type TenantAOutputs,
  type TenantBOutputs,
} from "../../lib/stackOutputs.ts";
import {
  clientId,
  identityPrincipal,
  tenantA as tenantAId,
  tenantB as tenantBId,
} from "../support/config.ts";
import {
  applicationObjectId,
  enterpriseApplication,
  newestSecret,
  olderSecret,
  rawTenantAOutputs as rawA,
  rawTenantBOutputs as rawB,
} from "../support/outputs.ts";

const sourceA: StackSource = {
  side: "tenantA",
  kind: "file",
  flag: "--tenant-a",
  value: "a.json",
};
const sourceB: StackSource = {
  side: "tenantB",
  kind: "stack",
  flag: "--stack-b",
  value: "contoso/chat/tenantB",
};
const now = new Date("2026-12-03T12:00:00Z");

const clouds = [
  [
    "public",
    "https://login.microsoftonline.com",
    "service.signalr.net",
    "api://AzureADTokenExchange",
  ],
  [
    "china",
    "https://login.chinacloudapi.cn",
    "signalr.azure.cn",
    "api://AzureADTokenExchangeChina",
  ],
  [
    "usgovernment",
    "https://login.microsoftonline.us",
    "signalr.azure.us",
    "api://AzureADTokenExchangeUSGov",
  ],
] as const;

type Cloud = (typeof clouds)[number][0];

function cloudRow(cloud: Cloud) {
  const [, authority, suffix, audience] = clouds.find(([name]) => name === cloud)!;
  return { authority, suffix, audience };
}

function tenantAIn(cloud: Cloud): TenantAOutputs {
  const { authority, audience } = cloudRow(cloud);
  const raw = structuredClone(rawA);
  raw.cloud = cloud;
  for (const credential of raw.credentials) {
    if (credential.audiences) credential.audiences = [audience];
    if (credential.kind === "managedIdentity") credential.issuer = `${authority}/${tenantAId}/v2.0`;
  }
  return readTenantAOutputs(raw, sourceA);
}

function tenantBIn(cloud: Cloud, endpointNames: readonly string[] = ["chat-weu"]): TenantBOutputs {
  const { authority, suffix } = cloudRow(cloud);
  return readTenantBOutputs(
    {
      ...rawB,
      cloud,
      endpoints: endpointNames.map((name) => ({ name, url: `https://${name}.${suffix}` })),
      adminConsentUrl: `${authority}/${tenantBId}/adminconsent?client_id=${clientId}`,
    },
    sourceB,
  );
}

function settingsFor(
  cloud: Cloud,
  endpointNames: readonly string[],
  credentialName: string,
  certificatePath?: string,
) {
  const tenantA = tenantAIn(cloud);
  return buildAppServerSettings({
    tenantA,
    tenantB: tenantBIn(cloud, endpointNames),
    credential: chooseCredential(tenantA, credentialName, now),
    certificatePath,
  });
}

/** The connection string the app server needs, written out independently of the code under test. */
function expectedConnectionString(url: string, credentialPart: string): string {
  return (
    `Endpoint=${url};AuthType=azure.app;ClientId=${clientId};TenantId=${tenantBId};` +
    `${credentialPart};Version=1.0;`
  );
}

describe("readTenantAOutputs", () => {
  test("accepts what the tenant A stack prints", () => {
    expect(readTenantAOutputs(rawA, sourceA)).toEqual(rawA);
  });

  test("names every missing or malformed output at once", () => {
    const raw = {
      ...rawA,
      clientId: "chat-server",
      cloud: "mars",
      credentials: [
        { name: "x", kind: "password" },
        { name: "y", kind: "secret", keyId: "k", endDate: "soon" },
      ],
      clientSecrets: { y: 5 },
    };
    delete raw.tenantId;

    expect(() => readTenantAOutputs(raw, sourceA)).toThrow(
      new StackOutputsError(
        "tenant A's outputs (--tenant-a a.json) cannot be used; give what `pulumi stack output " +
          "--json --show-secrets` prints for this project's stack:",
        [
          'clientId must be a GUID (8-4-4-4-12 hex digits); got "chat-server".',
          "tenantId is missing.",
          'cloud must be one of public, china, usgovernment; got "mars".',
          "credentials[0].kind must be secret, certificate, " +
            'managedIdentity or federated; got "password".',
          'credentials[1].endDate must be an ISO 8601 date; got "soon".',
          "clientSecrets.y must be text (value hidden).",
        ],
      ),
    );
  });

  test('explains "[secret]": the outputs were printed without --show-secrets', () => {
    expect(() => readTenantAOutputs({ ...rawA, clientSecrets: "[secret]" }, sourceA)).toThrow(
      new StackOutputsError(
        "tenant A's outputs (--tenant-a a.json) cannot be used; give what `pulumi stack output " +
          "--json --show-secrets` prints for this project's stack:",
        [
          'clientSecrets is "[secret]": the outputs were printed without --show-secrets. Run ' +
            "`pulumi stack output --json --show-secrets` again.",
        ],
      ),
    );
  });
});

describe("readTenantBOutputs", () => {
  test("accepts what the tenant B stack prints", () => {
    expect(readTenantBOutputs(rawB, sourceB)).toEqual(rawB);
  });

  test("refuses expected claims that contradict the other outputs, naming both values", () => {
    const raw = {
      ...rawB,
      expectedClaims: { tid: tenantAId, oid: applicationObjectId, appid: clientId },
    };

    expect(() => readTenantBOutputs(raw, sourceB)).toThrow(
      new StackOutputsError(
        "tenant B's outputs (--stack-b contoso/chat/tenantB) cannot be used; give what `pulumi " +
          "stack output --json --show-secrets` prints for this project's stack:",
        [
          `expectedClaims.tid is ${tenantAId} but tenantId is ${tenantBId}; the file was edited ` +
            "or mixes two deployments. Print the outputs of one tenant B stack again.",
          `expectedClaims.oid is ${applicationObjectId} but servicePrincipalObjectId is ` +
            `${enterpriseApplication}; the file was edited or mixes two deployments. Print the ` +
            "outputs of one tenant B stack again.",
        ],
      ),
    );
  });

  test("names missing outputs and a scope without /.default", () => {
    const raw = { ...rawB, tokenScope: "https://signalr.azure.com" };
    delete raw.endpoints;
    delete raw.servicePrincipalObjectId;

    expect(() => readTenantBOutputs(raw, sourceB)).toThrow(
      new StackOutputsError(
        "tenant B's outputs (--stack-b contoso/chat/tenantB) cannot be used; give what `pulumi " +
          "stack output --json --show-secrets` prints for this project's stack:",
        [
          "servicePrincipalObjectId is missing.",
          'tokenScope must end in /.default; got "https://signalr.azure.com".',
          "endpoints is missing.",
        ],
      ),
    );
  });
});

describe("checkStacksAgree", () => {
  test("accepts two stacks of the same application and cloud", () => {
    expect(() => checkStacksAgree(tenantAIn("public"), tenantBIn("public"))).not.toThrow();
  });

  test("names both client ids and both clouds when they differ", () => {
    const other = "88888888-8888-8888-8888-888888888888";
    const tenantB = readTenantBOutputs(
      {
        ...rawB,
        clientId: other,
        cloud: "china",
        expectedClaims: { ...rawB.expectedClaims, appid: other },
      },
      sourceB,
    );

    expect(() => checkStacksAgree(tenantAIn("public"), tenantB)).toThrow(
      new StackOutputsError("The tenant A and tenant B outputs do not fit together:", [
        `tenant B's clientId ${other} differs from tenant A's clientId ${clientId}: tenant B's ` +
          "enterprise application belongs to another application. Set tenant B's clientId (or " +
          "applicationStack) to tenant A's application and run `pulumi up` there, or pass the " +
          "outputs of the matching tenant A stack.",
        "tenant A's cloud is public and tenant B's cloud is china: sign-in and federation do not " +
          "cross clouds. Deploy both stacks to the same cloud.",
      ]),
    );
  });

  test("refuses tenant A's application object id as the enterprise application", () => {
    const tenantB = readTenantBOutputs(
      {
        ...rawB,
        servicePrincipalObjectId: applicationObjectId,
        expectedClaims: { ...rawB.expectedClaims, oid: applicationObjectId },
      },
      sourceB,
    );

    expect(() => checkStacksAgree(tenantAIn("public"), tenantB)).toThrow(
      new StackOutputsError("The tenant A and tenant B outputs do not fit together:", [
        `tenant B's servicePrincipalObjectId ${applicationObjectId} equals tenant A's ` +
          `applicationObjectId ${applicationObjectId}: the enterprise application in tenant B is ` +
          "a different object. Print tenant B's outputs again.",
      ]),
    );
  });
});

describe("chooseCredential", () => {
  const tenantA = tenantAIn("public");

  test("by default, the secret that expires last among the valid ones, never a certificate", () => {
    expect(chooseCredential(tenantA, undefined, now).name).toBe("primary@a");
  });

  test("the same in any order of the credentials", () => {
    const reversed = { ...tenantA, credentials: [...tenantA.credentials].reverse() };

    expect(chooseCredential(reversed, undefined, now).name).toBe("primary@a");
  });

  test("after a rotation, the new slot; once every secret expired, the user chooses", () => {
    const rotated = {
      ...tenantA,
      credentials: tenantA.credentials.map((c) =>
        c.name === "primary@b" ? { ...c, endDate: "2099-09-30T00:00:00Z" } : c,
      ),
    };

    expect(chooseCredential(rotated, undefined, new Date("2099-05-01T00:00:00Z")).name).toBe(
      "primary@b",
    );
    expect(chooseCredential(rotated, undefined, new Date("2099-07-01T00:00:00Z")).name).toBe(
      "primary@b",
    );
    expect(() => chooseCredential(rotated, undefined, new Date("2099-10-01T00:00:00Z"))).toThrow(
      new ArgumentError(
        "tenant A has 6 credentials, legacy (secret), primary@a (secret), primary@b (secret), " +
          "server-cert (certificate), chat-server-identity (managedIdentity), github-prod " +
          "(federated), and no client secret that is still " +
          "valid; choose one with --credential NAME.",
      ),
    );
  });

  test("a rotating secret by its own name: the valid slot that expires last", () => {
    expect(chooseCredential(tenantA, "primary", now).name).toBe("primary@a");
    expect(chooseCredential(tenantA, "primary", new Date("2099-03-01T00:00:00Z")).name).toBe(
      "primary@a",
    );
  });

  test("a rotating secret whose slots all expired", () => {
    expect(() => chooseCredential(tenantA, "primary", new Date("2099-07-01T00:00:00Z"))).toThrow(
      new StackOutputsError("Tenant A's rotating secret primary cannot be used:", [
        "every slot (primary@a, primary@b) has expired. Run `pulumi up` on the tenant A stack " +
          "to make a new secret.",
      ]),
    );
  });

  test("any credential by name", () => {
    expect(chooseCredential(tenantA, "github-prod", now)).toEqual({
      name: "github-prod",
      kind: "federated",
      issuer: "https://token.actions.githubusercontent.com",
      subject: "repo:contoso/chat:environment:prod",
      audiences: ["api://AzureADTokenExchange"],
    });
  });

  test("an expired credential by name", () => {
    expect(() => chooseCredential(tenantA, "legacy", now)).toThrow(
      new StackOutputsError("Tenant A's credential legacy cannot be used:", [
        "the secret expired on 2020-01-01T00:00:00Z. Rotate it (`pulumi up` on the tenant A " +
          "stack) or choose another with --credential NAME.",
      ]),
    );
  });

  test("an unknown name, with the closest one", () => {
    expect(() => chooseCredential(tenantA, "primery", now)).toThrow(
      new ArgumentError(
        "--credential primery: tenant A has no credential of that name; it has legacy (secret), " +
          "primary@a (secret), primary@b (secret), server-cert (certificate), " +
          "chat-server-identity (managedIdentity), github-prod (federated). Did you mean " +
          "--credential primary?",
      ),
    );
  });

  test("the only credential, whatever its kind", () => {
    const only = { ...tenantA, credentials: tenantA.credentials.slice(4, 5) };

    expect(chooseCredential(only, undefined, now).name).toBe("chat-server-identity");
  });

  test("several credentials and no valid secret: the user chooses", () => {
    const noSecret = { ...tenantA, credentials: tenantA.credentials.slice(3) };

    expect(() => chooseCredential(noSecret, undefined, now)).toThrow(
      new ArgumentError(
        "tenant A has 3 credentials, server-cert (certificate), chat-server-identity " +
          "(managedIdentity), github-prod (federated), and no client secret that is still valid; " +
          "choose one with --credential NAME.",
      ),
    );
  });
});

describe.each(clouds)("connection strings in the %s cloud", (cloud, authority, suffix) => {
  const outsidePublic = cloud !== "public";
  const authorityNote =
    "A connection string cannot carry the authority host: set " +
    `AZURE_AUTHORITY_HOST=${authority} in the app server's environment.`;
  const credentials = [
    ["secret", "primary", `ClientSecret=${newestSecret}`, undefined],
    ["certificate", "server-cert", "ClientCert=/etc/signalr/app.pem", "/etc/signalr/app.pem"],
  ] as const;

  describe.each(credentials)("with a %s", (kind, name, credentialPart, certificatePath) => {
    test("dotnet, one endpoint: Azure:SignalR:ConnectionString", () => {
      const settings = settingsFor(cloud, ["chat-weu"], name, certificatePath);

      const { text, notes } = renderSettings(settings, "dotnet", { showSecrets: true });

      const url = `https://chat-weu.${suffix}`;
      expect(JSON.parse(text)).toEqual({
        Azure: { SignalR: { ConnectionString: expectedConnectionString(url, credentialPart) } },
      });
      expect(notes).toEqual(outsidePublic ? [authorityNote] : []);
      expect(parseConnectionString(JSON.parse(text).Azure.SignalR.ConnectionString)).toEqual({
        endpoint: url,
        authType: "azure.app",
        clientId,
        tenantId: tenantBId,
        ...(kind === "secret"
          ? { clientSecret: newestSecret }
          : { clientCert: "/etc/signalr/app.pem" }),
        version: "1.0",
      });
    });

    test("dotnet, several endpoints: Azure:SignalR:ConnectionString:<name>", () => {
      const settings = settingsFor(cloud, ["chat-weu", "chat-neu"], name, certificatePath);

      const { text } = renderSettings(settings, "dotnet", { showSecrets: true });

      const strings = JSON.parse(text).Azure.SignalR.ConnectionString;
      expect(strings).toEqual({
        "chat-weu": expectedConnectionString(`https://chat-weu.${suffix}`, credentialPart),
        "chat-neu": expectedConnectionString(`https://chat-neu.${suffix}`, credentialPart),
      });
      expect(parseConnectionString(strings["chat-neu"]).endpoint).toBe(
        `https://chat-neu.${suffix}`,
      );
      expect(parseConnectionString(strings["chat-neu"]).tenantId).toBe(tenantBId);
    });

    test("env, one endpoint, with the authority host outside the public cloud", () => {
      const settings = settingsFor(cloud, ["chat-weu"], name, certificatePath);

      const { text, notes } = renderSettings(settings, "env", { showSecrets: true });

      const value = expectedConnectionString(`https://chat-weu.${suffix}`, credentialPart);
      expect(text).toBe(
        (outsidePublic ? `AZURE_AUTHORITY_HOST=${authority}\n` : "") +
          `Azure__SignalR__ConnectionString='${value}'\n`,
      );
      expect(notes).toEqual([]);
      expect(parseConnectionString(value).clientId).toBe(clientId);
    });

    test("env, several endpoints: Azure__SignalR__ConnectionString__<name>", () => {
      const settings = settingsFor(cloud, ["chatweu", "chatneu"], name, certificatePath);

      const { text } = renderSettings(settings, "env", { showSecrets: true });

      const lines = text.trimEnd().split("\n");
      expect(lines).toEqual([
        ...(outsidePublic ? [`AZURE_AUTHORITY_HOST=${authority}`] : []),
        "Azure__SignalR__ConnectionString__chatweu=" +
          `'${expectedConnectionString(`https://chatweu.${suffix}`, credentialPart)}'`,
        "Azure__SignalR__ConnectionString__chatneu=" +
          `'${expectedConnectionString(`https://chatneu.${suffix}`, credentialPart)}'`,
      ]);
      const quoted = lines[lines.length - 1].split("=").slice(1).join("=");
      expect(parseConnectionString(quoted.slice(1, -1)).endpoint).toBe(`https://chatneu.${suffix}`);
    });
  });

  test("json, a secret: every value another platform needs", () => {
    const settings = settingsFor(cloud, ["chat-weu"], "primary");

    const { text, notes } = renderSettings(settings, "json", { showSecrets: true });

    expect(JSON.parse(text)).toEqual({
      cloud,
      authorityHost: authority,
      tenantId: tenantBId,
      clientId,
      servicePrincipalObjectId: enterpriseApplication,
      tokenScope: "https://signalr.azure.com/.default",
      endpoints: [{ name: "chat-weu", url: `https://chat-weu.${suffix}` }],
      credential: {
        name: "primary@a",
        kind: "secret",
        keyId: "aaaaaaaa-0000-0000-0000-000000000002",
        endDate: "2099-06-30T00:00:00Z",
        clientSecret: newestSecret,
      },
    });
    expect(notes).toEqual([]);
  });
});

describe.each(clouds)(
  "a federated credential in the %s cloud",
  (cloud, authority, suffix, audience) => {
    const note =
      "The federated credential github-prod cannot be written as a connection string: build a " +
      "ClientAssertionCredential in code from tenant " +
      "B's id, the client id, the authority host and " +
      "the token-exchange audience written here.";

    test("dotnet: the values a ClientAssertionCredential needs", () => {
      const settings = settingsFor(cloud, ["chat-weu", "chat-neu"], "github-prod");

      const { text, notes } = renderSettings(settings, "dotnet", { showSecrets: false });

      expect(JSON.parse(text)).toEqual({
        SignalRCrossTenant: {
          Cloud: cloud,
          AuthorityHost: authority,
          TenantId: tenantBId,
          ClientId: clientId,
          TokenExchangeAudience: audience,
          Endpoints: {
            "chat-weu": `https://chat-weu.${suffix}`,
            "chat-neu": `https://chat-neu.${suffix}`,
          },
        },
      });
      expect(notes).toEqual([note]);
    });

    test("env: the same values, and the authority host outside the public cloud", () => {
      const settings = settingsFor(cloud, ["chat-weu"], "github-prod");

      const { text } = renderSettings(settings, "env", { showSecrets: false });

      expect(text).toBe(
        [
          ...(cloud === "public" ? [] : [`AZURE_AUTHORITY_HOST=${authority}`]),
          `SignalRCrossTenant__Cloud=${cloud}`,
          `SignalRCrossTenant__AuthorityHost=${authority}`,
          `SignalRCrossTenant__TenantId=${tenantBId}`,
          `SignalRCrossTenant__ClientId=${clientId}`,
          `SignalRCrossTenant__TokenExchangeAudience=${audience}`,
          `SignalRCrossTenant__Endpoints__chat-weu=https://chat-weu.${suffix}`,
          "",
        ].join("\n"),
      );
    });

    test("json: the credential's issuer, subject and token-exchange audience", () => {
      const settings = settingsFor(cloud, ["chat-weu"], "github-prod");

      const { text } = renderSettings(settings, "json", { showSecrets: false });

      expect(JSON.parse(text).credential).toEqual({
        name: "github-prod",
        kind: "federated",
        issuer: "https://token.actions.githubusercontent.com",
        subject: "repo:contoso/chat:environment:prod",
        tokenExchangeAudience: audience,
      });
    });

    test("a managed identity adds its object id", () => {
      const settings = settingsFor(cloud, ["chat-weu"], "chat-server-identity");

      const dotnet = JSON.parse(renderSettings(settings, "dotnet", { showSecrets: false }).text);
      const json = JSON.parse(renderSettings(settings, "json", { showSecrets: false }).text);

      expect(dotnet.SignalRCrossTenant.ManagedIdentityObjectId).toBe(identityPrincipal);
      expect(dotnet.SignalRCrossTenant.TokenExchangeAudience).toBe(audience);
      expect(json.credential).toEqual({
        name: "chat-server-identity",
        kind: "managedIdentity",
        issuer: `${authority}/${tenantAId}/v2.0`,
        subject: identityPrincipal,
        tokenExchangeAudience: audience,
      });
    });
  },
);

describe("redaction", () => {
  const formats: ExportFormat[] = ["dotnet", "env", "json"];

  test.each(formats)("%s hides the client secret unless asked, and says so", (format) => {
    const settings = settingsFor("public", ["chatweu", "chatneu"], "primary");

    const hidden = renderSettings(settings, format, { showSecrets: false });
    const shown = renderSettings(settings, format, { showSecrets: true });

    expect(hidden.text).not.toContain(newestSecret);
    expect(hidden.text).not.toContain(olderSecret);
    expect(hidden.text.split(hiddenSecret).length - 1).toBe(format === "json" ? 1 : 2);
    expect(hidden.notes).toEqual([
      `The client secret is written as ${hiddenSecret}; add --show-secrets to write it.`,
    ]);
    expect(shown.text).not.toContain(hiddenSecret);
    expect(shown.text).toContain(newestSecret);
  });

  test("the placeholder still parses, so a hidden export can be checked", () => {
    const settings = settingsFor("public", ["chat-weu"], "primary");

    const { text } = renderSettings(settings, "dotnet", { showSecrets: false });

    expect(
      parseConnectionString(JSON.parse(text).Azure.SignalR.ConnectionString).clientSecret,
    ).toBe(hiddenSecret);
  });
});

describe("what export refuses", () => {
  test("a certificate without --cert-path, for a connection string", () => {
    const settings = settingsFor("public", ["chat-weu"], "server-cert");

    expect(() => renderSettings(settings, "dotnet", { showSecrets: false })).toThrow(
      new ArgumentError(
        "the credential server-cert is a certificate: give --cert-path with the path of the PEM " +
          "file (certificate and private key) on the app server.",
      ),
    );
    expect(
      JSON.parse(renderSettings(settings, "json", { showSecrets: false }).text).credential,
    ).toEqual({
      name: "server-cert",
      kind: "certificate",
      keyId: "bbbbbbbb-0000-0000-0000-000000000001",
      endDate: "2099-12-31T00:00:00Z",
    });
  });

  test("--cert-path for a credential that is not a certificate", () => {
    expect(() => settingsFor("public", ["chat-weu"], "primary", "/etc/app.pem")).toThrow(
      new ArgumentError(
        "--cert-path /etc/app.pem: the credential primary@a is a secret, not a certificate; drop " +
          "--cert-path or choose a certificate with --credential NAME.",
      ),
    );
  });

  test("no endpoint at all, unless --endpoint names one", () => {
    const tenantA = tenantAIn("china");
    const tenantB = tenantBIn("china", []);
    const credential = chooseCredential(tenantA, undefined, now);

    expect(() => buildAppServerSettings({ tenantA, tenantB, credential })).toThrow(
      new ArgumentError(
        "tenant B's outputs list no SignalR endpoint (its role assignments are above a single " +
          "SignalR resource); name it with --endpoint https://<name>.signalr.azure.cn.",
      ),
    );
    const settings = buildAppServerSettings({
      tenantA,
      tenantB,
      credential,
      endpoints: [parseEndpointFlag("https://chat-sha.signalr.azure.cn/")],
    });
    expect(settings.endpoints).toEqual([
      { name: "chat-sha", url: "https://chat-sha.signalr.azure.cn" },
    ]);
  });

  test("a secret that tenant A's outputs do not hold", () => {
    const tenantA = { ...tenantAIn("public"), clientSecrets: {} };

    expect(() =>
      buildAppServerSettings({
        tenantA,
        tenantB: tenantBIn("public"),
        credential: chooseCredential(tenantA, undefined, now),
      }),
    ).toThrow(
      new StackOutputsError("Tenant A's credential primary@a cannot be used:", [
        "clientSecrets has no value for primary@a; print tenant A's outputs with `pulumi stack " +
          "output --json --show-secrets`.",
      ]),
    );
  });
});

describe("a private cloud's authority host", () => {
  test("goes into AZURE_AUTHORITY_HOST even in the public cloud", () => {
    const tenantA = tenantAIn("public");
    const settings = buildAppServerSettings({
      tenantA,
      tenantB: tenantBIn("public"),
      credential: chooseCredential(tenantA, undefined, now),
      authorityHost: "https://login.contoso.example",
    });

    const env = renderSettings(settings, "env", { showSecrets: false });
    const dotnet = renderSettings(settings, "dotnet", { showSecrets: false });

    expect(env.text.split("\n")[0]).toBe("AZURE_AUTHORITY_HOST=https://login.contoso.example");
    expect(dotnet.notes).toEqual([
      `The client secret is written as ${hiddenSecret}; add --show-secrets to write it.`,
      "A connection string cannot carry the authority host: set " +
        "AZURE_AUTHORITY_HOST=https://login.contoso.example in the app server's environment.",
    ]);
  });
});

describe("env names a POSIX shell cannot export", () => {
  test("are named in a note", () => {
    const settings = settingsFor("public", ["chat-weu", "chatneu"], "primary");

    const { notes } = renderSettings(settings, "env", { showSecrets: true });

    expect(notes).toEqual([
      "Azure__SignalR__ConnectionString__chat-weu: a POSIX shell cannot export a name with '-'; " +
        "set these through systemd, Docker, Kubernetes or the app's host instead.",
    ]);
  });
});

describe("shellQuote", () => {
  test.each([
    ["https://login.microsoftonline.us", "https://login.microsoftonline.us"],
    ["a;b=c", "'a;b=c'"],
    ["it's", "'it'\\''s'"],
    ["~home", "'~home'"],
  ])("%s becomes %s", (value, quoted) => {
    expect(shellQuote(value)).toBe(quoted);
  });
});

describe("parseExportArgs", () => {
  test("reads every flag", () => {
    expect(
      parseExportArgs([
        "--tenant-a",
        "a.json",
        "--stack-b",
        "contoso/chat/tenantB",
        "--format",
        "env",
        "--credential",
        "server-cert",
        "--cert-path",
        "/etc/signalr/app.pem",
        "--endpoint",
        "weu=https://chat-weu.service.signalr.net",
        "--endpoint",
        "https://chat-neu.service.signalr.net/",
        "--authority-host",
        "https://login.microsoftonline.us/",
        "--show-secrets",
        "--out",
        "signalr.env",
      ]),
    ).toEqual({
      tenantA: { side: "tenantA", kind: "file", flag: "--tenant-a", value: "a.json" },
      tenantB: { side: "tenantB", kind: "stack", flag: "--stack-b", value: "contoso/chat/tenantB" },
      credential: "server-cert",
      format: "env",
      certificatePath: "/etc/signalr/app.pem",
      endpoints: [
        { name: "weu", url: "https://chat-weu.service.signalr.net" },
        { name: "chat-neu", url: "https://chat-neu.service.signalr.net" },
      ],
      authorityHost: "https://login.microsoftonline.us",
      showSecrets: true,
      out: "signalr.env",
    });
  });

  test("defaults to dotnet with secrets hidden", () => {
    expect(parseExportArgs(["--tenant-a", "a.json", "--tenant-b", "b.json"])).toEqual({
      tenantA: sourceA,
      tenantB: { side: "tenantB", kind: "file", flag: "--tenant-b", value: "b.json" },
      credential: undefined,
      format: "dotnet",
      certificatePath: undefined,
      endpoints: undefined,
      authorityHost: undefined,
      showSecrets: false,
      out: undefined,
    });
    expect(parseExportArgs(["--help"])).toBe("help");
  });

  test.each([
    [
      ["--tenant-a", "a.json", "--stack-a", "o/p/a", "--tenant-b", "b.json"],
      "--tenant-a a.json and --stack-a o/p/a both name tenant A's outputs; give one.",
    ],
    [
      ["--tenant-a", "a.json"],
      "tenant B's outputs are missing: give --tenant-b FILE (what `pulumi stack output --json " +
        "--show-secrets` printed) or --stack-b NAME (organization/project/stack).",
    ],
    [
      ["--tenant-a", "a.json", "--tenant-b", "b.json", "--format", "yaml"],
      "--format yaml is not known; use one of dotnet, env, json.",
    ],
    [
      ["--tenant-a", "a.json", "--tenant-b", "b.json", "--format", "env", "--format", "json"],
      "--format is given more than once; give it once.",
    ],
    [
      ["--tenant-a", "a.json", "--tenant-b", "b.json", "--endpoint", "chat-weu"],
      "--endpoint chat-weu: not an https:// URL; give https://<name>.service.signalr.net or " +
        "NAME=https://<name>.service.signalr.net.",
    ],
    [
      [
        "--tenant-a",
        "a.json",
        "--tenant-b",
        "b.json",
        "--authority-host",
        "login.microsoftonline.us",
      ],
      "--authority-host login.microsoftonline.us: not an https:// host; give the authority host " +
        "alone, such as https://login.microsoftonline.us.",
    ],
    [
      ["--tenant-a", "a.json", "--tenant-b", "b.json", "--cert-path", "/a;b.pem"],
      '--cert-path /a;b.pem: a connection string cannot hold an empty path or ";"; give the ' +
        "path of the PEM file without it.",
    ],
    [
      ["--tenant-a", "a.json", "--tenant-b", "b.json", "extra"],
      "Unexpected argument 'extra'. This command does not take positional arguments. See --help.",
    ],
  ])("refuses %j", (argv, message) => {
    expect(() => parseExportArgs(argv)).toThrow(new ArgumentError(message));
  });
});

describe("loadStackOutputs", () => {
  const stackA: StackSource = { side: "tenantA", kind: "stack", flag: "--stack-a", value: "o/p/a" };

  test("runs pulumi with an argument array, the stack name as one argument", async () => {
    const calls: string[][] = [];
    const name = "contoso/chat/tenantA; rm -rf ~";

    const outputs = await loadStackOutputs(
      { ...stackA, value: name },
      {
        readFile: () => Promise.reject(new Error("no file expected")),
        runPulumi: async (args) => {
          calls.push(args);
          return JSON.stringify(rawA);
        },
      },
    );

    expect(calls).toEqual([["stack", "output", "--json", "--show-secrets", "--stack", name]]);
    expect(outputs).toEqual(rawA);
  });

  test("says what to do when the pulumi CLI is missing", async () => {
    const missing = Object.assign(new Error("spawn pulumi ENOENT"), { code: "ENOENT" });

    await expect(
      loadStackOutputs(stackA, {
        readFile: () => Promise.reject(new Error("no file expected")),
        runPulumi: () => Promise.reject(missing),
      }),
    ).rejects.toThrow(
      new ArgumentError(
        "--stack-a o/p/a: the pulumi CLI is not on PATH. Install it " +
          "(https://www.pulumi.com/docs/install/), or run `pulumi stack output --json " +
          "--show-secrets --stack o/p/a` where it is installed and pass the saved output with " +
          "--tenant-a FILE.",
      ),
    );
  });

  test("passes on what pulumi said when it fails", async () => {
    const failed = Object.assign(new Error("Command failed"), {
      code: 255,
      stderr: "error: no stack named 'o/p/a' found\n",
    });

    await expect(
      loadStackOutputs(stackA, {
        readFile: () => Promise.reject(new Error("no file expected")),
        runPulumi: () => Promise.reject(failed),
      }),
    ).rejects.toThrow(
      new ArgumentError(
        "--stack-a o/p/a: `pulumi stack output --json --show-secrets --stack o/p/a` failed: " +
          "error: no stack named 'o/p/a' found. Check " +
          "the stack name (organization/project/stack) " +
          "and `pulumi login`, or pass --tenant-a FILE.",
      ),
    );
  });

  test("names a file that is not JSON", async () => {
    await expect(
      loadStackOutputs(sourceA, {
        readFile: async () => "Current stack outputs (6):",
        runPulumi: () => Promise.reject(new Error("no CLI expected")),
      }),
    ).rejects.toThrow(
      new StackOutputsError("tenant A's outputs (--tenant-a a.json) cannot be used:", [
        "it is not JSON (Unexpected token 'C', \"Current st\"... is not valid JSON); give what " +
          "`pulumi stack output --json --show-secrets` prints, unchanged.",
      ]),
    );
  });
});

describe("the stacks' real outputs", () => {
  // The program's own outputs under the mock runtime: what export reads is what the stacks export.
  const ids: Record<string, Record<string, string>> = {
    "azuread:index/application:Application": { clientId, objectId: applicationObjectId },
    "azuread:index/servicePrincipal:ServicePrincipal": { objectId: enterpriseApplication },
  };

  async function evaluate(stack: string, config: Record<string, unknown>) {
    const { evaluateStack } = await import("../../tools/evaluate.ts");
    const { rawConfig } = await import("../support/config.ts");
    return evaluateStack({
      stack,
      config: rawConfig(config),
      preview: false,
      fakeOutputs: (type, name) =>
        ids[type] ??
        (type === "azuread:index/applicationPassword:ApplicationPassword"
          ? { keyId: `${name}-key-id`, value: `${name}-value` }
          : type === "time:index/offset:Offset"
            ? { rfc3339: "2099-06-01T00:00:00Z" }
            : {}),
    });
  }

  test("tenant B's outputs are read as they are; tenant A's, printed without secrets, explained", async () => {
    const { tenantAValues, tenantBValues } = await import("../support/config.ts");

    const b = await evaluate("tenantB", tenantBValues());
    const a = await evaluate("tenantA", tenantAValues());

    const tenantB = readTenantBOutputs(b.outputs, sourceB);
    expect(tenantB.expectedClaims).toEqual({
      tid: tenantBId,
      oid: enterpriseApplication,
      appid: clientId,
    });
    expect(tenantB.endpoints).toEqual([
      { name: "chat-weu", url: "https://chat-weu.service.signalr.net" },
    ]);
    expect(a.outputs.clientSecrets).toBe("[secret]");
    expect(() => readTenantAOutputs(a.outputs, sourceA)).toThrow(
      'clientSecrets is "[secret]": the outputs were printed without --show-secrets.',
    );
    const tenantA = readTenantAOutputs(
      { ...a.outputs, clientSecrets: { primary: "application-primary-value" } },
      sourceA,
    );
    expect(() => checkStacksAgree(tenantA, tenantB)).not.toThrow();
    expect(chooseCredential(tenantA, undefined, now).name).toBe("primary");
  });
});
