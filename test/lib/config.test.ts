import { formatIssues, parseStackConfig, type ConfigResult } from "../../lib/config.ts";
import { referencedStackProblem } from "../../lib/configRules.ts";
import { certificatePem } from "../support/certificates.ts";
import {
  clientId,
  identityPrincipal,
  rawConfig,
  signalrScope,
  subscription,
  tenantA,
  tenantAValues,
  tenantB,
  tenantBValues,
} from "../support/config.ts";

const now = new Date("2026-12-03T00:00:00Z");
const ns = "signalr-cross-tenant";

function parse(values: Record<string, unknown>, isSecret?: (key: string) => boolean): ConfigResult {
  return parseStackConfig(rawConfig(values), { now, isSecret });
}

function problems(values: Record<string, unknown>): string[] {
  const result = parse(values);
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.issues.map((issue) => issue.message);
}

function parsed(values: Record<string, unknown>) {
  const result = parse(values);
  if (!result.ok) throw new Error(formatIssues(result.issues));
  return result;
}

const federated = (name: string, subject = `repo:contoso/chat:environment:${name}`) => ({
  kind: "federated",
  name,
  issuer: "https://token.actions.githubusercontent.com",
  subject,
});

describe("tenant A config", () => {
  it("resolves every credential kind with the cloud's issuer and audience", () => {
    const { config } = parsed(tenantAValues({ cloud: "usgovernment" }));

    expect(config).toEqual({
      side: "tenantA",
      cloud: expect.objectContaining({ name: "usgovernment" }),
      tenantId: tenantA,
      protect: true,
      application: {
        displayName: "contoso-chat-server",
        signInAudience: "AzureADMultipleOrgs",
        owners: [],
      },
      credentials: [
        { kind: "secret", name: "primary", validDays: 180 },
        {
          kind: "managedIdentity",
          name: "chat-server-identity",
          issuer: `https://login.microsoftonline.us/${tenantA}/v2.0`,
          subject: identityPrincipal,
          audience: "api://AzureADTokenExchangeUSGov",
        },
        {
          kind: "federated",
          name: "github-prod",
          issuer: "https://token.actions.githubusercontent.com",
          subject: "repo:contoso/chat:environment:prod",
          audience: "api://AzureADTokenExchangeUSGov",
        },
      ],
    });
  });

  it("gives a secret 180 days when neither validDays nor endDate is set", () => {
    const { config } = parsed(
      tenantAValues({ credentials: [{ kind: "secret", name: "primary" }] }),
    );

    expect(config.side === "tenantA" && config.credentials).toEqual([
      { kind: "secret", name: "primary", validDays: 180 },
    ]);
  });

  it("keeps an explicit end date", () => {
    const credentials = [{ kind: "secret", name: "primary", endDate: "2027-06-30T00:00:00Z" }];

    const { config } = parsed(tenantAValues({ credentials }));

    expect(config.side === "tenantA" && config.credentials).toEqual([
      { kind: "secret", name: "primary", endDate: "2027-06-30T00:00:00Z" },
    ]);
  });

  it("takes a current certificate and its end date", async () => {
    const { cert } = await certificatePem(now, new Date("2027-12-01T00:00:00Z"));

    const { config } = parsed(
      tenantAValues({
        credentials: [{ kind: "certificate", name: "server-cert", certificate: cert }],
      }),
    );

    expect(config.side === "tenantA" && config.credentials).toEqual([
      {
        kind: "certificate",
        name: "server-cert",
        certificate: cert,
        endDate: "2027-12-01T00:00:00.000Z",
      },
    ]);
  });

  it("reports a missing side", () => {
    expect(problems({ tenantId: tenantA })).toEqual([
      `${ns}:side: not set; allowed: tenantA (the ` +
        `application's home tenant) or tenantB (the SignalR ` +
        `resource's tenant). Set it with \`pulumi config set ${ns}:side tenantA\` (or tenantB).`,
    ]);
  });

  it("reports an unknown side with the value received", () => {
    expect(problems({ side: "tenantC", tenantId: tenantA })[0]).toMatch(
      new RegExp(`^${ns}:side: got "tenantC"; allowed: tenantA`),
    );
  });

  it("suggests the closest key for an unknown one", () => {
    expect(problems(tenantAValues({ credential: [] }))).toEqual([
      `${ns}:credential: got "[]"; not a config key of ` +
        `this project; did you mean ${ns}:credentials? ` +
        "Known keys: side, cloud, tenantId, protect, application, credentials.",
    ]);
  });

  it("points out a tenant-B key in a tenant-A stack", () => {
    expect(problems(tenantAValues({ clientId }))).toEqual([
      `${ns}:clientId: got "${clientId}"; belongs to tenantB stacks, and this stack's side is ` +
        "tenantA. Remove it here.",
    ]);
  });

  it("rejects ids that are not GUIDs", () => {
    expect(problems(tenantAValues({ tenantId: "contoso.onmicrosoft.com" }))).toEqual([
      `${ns}:tenantId: got "contoso.onmicrosoft.com"; ` +
        `must be the directory (tenant) id this stack ` +
        "deploys into (`az account show --query tenantId`), a GUID such as " +
        "00000000-0000-0000-0000-000000000000.",
    ]);
  });

  it("rejects an unknown cloud", () => {
    expect(problems(tenantAValues({ cloud: "germany" }))).toEqual([
      `${ns}:cloud: got "germany"; allowed: public, china, ` +
        `usgovernment. Pick the cloud both tenants live in.`,
    ]);
  });

  it.each(["AzureADMyOrg", "PersonalMicrosoftAccount"])("rejects the %s audience", (audience) => {
    const application = { displayName: "chat", signInAudience: audience };

    expect(problems(tenantAValues({ application }))).toEqual([
      `${ns}:application.signInAudience: got "${audience}"; ` +
        `cannot be provisioned in another tenant. ` +
        "Use AzureADMultipleOrgs (the default) so tenant B can create the enterprise application.",
    ]);
  });

  it.each(["china", "usgovernment"])("rejects personal accounts in the %s cloud", (cloud) => {
    const application = {
      displayName: "chat",
      signInAudience: "AzureADandPersonalMicrosoftAccount",
    };

    expect(problems(tenantAValues({ cloud, application }))).toEqual([
      `${ns}:application.signInAudience: got ` +
        `"AzureADandPersonalMicrosoftAccount"; personal accounts ` +
        `are not supported in the ${cloud} cloud. Use AzureADMultipleOrgs.`,
    ]);
  });

  it("accepts personal accounts in the public cloud", () => {
    const application = {
      displayName: "chat",
      signInAudience: "AzureADandPersonalMicrosoftAccount",
    };

    expect(parse(tenantAValues({ application })).ok).toBe(true);
  });

  it("requires at least one credential", () => {
    expect(problems(tenantAValues({ credentials: [] }))).toEqual([
      `${ns}:credentials: got []; must list at least one credential (secret, certificate, ` +
        "managedIdentity or federated); without one the app server cannot sign in.",
    ]);
    expect(problems(tenantAValues({ credentials: undefined }))).toEqual([
      `${ns}:credentials: not set; must be a list of credentials.`,
    ]);
  });

  it("rejects repeated credential names", () => {
    const credentials = [
      { kind: "secret", name: "primary" },
      { kind: "secret", name: "Primary" },
    ];

    expect(problems(tenantAValues({ credentials }))).toEqual([
      `${ns}:credentials[1].name: got "Primary"; repeats the name of credentials[0]; give each ` +
        "credential its own name.",
    ]);
  });

  it.each([
    ["too short", "gh"],
    ["too long", "x".repeat(121)],
    ["not URL-safe", "github prod/main"],
  ])("rejects a federated name that is %s", (_, name) => {
    expect(problems(tenantAValues({ credentials: [federated(name)] }))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${ns}:credentials\\[0\\]\\.name: got ".*"; must be 3 to 120 URL-safe characters`,
        ),
      ),
    ]);
  });

  it("rejects more than 20 federated credentials", () => {
    const credentials = Array.from({ length: 21 }, (_, index) => federated(`env-${index}`));

    expect(problems(tenantAValues({ credentials }))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${ns}:credentials: got \\[.*; holds 21 federated credentials \\(managedIdentity and ` +
            "federated\\); an application takes at most 20\\. " +
            "Remove some, or register a second application\\.$",
        ),
      ),
    ]);
  });

  it("rejects two federated credentials that trust the same issuer and subject", () => {
    const credentials = [
      federated("github-prod", "repo:a/b:ref:main"),
      federated("github-main", "repo:a/b:ref:main"),
    ];

    expect(problems(tenantAValues({ credentials }))).toEqual([
      expect.stringMatching(
        /credentials\[1\]: got .*; trusts the same issuer and subject as credentials\[0\]/,
      ),
    ]);
  });

  it.each([
    [0, "must be 1 to 730 days (the secret's lifetime); raise it."],
    [731, "must be 1 to 730 days (the secret's lifetime); shorten it."],
    [1.5, "must be a whole number of days, 1 to 730 (the secret's lifetime)."],
  ])("rejects a secret valid for %s days", (validDays, message) => {
    const credentials = [{ kind: "secret", name: "primary", validDays }];

    expect(problems(tenantAValues({ credentials }))).toEqual([
      `${ns}:credentials[0].validDays: got ${validDays}; ${message}`,
    ]);
  });

  it.each(["2026-12-03T12:00:00Z", "2028-12-04T00:00:00Z"])(
    "rejects a secret ending %s",
    (endDate) => {
      const credentials = [{ kind: "secret", name: "primary", endDate }];

      expect(problems(tenantAValues({ credentials }))).toEqual([
        `${ns}:credentials[0].endDate: got "${endDate}"; must be 1 to 730 days from today; Entra ` +
          "limits secret lifetimes. Pick a nearer date.",
      ]);
    },
  );

  it("rejects validDays and endDate together", () => {
    const credentials = [
      { kind: "secret", name: "primary", validDays: 30, endDate: "2027-06-30T00:00:00Z" },
    ];

    expect(problems(tenantAValues({ credentials }))).toEqual([
      `${ns}:credentials[0].endDate: got "2027-06-30T00:00:00Z"; cannot be given together with ` +
        "validDays; keep one of them.",
    ]);
  });

  it("keeps a rotating secret's lifetime to its schedule", () => {
    const rotating = { kind: "secret", name: "primary", rotateEveryDays: 90, overlapDays: 14 };

    const { config } = parsed(tenantAValues({ credentials: [rotating] }));

    expect(config.side === "tenantA" && config.credentials).toEqual([rotating]);
  });

  it.each([
    [
      { overlapDays: 5 },
      "credentials[0].overlapDays: got 5; only applies " +
        "with rotateEveryDays; add rotateEveryDays, " +
        "or remove overlapDays.",
    ],
    [
      { rotateEveryDays: 30, validDays: 90 },
      "credentials[0].validDays: got 90; cannot be " +
        "given together with rotateEveryDays: a rotating " +
        "secret's end date follows from rotateEveryDays and overlapDays. Remove it.",
    ],
    [
      { rotateEveryDays: 30, overlapDays: 30 },
      "credentials[0].overlapDays: got 30; must be less " +
        "than rotateEveryDays (30); shorten the overlap.",
    ],
    [
      { rotateEveryDays: 1 },
      "credentials[0].rotateEveryDays: got 1; must be 2 " +
        "to 730 days (how often a new secret is made); " +
        "raise it.",
    ],
    [
      { rotateEveryDays: 700, overlapDays: 100 },
      "credentials[0].rotateEveryDays: got 700; with " +
        "overlapDays 100 gives secrets up to 801 days " +
        "of life; Entra allows 730. Rotate more often.",
    ],
  ])("rejects the rotation %j", (fields, message) => {
    const credentials = [{ kind: "secret", name: "primary", ...fields }];

    expect(problems(tenantAValues({ credentials }))).toEqual([`${ns}:${message}`]);
  });

  it.each(["2027-02-30T00:00:00Z", "2027-01-01T24:00:00Z"])(
    "rejects the impossible date %s",
    (endDate) => {
      const credentials = [{ kind: "secret", name: "primary", endDate }];

      expect(problems(tenantAValues({ credentials }))).toEqual([
        `${ns}:credentials[0].endDate: got "${endDate}"; must be an RFC 3339 date such as ` +
          "2027-06-30T00:00:00Z.",
      ]);
    },
  );

  it("reports a structured key holding plain text once", () => {
    const raw = { ...rawConfig(tenantAValues()), [`${ns}:credentials`]: "primary" };

    const result = parseStackConfig(raw, { now });

    expect(!result.ok && result.issues.map((issue) => issue.message)).toEqual([
      `${ns}:credentials: got "primary"; must be a YAML ` +
        `object or list under the key, not a single string.`,
    ]);
  });

  it("rejects an issuer that is not https", () => {
    const credentials = [
      { ...federated("github-prod"), issuer: "http://token.actions.githubusercontent.com" },
    ];

    expect(problems(tenantAValues({ credentials }))).toEqual([
      `${ns}:credentials[0].issuer: got "http://token.actions.githubusercontent.com"; must be an ` +
        "https:// URL; Entra accepts only https issuers. Use the issuer's https address.",
    ]);
  });

  it("rejects another cloud's token-exchange audience", () => {
    const credentials = [{ ...federated("github-prod"), audience: "api://AzureADTokenExchange" }];

    expect(problems(tenantAValues({ cloud: "china", credentials }))).toEqual([
      `${ns}:credentials[0].audience: got "api://AzureADTokenExchange"; is the public cloud's ` +
        "token-exchange audience; this stack is in the china cloud, where it must be " +
        "api://AzureADTokenExchangeChina. Remove audience to use the default.",
    ]);
  });

  it("rejects an unknown credential kind and unknown fields", () => {
    const credentials = [
      { kind: "password", name: "primary" },
      { kind: "secret", name: "backup", valid_days: 30 },
    ];

    expect(problems(tenantAValues({ credentials }))).toEqual([
      `${ns}:credentials[0].kind: got "password"; must be one ` +
        `of: secret, certificate, managedIdentity, federated.`,
      `${ns}:credentials[1].valid_days: got 30; is not ` +
        `a field here. Remove it, or check its spelling.`,
    ]);
  });

  it("counts a secure certificate the plan cannot read as present", () => {
    const credentials = [{ kind: "certificate", name: "server-cert", certificate: "[secret]" }];

    const result = parse(tenantAValues({ credentials }), (key) => key === `${ns}:credentials`);

    expect(result.ok && result.config.side === "tenantA" && result.config.credentials).toEqual([
      { kind: "certificate", name: "server-cert", certificate: "[secret]", endDate: undefined },
    ]);
  });

  it("rejects an expired certificate and never prints it", async () => {
    const { cert } = await certificatePem(
      new Date("2025-01-01T00:00:00Z"),
      new Date("2026-01-01T00:00:00Z"),
    );

    expect(
      problems(
        tenantAValues({ credentials: [{ kind: "certificate", name: "old", certificate: cert }] }),
      ),
    ).toEqual([
      `${ns}:credentials[0].certificate: got [secret]; ` +
        `expired on 2026-01-01T00:00:00.000Z; issue a ` +
        "new certificate and give its PEM.",
    ]);
  });

  it("never quotes a value stored as a secure key", () => {
    const result = parse(
      tenantAValues({ tenantId: "hunter2-not-a-guid" }),
      (key) => key === `${ns}:tenantId`,
    );

    expect(!result.ok && result.issues[0].message).toMatch(
      new RegExp(`^${ns}:tenantId: got \\[secret\\];`),
    );
    expect(JSON.stringify(result)).not.toContain("hunter2");
  });

  it("reports every problem of a config in one run", () => {
    const messages = problems({
      side: "tenantA",
      cloud: "mars",
      tenantId: "x",
      application: { displayName: "" },
      credentials: [{ kind: "secret", name: "primary", validDays: 0 }, federated("gh")],
    });

    expect(messages.map((message) => message.split(":").slice(0, 2).join(":"))).toEqual([
      `${ns}:cloud`,
      `${ns}:tenantId`,
      `${ns}:application.displayName`,
      `${ns}:credentials[0].validDays`,
      `${ns}:credentials[1].name`,
    ]);
  });
});

describe("tenant B config", () => {
  it("resolves roles, scopes, deterministic names and the subscription", () => {
    const { config, warnings } = parsed(
      tenantBValues({
        assignments: [
          { role: "signalr app server", scope: signalrScope },
          { role: "ddde6b66-c0df-4114-a159-3618637b3035", scope: `/subscriptions/${subscription}` },
        ],
      }),
    );

    expect(
      config.side === "tenantB" &&
        config.assignments.map(({ role, scope, name }) => [role.name, scope.id, name]),
    ).toEqual([
      ["SignalR App Server", signalrScope, expect.stringMatching(/^[0-9a-f-]{36}$/)],
      [
        "SignalR REST API Reader",
        `/subscriptions/${subscription}`,
        expect.stringMatching(/^[0-9a-f-]{36}$/),
      ],
    ]);
    expect(config.side === "tenantB" && config.subscriptionId).toBe(subscription);
    expect(config.side === "tenantB" && config.principal).toEqual({ clientId });
    expect(warnings).toEqual([]);
  });

  it("names assignments from config values, never from list positions", () => {
    const first = { role: "SignalR App Server", scope: signalrScope };
    const second = { role: "SignalR REST API Reader", scope: `/subscriptions/${subscription}` };

    const forward = parsed(tenantBValues({ assignments: [first, second] })).config;
    const backward = parsed(tenantBValues({ assignments: [second, first] })).config;

    const names = (config: typeof forward) =>
      config.side === "tenantB"
        ? Object.fromEntries(config.assignments.map((a) => [a.role.name, a.name]))
        : {};
    expect(names(backward)).toEqual(names(forward));
  });

  it("adopts an existing assignment under its own name", () => {
    const existing = "0f0e0d0c-0b0a-4909-8807-060504030201";
    const assignments = [{ role: "SignalR App Server", scope: signalrScope, name: existing }];

    const { config } = parsed(tenantBValues({ assignments }));

    expect(config.side === "tenantB" && config.assignments.map(({ name }) => name)).toEqual([
      existing,
    ]);
    expect(problems(tenantBValues({ assignments: [{ ...assignments[0], name: "chat" }] }))).toEqual(
      [
        `${ns}:assignments[0].name: got "chat"; must be the name of the existing role assignment ` +
          "to adopt, a GUID such as 00000000-0000-0000-0000-000000000000.",
      ],
    );
  });

  it("takes a cloud's own GUID for a role", () => {
    const guid = "1a2b3c4d-0000-4000-8000-000000000001";
    const assignments = [
      { role: "SignalR App Server", scope: signalrScope, roleDefinitionId: guid },
    ];

    const { config } = parsed(tenantBValues({ cloud: "china", assignments }));

    expect(config.side === "tenantB" && config.assignments[0].roleDefinitionId).toBe(
      `/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
    );
    expect(config.side === "tenantB" && config.assignments[0].role.name).toBe("SignalR App Server");
  });

  it("overrides the token scope and endpoint suffix", () => {
    const { config } = parsed(
      tenantBValues({
        cloud: "china",
        tokenScope: "https://signalr.azure.cn/.default",
        endpointSuffix: "signalr.example.cn",
      }),
    );

    expect(config.cloud.signalrTokenScope).toBe("https://signalr.azure.cn/.default");
    expect(config.cloud.signalrHostSuffix).toBe("signalr.example.cn");
    expect(config.cloud.authorityHost).toBe("https://login.chinacloudapi.cn");
  });

  it(
    "warns about data-plane roles at management-group " +
      "scope and Service Owner above resource group",
    () => {
      const { warnings } = parsed(
        tenantBValues({
          assignments: [
            {
              role: "SignalR REST API Reader",
              scope: "/providers/Microsoft.Management/managementGroups/monitoring",
            },
            { role: "SignalR Service Owner", scope: `/subscriptions/${subscription}` },
          ],
        }),
      );

      expect(warnings).toEqual([
        "SignalR REST API Reader at " +
          "/providers/Microsoft.Management/managementGroups/monitoring: data-plane " +
          "roles at management-group scope can take hours " +
          "to apply; assign at the subscription or below " +
          "when the app server needs access soon.",
        `SignalR Service Owner at /subscriptions/${subscription}: ` +
          `Service Owner grants every SignalR data ` +
          "action on every SignalR resource below this " +
          "scope; prefer SignalR App Server, or a resource " +
          "group or single resource.",
      ]);
    },
  );

  it("suggests the closest role for an unknown one", () => {
    const assignments = [{ role: "SignalR AppServer", scope: signalrScope }];

    expect(problems(tenantBValues({ assignments }))).toEqual([
      `${ns}:assignments[0].role: got "SignalR AppServer"; ` +
        `did you mean "SignalR App Server"? A role ` +
        "must be one of the SignalR data-plane roles, " +
        "by name or GUID: SignalR App Server, SignalR " +
        "Service Owner, SignalR REST API Owner, SignalR REST API Reader.",
    ]);
  });

  it("explains a scope of another resource type", () => {
    const scope = `/subscriptions/${subscription}/resourceGroups/chat/providers/Microsoft.SignalRService/WebPubSub/chat`;

    expect(
      problems(tenantBValues({ assignments: [{ role: "SignalR App Server", scope }] })),
    ).toEqual([
      `${ns}:assignments[0].scope: got "${scope}"; is not a supported scope: ` +
        "Microsoft.SignalRService/WebPubSub is not a " +
        "SignalR resource; assign at the SignalR resource " +
        "or a scope above it.",
    ]);
  });

  it("explains a malformed scope", () => {
    const assignments = [{ role: "SignalR App Server", scope: "/subscriptions/production" }];

    expect(problems(tenantBValues({ assignments }))).toEqual([
      `${ns}:assignments[0].scope: got ` +
        `"/subscriptions/production"; is not a supported scope: the ` +
        "subscription must be given by its id (a GUID), not its name.",
    ]);
  });

  it("rejects the same role at the same scope twice, whatever the spelling", () => {
    const assignments = [
      { role: "SignalR App Server", scope: signalrScope },
      { role: "420fcaa2-552c-430f-98ca-3264be4806c7", scope: signalrScope.toLowerCase() },
    ];

    expect(problems(tenantBValues({ assignments }))).toEqual([
      expect.stringMatching(
        /^signalr-cross-tenant:assignments\[1\]: got .*; assigns the same role at the same scope as assignments\[0\]; remove the repeat\.$/,
      ),
    ]);
  });

  it("requires clientId or applicationStack, not both", () => {
    expect(problems(tenantBValues({ clientId: undefined }))).toEqual([
      `${ns}:clientId: not set; is required: set the ` +
        `application's client id (the tenantA stack's ` +
        "clientId output), or applicationStack to the " +
        "tenantA stack's name (organization/project/stack).",
    ]);
    expect(
      problems(tenantBValues({ applicationStack: "contoso/signalr-cross-tenant/tenantA" })),
    ).toEqual([
      `${ns}:applicationStack: got ` +
        `"contoso/signalr-cross-tenant/tenantA"; cannot be given together ` +
        "with clientId; keep clientId, or applicationStack to read it from the tenantA stack.",
    ]);
  });

  it("reads the principal from a fully qualified application stack", () => {
    const { config } = parsed(
      tenantBValues({
        clientId: undefined,
        applicationStack: "contoso/signalr-cross-tenant/tenantA",
      }),
    );

    expect(config.side === "tenantB" && config.principal).toEqual({
      applicationStack: "contoso/signalr-cross-tenant/tenantA",
    });
    expect(problems(tenantBValues({ clientId: undefined, applicationStack: "tenantA" }))).toEqual([
      `${ns}:applicationStack: got "tenantA"; must be a fully ` +
        `qualified stack name, organization/project/stack.`,
    ]);
  });

  it("refuses an application stack of another cloud", () => {
    const stack = "contoso/signalr-cross-tenant/tenantA";

    expect(referencedStackProblem(stack, "public", "public")).toBeUndefined();
    expect(referencedStackProblem(stack, "china", "public")).toBe(
      `${ns}:applicationStack: ${stack} deploys to the china cloud and this stack to the public ` +
        "cloud; federation and consent do not cross clouds. " +
        "Point applicationStack at a stack of the same cloud.",
    );
  });

  it("requires a subscription when no scope names one", () => {
    const assignments = [
      {
        role: "SignalR REST API Reader",
        scope: "/providers/Microsoft.Management/managementGroups/monitoring",
      },
    ];

    expect(problems(tenantBValues({ assignments }))).toEqual([
      `${ns}:subscriptionId: not set; is required when no assignment scope names a subscription ` +
        "(the azure-native provider needs one). Set any subscription id of tenant B.",
    ]);
    expect(parse(tenantBValues({ assignments, subscriptionId: subscription })).ok).toBe(true);
  });

  it("requires at least one assignment and the tenant", () => {
    expect(problems(tenantBValues({ assignments: [], tenantId: undefined }))).toEqual([
      `${ns}:tenantId: not set; must be the directory (tenant) id this stack deploys into ` +
        "(`az account show --query tenantId`), a GUID " +
        "such as 00000000-0000-0000-0000-000000000000.",
      `${ns}:assignments: got []; must list at least one role assignment.`,
    ]);
  });

  it("formats all problems under one heading", () => {
    const result = parse(tenantBValues({ tenantId: tenantB.slice(1), cloud: "moon" }));

    expect(!result.ok && formatIssues(result.issues).split("\n")).toEqual([
      "Stack config has 2 problems; nothing was created:",
      expect.stringMatching(/^ {2}- signalr-cross-tenant:cloud: got "moon"/),
      expect.stringMatching(/^ {2}- signalr-cross-tenant:tenantId: got "/),
    ]);
  });
});
