import { evaluateStack } from "../../tools/evaluate.ts";
import { certificatePem } from "../support/certificates.ts";
import { identityPrincipal, rawConfig, tenantA, tenantAValues } from "../support/config.ts";
import { fakeOutputs } from "../support/fakes.ts";

const clouds = [
  ["public", "https://login.microsoftonline.com", "api://AzureADTokenExchange"],
  ["china", "https://login.chinacloudapi.cn", "api://AzureADTokenExchangeChina"],
  ["usgovernment", "https://login.microsoftonline.us", "api://AzureADTokenExchangeUSGov"],
] as const;

const certificateEnd = "2036-01-01T00:00:00.000Z";
let certificate: string;

beforeAll(async () => {
  certificate = (await certificatePem(new Date(), new Date(certificateEnd))).cert;
});

function allKinds() {
  const [secret, managedIdentity, federated] = tenantAValues().credentials as object[];
  return [
    secret,
    { kind: "certificate", name: "server-cert", certificate },
    managedIdentity,
    federated,
  ];
}

async function evaluate(values: Record<string, unknown>) {
  return evaluateStack({
    stack: "tenantA",
    config: rawConfig(values),
    preview: false,
    fakeOutputs,
  });
}

describe.each(clouds)("tenant A stack in the %s cloud", (cloud, authority, audience) => {
  it("registers the application and one resource per credential kind, exactly", async () => {
    const { resources } = await evaluate(tenantAValues({ cloud, credentials: allKinds() }));

    expect(resources).toEqual([
      {
        type: "pulumi:providers:azuread",
        name: "tenant-a",
        inputs: { environment: cloud, tenantId: tenantA, useMsi: "false" },
        dependsOn: [],
        options: {},
      },
      {
        type: "signalr-cross-tenant:tenantA:CrossTenantApplication",
        name: "application",
        inputs: {},
        dependsOn: [],
        options: {},
      },
      {
        type: "azuread:index/application:Application",
        name: "application",
        parent: "application",
        inputs: { displayName: "contoso-chat-server", signInAudience: "AzureADMultipleOrgs" },
        dependsOn: [],
        options: { protect: true, provider: "tenant-a" },
      },
      {
        type: "time:index/offset:Offset",
        name: "application-primary-end",
        parent: "application",
        inputs: { offsetDays: 180, triggers: { validDays: "180" } },
        dependsOn: [],
        options: {},
      },
      {
        type: "azuread:index/applicationPassword:ApplicationPassword",
        name: "application-primary",
        parent: "application",
        inputs: {
          applicationId: "application-id",
          displayName: "primary",
          endDate: "2027-06-01T00:00:00Z",
        },
        dependsOn: ["application", "application-primary-end"],
        options: { provider: "tenant-a" },
      },
      {
        type: "azuread:index/applicationCertificate:ApplicationCertificate",
        name: "application-server-cert",
        parent: "application",
        inputs: {
          applicationId: "application-id",
          encoding: "pem",
          endDate: certificateEnd,
          type: "AsymmetricX509Cert",
          value: "[secret]",
        },
        dependsOn: ["application"],
        options: { provider: "tenant-a" },
      },
      {
        type: "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
        name: "application-chat-server-identity",
        parent: "application",
        inputs: {
          applicationId: "application-id",
          audiences: [audience],
          description: `User-assigned managed identity ${identityPrincipal} of the home tenant`,
          displayName: "chat-server-identity",
          issuer: `${authority}/${tenantA}/v2.0`,
          subject: identityPrincipal,
        },
        dependsOn: ["application"],
        options: { provider: "tenant-a" },
      },
      {
        type: "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
        name: "application-github-prod",
        parent: "application",
        inputs: {
          applicationId: "application-id",
          audiences: [audience],
          displayName: "github-prod",
          issuer: "https://token.actions.githubusercontent.com",
          subject: "repo:contoso/chat:environment:prod",
        },
        dependsOn: ["application"],
        options: { provider: "tenant-a" },
      },
    ]);
  });

  it("exports the contract's outputs, the client secrets as a secret", async () => {
    const { outputs, secretOutputs } = await evaluate(
      tenantAValues({ cloud, credentials: allKinds() }),
    );

    expect(outputs).toEqual({
      clientId: "application-client-id",
      applicationObjectId: "application-object-id",
      tenantId: tenantA,
      cloud,
      credentials: [
        {
          name: "primary",
          kind: "secret",
          keyId: "application-primary-key-id",
          endDate: "2027-06-01T00:00:00Z",
        },
        {
          name: "server-cert",
          kind: "certificate",
          keyId: "application-server-cert-key-id",
          endDate: certificateEnd,
        },
        {
          name: "chat-server-identity",
          kind: "managedIdentity",
          issuer: `${authority}/${tenantA}/v2.0`,
          subject: identityPrincipal,
          audiences: [audience],
        },
        {
          name: "github-prod",
          kind: "federated",
          issuer: "https://token.actions.githubusercontent.com",
          subject: "repo:contoso/chat:environment:prod",
          audiences: [audience],
        },
      ],
      clientSecrets: "[secret]",
    });
    expect(secretOutputs).toEqual(["clientSecrets"]);
  });
});

describe("tenant A stack options", () => {
  it("passes an explicit secret end date through without a time offset", async () => {
    const credentials = [{ kind: "secret", name: "primary", endDate: "2027-06-30T00:00:00Z" }];

    const { resources } = await evaluate(tenantAValues({ credentials }));

    expect(resources.map((resource) => resource.type)).not.toContain("time:index/offset:Offset");
    expect(resources.find((resource) => resource.name === "application-primary")?.inputs).toEqual({
      applicationId: "application-id",
      displayName: "primary",
      endDate: "2027-06-30T00:00:00Z",
    });
  });

  it("sets owners and the personal-account audience on the application", async () => {
    const owner = "66666666-6666-6666-6666-666666666666";
    const application = {
      displayName: "chat",
      signInAudience: "AzureADandPersonalMicrosoftAccount",
      owners: [owner],
    };

    const { resources } = await evaluate(tenantAValues({ application }));

    expect(
      resources.find((resource) => resource.type === "azuread:index/application:Application")
        ?.inputs,
    ).toEqual({
      displayName: "chat",
      signInAudience: "AzureADandPersonalMicrosoftAccount",
      owners: [owner],
    });
  });

  it("stops before registering anything when the config is invalid", async () => {
    await expect(evaluate(tenantAValues({ credentials: [] }))).rejects.toThrow(
      /^Stack config has 1 problem; nothing was created:\n {2}- signalr-cross-tenant:credentials: got \[\];/,
    );
  });
});
