import { execFile, execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatIssues, parseStackConfig } from "../../lib/config.ts";
import { roleAssignmentName } from "../../lib/naming.ts";
import { readStackDir } from "../../lib/stackFiles.ts";
import { planStacks } from "../../tools/evaluate.ts";
import { runPlan } from "../../tools/plan.ts";
import { runRoleDiff } from "../../tools/role-diff.ts";

const root = process.cwd();
const fixtures = join(root, "test", "fixtures", "plan");
const node = process.execPath;

const tenantA = "11111111-1111-1111-1111-111111111111";
const tenantB = "33333333-3333-3333-3333-333333333333";
const clientId = "44444444-4444-4444-4444-444444444444";
const signalrScope =
  "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/chat" +
  "/providers/Microsoft.SignalRService/SignalR/chat-weu";
const monitoringScope = "/providers/Microsoft.Management/managementGroups/monitoring";
const appServerId = "420fcaa2-552c-430f-98ca-3264be4806c7";
const readerId = "ddde6b66-c0df-4114-a159-3618637b3035";
const definition = (id: string) => `/providers/Microsoft.Authorization/roleDefinitions/${id}`;
const appServerName = roleAssignmentName({
  tenantId: tenantB,
  principal: clientId,
  roleId: appServerId,
  scope: signalrScope,
});
const readerName = roleAssignmentName({
  tenantId: tenantB,
  principal: clientId,
  roleId: readerId,
  scope: monitoringScope,
});
const consentUrl = `https://login.microsoftonline.com/${tenantB}/adminconsent?client_id=${clientId}`;
const monitoringWarning =
  `SignalR REST API Reader at ${monitoringScope}: data-plane roles at management-group scope can ` +
  "take hours to apply; assign at the subscription or below when the app server needs access soon.";
const monitoringViolation = {
  rule: "management-group-data-plane",
  level: "advisory",
  resource: `enterprise-application-signalr-rest-api-reader-${readerName.slice(0, 8)}`,
  type: "azure-native:authorization:RoleAssignment",
  message:
    `assigns SignalR REST API Reader at management group scope ${monitoringScope}: data-plane ` +
    "roles at management-group scope can take hours to apply.",
  fix:
    "Assign at the subscription or below when the app server needs access soon; keep this scope " +
    "only if hours of delay are acceptable.",
};

/** The RoleAssignmentExists recovery the plan prints for one assignment of the example tenantB. */
function recovery(role: string, roleId: string, scope: string, slug: string, name: string) {
  const stackUrn = "urn:pulumi:tenantB::signalr-cross-tenant::";
  return [
    `  ${role} at ${scope}:`,
    `    az role assignment list --assignee ${clientId} --role ${roleId} --scope ${scope} ` +
      "--query '[].name' --output tsv",
    `    pulumi import azure-native:authorization:RoleAssignment enterprise-application-${slug}-` +
      `${name.slice(0, 8)} '${scope}/providers/Microsoft.Authorization/roleAssignments/` +
      "<existing-assignment-name>' --parent enterprise-application=" +
      `${stackUrn}signalr-cross-tenant:tenantB:SignalRAccess::enterprise-application ` +
      `--provider tenant-b-arm=${stackUrn}pulumi:providers:azure-native::tenant-b-arm ` +
      `--protect=false`,
  ];
}

async function run(
  tool: typeof runPlan,
  argv: string[],
  cwd = root,
): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const status = await tool(argv, {
    cwd,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { status, stdout, stderr };
}

const temporaryDirectories: string[] = [];

function temporaryDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), "plan-test-"));
  temporaryDirectories.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of temporaryDirectories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("npm run plan on the example stacks", () => {
  it("prints each stack's resources, role assignments, outputs and warnings", async () => {
    const result = await run(runPlan, []);

    const tenantAText = [
      `Stack tenantA: tenant A ${tenantA}, public cloud`,
      "",
      "Resources to create (7):",
      "  + pulumi:providers:azuread tenant-a",
      "      environment: public",
      `      tenantId: ${tenantA}`,
      "      useMsi: false",
      "  + signalr-cross-tenant:tenantA:CrossTenantApplication application",
      "  + azuread:index/application:Application application (parent: application)",
      "      displayName: contoso-chat-server",
      "      signInAudience: AzureADMultipleOrgs",
      "  + time:index/offset:Offset application-primary-end (parent: application)",
      "      offsetDays: 180",
      '      triggers: {"validDays":"180"}',
      "  + azuread:index/applicationPassword:ApplicationPassword application-primary " +
        "(parent: application)",
      "      applicationId: known after apply",
      "      displayName: primary",
      "      endDate: known after apply",
      "  + azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential " +
        "application-chat-server-identity (parent: application)",
      "      applicationId: known after apply",
      '      audiences: ["api://AzureADTokenExchange"]',
      "      description: User-assigned managed identity 22222222-2222-2222-2222-222222222222 " +
        "of the home tenant",
      "      displayName: chat-server-identity",
      `      issuer: https://login.microsoftonline.com/${tenantA}/v2.0`,
      "      subject: 22222222-2222-2222-2222-222222222222",
      "  + azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential " +
        "application-github-prod (parent: application)",
      "      applicationId: known after apply",
      '      audiences: ["api://AzureADTokenExchange"]',
      "      displayName: github-prod",
      "      issuer: https://token.actions.githubusercontent.com",
      "      subject: repo:contoso/chat:environment:prod",
      "",
      "Role assignments: none.",
      "",
      "Outputs:",
      "  clientId: known after apply",
      "  applicationObjectId: known after apply",
      `  tenantId: ${tenantA}`,
      "  cloud: public",
      "  credentials: known after apply",
      "  clientSecrets: [secret]",
      "",
      "Warnings: none.",
      "",
      "Guardrails: none violated.",
      "",
    ];
    const roleTable = [
      ["PRINCIPAL (CLIENT ID)", "ROLE", "SCOPE", "ASSIGNMENT NAME"],
      [clientId, "SignalR App Server", signalrScope, appServerName],
      [clientId, "SignalR REST API Reader", monitoringScope, readerName],
    ].map(([principal, role, scope, name]) =>
      ["", principal.padEnd(36), role.padEnd(23), scope.padEnd(signalrScope.length), name].join(
        "  ",
      ),
    );
    const tenantBText = [
      `Stack tenantB: tenant B ${tenantB}, public cloud`,
      "",
      "Resources to create (6):",
      "  + pulumi:providers:azuread tenant-b",
      "      environment: public",
      `      tenantId: ${tenantB}`,
      "      useMsi: false",
      "  + pulumi:providers:azure-native tenant-b-arm",
      "      environment: public",
      "      subscriptionId: 55555555-5555-5555-5555-555555555555",
      `      tenantId: ${tenantB}`,
      "  + signalr-cross-tenant:tenantB:SignalRAccess enterprise-application",
      "  + azuread:index/servicePrincipal:ServicePrincipal enterprise-application " +
        "(parent: enterprise-application)",
      `      clientId: ${clientId}`,
      "      useExisting: true",
      "  + azure-native:authorization:RoleAssignment " +
        `enterprise-application-signalr-app-server-${appServerName.slice(0, 8)} ` +
        "(parent: enterprise-application)",
      "      principalId: known after apply",
      "      principalType: ServicePrincipal",
      `      roleAssignmentName: ${appServerName}`,
      `      roleDefinitionId: ${definition(appServerId)}`,
      `      scope: ${signalrScope}`,
      "  + azure-native:authorization:RoleAssignment " +
        `enterprise-application-signalr-rest-api-reader-${readerName.slice(0, 8)} ` +
        "(parent: enterprise-application)",
      "      principalId: known after apply",
      "      principalType: ServicePrincipal",
      `      roleAssignmentName: ${readerName}`,
      `      roleDefinitionId: ${definition(readerId)}`,
      `      scope: ${monitoringScope}`,
      "",
      "Role assignments (2):",
      ...roleTable,
      "",
      "Outputs:",
      `  clientId: ${clientId}`,
      `  tenantId: ${tenantB}`,
      "  cloud: public",
      "  servicePrincipalObjectId: known after apply",
      "  roleAssignments:",
      "    - role: SignalR App Server",
      `      roleDefinitionId: ${definition(appServerId)}`,
      `      scope: ${signalrScope}`,
      `      name: ${appServerName}`,
      "    - role: SignalR REST API Reader",
      `      roleDefinitionId: ${definition(readerId)}`,
      `      scope: ${monitoringScope}`,
      `      name: ${readerName}`,
      "  tokenScope: https://signalr.azure.com/.default",
      "  expectedClaims: known after apply",
      "  endpoints:",
      "    - name: chat-weu",
      "      url: https://chat-weu.service.signalr.net",
      `  adminConsentUrl: ${consentUrl}`,
      "",
      "Warnings (1):",
      `  - ${monitoringWarning}`,
      "",
      "Guardrails (1):",
      `  - [advisory] management-group-data-plane on ${monitoringViolation.resource}: ` +
        monitoringViolation.message,
      `    Fix: ${monitoringViolation.fix}`,
      "",
      "If `pulumi up` answers RoleAssignmentExists (the " +
        "role is already assigned under another name),",
      "print that name with the first command, put it " +
        "in the second, run it, and set it as `name` on",
      "the assignment's entry in signalr-cross-tenant:assignments:",
      ...recovery(
        "SignalR App Server",
        appServerId,
        signalrScope,
        "signalr-app-server",
        appServerName,
      ),
      ...recovery(
        "SignalR REST API Reader",
        readerId,
        monitoringScope,
        "signalr-rest-api-reader",
        readerName,
      ),
      "",
    ];

    expect(result).toEqual({
      status: 0,
      stdout: [...tenantAText, ...tenantBText].join("\n"),
      stderr: "Planned tenantA, tenantB offline; nothing was created.\n",
    });
  });

  it("prints one stack as JSON in the documented shape", async () => {
    const result = await run(runPlan, ["--stack", "tenantB", "--json"]);

    expect(result.status).toBe(0);
    const roleAssignment = (name: string, id: string, scope: string, role: string) => ({
      type: "azure-native:authorization:RoleAssignment",
      name: `enterprise-application-${role}-${name.slice(0, 8)}`,
      parent: "enterprise-application",
      inputs: {
        principalId: "[known after apply]",
        principalType: "ServicePrincipal",
        roleAssignmentName: name,
        roleDefinitionId: definition(id),
        scope,
      },
    });
    const assignments = [
      {
        role: "SignalR App Server",
        roleDefinitionId: definition(appServerId),
        scope: signalrScope,
        name: appServerName,
      },
      {
        role: "SignalR REST API Reader",
        roleDefinitionId: definition(readerId),
        scope: monitoringScope,
        name: readerName,
      },
    ];
    expect(JSON.parse(result.stdout)).toEqual({
      stack: "tenantB",
      side: "tenantB",
      cloud: "public",
      tenantId: tenantB,
      resources: [
        {
          type: "pulumi:providers:azuread",
          name: "tenant-b",
          parent: null,
          inputs: { environment: "public", tenantId: tenantB, useMsi: "false" },
        },
        {
          type: "pulumi:providers:azure-native",
          name: "tenant-b-arm",
          parent: null,
          inputs: {
            environment: "public",
            subscriptionId: "55555555-5555-5555-5555-555555555555",
            tenantId: tenantB,
          },
        },
        {
          type: "signalr-cross-tenant:tenantB:SignalRAccess",
          name: "enterprise-application",
          parent: null,
          inputs: {},
        },
        {
          type: "azuread:index/servicePrincipal:ServicePrincipal",
          name: "enterprise-application",
          parent: "enterprise-application",
          inputs: { clientId, useExisting: true },
        },
        roleAssignment(appServerName, appServerId, signalrScope, "signalr-app-server"),
        roleAssignment(readerName, readerId, monitoringScope, "signalr-rest-api-reader"),
      ],
      roleAssignments: assignments.map((assignment) => ({
        ...assignment,
        principalType: "ServicePrincipal",
      })),
      outputs: {
        clientId,
        tenantId: tenantB,
        cloud: "public",
        servicePrincipalObjectId: "[known after apply]",
        roleAssignments: assignments,
        tokenScope: "https://signalr.azure.com/.default",
        expectedClaims: "[known after apply]",
        endpoints: [{ name: "chat-weu", url: "https://chat-weu.service.signalr.net" }],
        adminConsentUrl: consentUrl,
      },
      warnings: [monitoringWarning],
      violations: [monitoringViolation],
    });
  });

  it("prints every stack as a JSON array with the same keys in each", async () => {
    const result = await run(runPlan, ["--json"]);

    const plans = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(plans.map((plan) => [plan.stack, Object.keys(plan)])).toEqual(
      ["tenantA", "tenantB"].map((stack) => [
        stack,
        [
          "stack",
          "side",
          "cloud",
          "tenantId",
          "resources",
          "roleAssignments",
          "outputs",
          "warnings",
          "violations",
        ],
      ]),
    );
    const resources = plans.flatMap((plan) => plan.resources as Record<string, unknown>[]);
    expect(new Set(resources.map((resource) => Object.keys(resource).join(",")))).toEqual(
      new Set(["type,name,parent,inputs"]),
    );
  });

  it("draws the setup as a Mermaid diagram", async () => {
    const result = await run(runPlan, ["--format", "mermaid"]);

    expect(result.stdout).toBe(
      [
        "```mermaid",
        "flowchart LR",
        `  subgraph s0["tenantA: tenant A ${tenantA}"]`,
        '    s0_app["Application contoso-chat-server<br/>client id known after apply"]',
        '    s0_cred0(["Client secret primary"]) --> s0_app',
        '    s0_cred1(["Federated credential chat-server-identity<br/>' +
          'subject 22222222-2222-2222-2222-222222222222"]) --> s0_app',
        '    s0_cred2(["Federated credential github-prod<br/>' +
          'subject repo:contoso/chat:environment:prod"]) --> s0_app',
        "  end",
        `  subgraph s1["tenantB: tenant B ${tenantB}"]`,
        `    s1_sp["Enterprise application<br/>client id ${clientId}"]`,
        '    s1_scope0["SignalR chat-weu<br/>resource group chat<br/>' +
          'subscription 55555555-5555-5555-5555-555555555555"]',
        '    s1_sp -->|"SignalR App Server"| s1_scope0',
        '    s1_scope1["Management group monitoring"]',
        '    s1_sp -->|"SignalR REST API Reader"| s1_scope1',
        "  end",
        "```",
        "",
      ].join("\n"),
    );
  });

  it("runs as a command, with the exit status on the process", async () => {
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) =>
      execFile(
        node,
        ["tools/plan.ts", "--stack", "tenantA", "--json"],
        { cwd: root },
        (error, out) => (error ? reject(error) : resolve({ stdout: out })),
      ),
    );

    expect(JSON.parse(stdout)).toEqual(
      JSON.parse((await run(runPlan, ["--stack", "tenantA", "--json"])).stdout),
    );
  });
});

describe("npm run plan on invalid input", () => {
  it("exits 2 with every problem of every stack on stderr and nothing on stdout", async () => {
    // A stack file that is not YAML at all, beside the fixtures (which the formatter checks).
    const dir = temporaryDirectory();
    cpSync(join(fixtures, "invalid"), dir, { recursive: true });
    writeFileSync(
      join(dir, "Pulumi.broken.yaml"),
      "config:\n  signalr-cross-tenant:side: tenantB\n  signalr-cross-tenant:assignments: [\n",
    );
    const { files } = readStackDir(dir);
    const issues = (stack: string) => {
      const file = files.find((candidate) => candidate.stack === stack)!;
      const result = parseStackConfig(file.config, {
        isSecret: (key) => file.secretKeys.includes(key),
        now: new Date(),
      });
      if (result.ok) throw new Error(`the fixture ${stack} should be invalid`);
      return formatIssues(result.issues);
    };

    const result = await run(runPlan, [], dir);

    expect(result).toEqual({
      status: 2,
      stdout: "",
      stderr: [
        "Stack broken (Pulumi.broken.yaml):",
        "Pulumi.broken.yaml (line 4): not valid YAML: Flow sequence in block collection must be " +
          "sufficiently indented and end with a ].",
        "",
        "Stack tenantA (Pulumi.tenantA.yaml):",
        issues("tenantA"),
        "",
        "Stack tenantB (Pulumi.tenantB.yaml):",
        issues("tenantB"),
        "  Note: signalr-cross-tenant:clientId holds secure: values, which the plan cannot " +
          "decrypt. It plans [secret] in their place: the key counts as set, but a check of the " +
          "value's format fails. Only a certificate's PEM may be secure here; store the " +
          "other keys in plain text.",
        "",
      ].join("\n"),
    });
    expect(issues("tenantB")).toContain("signalr-cross-tenant:clientId: got [secret];");
    expect(result.stderr).not.toContain("Y2lwaGVydGV4dC1vZi10aGUtY2xpZW50LWlk");
  });

  it("exits 2 from the command line too, printing nothing on stdout", async () => {
    const outcome = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(node, [join(root, "tools/plan.ts"), "--stack", "tenantA"], {
        cwd: join(fixtures, "invalid"),
      });
      let stdout = "";
      child.stdout!.on("data", (chunk) => (stdout += chunk));
      child.on("close", (code) => resolve({ code, stdout }));
    });

    expect(outcome).toEqual({ code: 2, stdout: "" });
  });

  it.each([
    [["--format", "svg"], "plan: --format svg: unknown format; use one of text, json, mermaid."],
    [
      ["--json", "--format", "mermaid"],
      "plan: --json and --format mermaid ask for two formats; give one of them.",
    ],
    [["--stack", ""], "plan: --stack needs a stack name, such as tenantA."],
  ])("rejects %j", async (argv, message) => {
    const result = await run(runPlan, argv);

    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n")[0]).toBe(message);
  });

  it("names the stacks there are when --stack names none of them", async () => {
    const result = await run(runPlan, ["--stack", "tenantC"]);

    expect(result).toEqual({
      status: 2,
      stdout: "",
      stderr:
        `plan: --stack tenantC: there is no Pulumi.tenantC.yaml in ${root}. ` +
        "Stacks here: tenantA, tenantB.\n",
    });
  });

  it("says where it looked when there are no stack files", async () => {
    const dir = temporaryDirectory();
    const result = await run(runPlan, [], dir);

    expect(result).toEqual({
      status: 2,
      stdout: "",
      stderr:
        `plan: no stack files (Pulumi.<stack>.yaml) in ${dir}. Run the plan in the project's ` +
        "root, next to Pulumi.yaml.\n",
    });
  });
});

describe("npm run plan with guardrail violations", () => {
  it("prints the plan, then exits 4 for a mandatory violation", async () => {
    const dir = temporaryDirectory();
    cpSync(join(root, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    cpSync(
      join(root, "test", "fixtures", "guardrails", "Pulumi.overprivileged.yaml"),
      join(dir, "Pulumi.overprivileged.yaml"),
    );

    const result = await run(runPlan, [], dir);

    expect(result.status).toBe(4);
    const guardrails = result.stdout.split("\n");
    const recoveryStart = guardrails.findIndex((line) => line.startsWith("If `pulumi up` answers"));
    expect(guardrails.slice(guardrails.indexOf("Guardrails (2):"), recoveryStart)).toEqual([
      "Guardrails (2):",
      expect.stringMatching(
        /^ {2}- \[mandatory\] broad-owner-scope on enterprise-application-signalr-service-owner-[0-9a-f]{8}: assigns SignalR Service Owner at subscription scope \/subscriptions\/55555555-5555-5555-5555-555555555555: /,
      ),
      "    Fix: Assign SignalR App Server if the app server only connects, or assign at a " +
        "resource group or a single SignalR resource; if this scope is intended, add it to " +
        "allowBroadOwnerScopes.",
      expect.stringMatching(
        /^ {2}- \[advisory\] management-group-data-plane on enterprise-application-signalr-app-server-[0-9a-f]{8}: /,
      ),
      expect.stringMatching(/^ {4}Fix: Assign at the subscription or below/),
      "",
    ]);
    expect(result.stderr).toBe(
      "Planned overprivileged offline; nothing was created.\n" +
        "plan: 1 mandatory guardrail violation (broad-owner-scope); see Guardrails in the plan. " +
        "`pulumi up --policy-pack policy` would stop there too.\n",
    );
  });
});

describe("npm run plan with a guardrail policy config", () => {
  function overprivileged(config: unknown): string {
    const dir = temporaryDirectory();
    cpSync(join(root, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    cpSync(
      join(root, "test", "fixtures", "guardrails", "Pulumi.overprivileged.yaml"),
      join(dir, "Pulumi.overprivileged.yaml"),
    );
    writeFileSync(join(dir, "guardrails.json"), JSON.stringify(config));
    return dir;
  }

  it("takes levels and options as the policy pack does", async () => {
    const subscriptionScope = "/subscriptions/55555555-5555-5555-5555-555555555555";
    const dir = overprivileged({
      "broad-owner-scope": { allowBroadOwnerScopes: [subscriptionScope] },
      "management-group-data-plane": "disabled",
    });

    const result = await run(runPlan, ["--policy-config", "guardrails.json"], dir);

    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Guardrails: none violated.");
  });

  it("exits 2 on a config the pack would refuse, before planning", async () => {
    const dir = overprivileged({ "broad-owner-scopes": "advisory" });

    const result = await run(runPlan, ["--policy-config", "guardrails.json"], dir);

    expect(result).toEqual({
      status: 2,
      stdout: "",
      stderr: expect.stringMatching(
        /^plan: --policy-config guardrails\.json: Guardrail policy config has 1 problem:\n {2}- "broad-owner-scopes": not a rule of this pack\./,
      ),
    });
  });
});

describe("npm run plan with secure values", () => {
  it("plans them as [secret] and never prints their ciphertext", async () => {
    const dir = join(fixtures, "secure");

    const text = await run(runPlan, [], dir);
    const json = await run(runPlan, ["--json"], dir);

    expect(text.status).toBe(0);
    const printed = [text.stdout, text.stderr, json.stdout, json.stderr].join("\n");
    for (const ciphertext of [
      "Y2lwaGVydGV4dC1vZi10aGUtZGlzcGxheS1uYW1l",
      "Y2lwaGVydGV4dC1vZi10aGUtc3ViamVjdA==",
    ]) {
      expect(printed).not.toContain(ciphertext);
    }
    const [plan] = JSON.parse(json.stdout);
    const inputs = (name: string) =>
      plan.resources.find(
        (resource: { name: string; type: string }) =>
          resource.name === name &&
          resource.type !== "signalr-cross-tenant:tenantA:CrossTenantApplication",
      ).inputs;
    expect(inputs("application")).toEqual({
      displayName: "[secret]",
      signInAudience: "AzureADMultipleOrgs",
    });
    expect(inputs("application-github-prod").subject).toBe("[secret]");
    expect(text.stdout).toContain("      displayName: [secret]\n");
  });
});

describe("npm run plan with applicationStack", () => {
  it("takes the client id from the referenced stack's plan when its file is here", async () => {
    const files = readStackDir(join(fixtures, "linked")).files;

    const outcomes = await planStacks(files);

    expect(
      outcomes.map((outcome) =>
        outcome.ok ? [outcome.plan.stack, outcome.applicationStack ?? null] : outcome.problems,
      ),
    ).toEqual([
      ["partner", null],
      ["tenantA", null],
      ["tenantB", "tenantA"],
    ]);
    const servicePrincipals = outcomes.flatMap((outcome) =>
      outcome.ok
        ? outcome.plan.resources
            .filter(
              (resource) => resource.type === "azuread:index/servicePrincipal:ServicePrincipal",
            )
            .map((resource) => [outcome.plan.stack, resource.inputs.clientId])
        : [],
    );
    expect(servicePrincipals).toEqual([
      ["partner", "[known after apply]"],
      ["tenantB", "[known after apply]"],
    ]);
  });

  it("links the referenced application in the diagram", async () => {
    const result = await run(runPlan, ["--format", "mermaid"], join(fixtures, "linked"));

    expect(result.stdout.split("\n").filter((line) => line.includes("-.->"))).toEqual([
      '  s1_app -.->|"provisioned in tenant B"| s2_sp',
    ]);
  });

  it("plans a stack that references itself as one whose stack is elsewhere", async () => {
    const [file] = readStackDir(join(fixtures, "linked")).files.filter(
      (f) => f.stack === "tenantB",
    );
    const loop = {
      ...file,
      config: {
        ...file.config,
        "signalr-cross-tenant:applicationStack": "contoso/signalr-cross-tenant/tenantB",
      },
    };

    const [outcome] = await planStacks([loop]);

    expect(outcome.ok && outcome.applicationStack).toBe(undefined);
  });
});

describe("npm run role-diff", () => {
  const git = (args: string[], cwd: string) =>
    execFileSync(
      "git",
      ["-c", "user.name=Plan Test", "-c", "user.email=plan@example.com", ...args],
      { cwd, stdio: "pipe" },
    );

  /** A repository holding the example stacks in one commit, and the same files in its work tree. */
  function exampleRepository(): string {
    const dir = temporaryDirectory();
    for (const name of ["Pulumi.yaml", "Pulumi.tenantA.yaml", "Pulumi.tenantB.yaml"]) {
      cpSync(join(root, name), join(dir, name));
    }
    git(["init", "--quiet", "--initial-branch=main"], dir);
    git(["add", "."], dir);
    git(["commit", "--quiet", "--message", "Example stacks"], dir);
    return dir;
  }

  function widenTenantB(dir: string) {
    const path = join(dir, "Pulumi.tenantB.yaml");
    const text = readFileSync(path, "utf8");
    writeFileSync(path, text.replace("/providers/Microsoft.SignalRService/SignalR/chat-weu", ""));
  }

  const widened =
    "| ⚠️ **broader scope** | scope widened | `44444444-4444-4444-4444-444444444444` | " +
    `SignalR App Server | \`${signalrScope}\` → ` +
    "`/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/chat` |";
  const widenedReport = [
    "### Role assignment changes",
    "",
    "⚠️ **1 escalation** (marked below): review each before approving.",
    "",
    "#### tenantB",
    "",
    "| Escalation | Change | Principal (client id) | Role | Scope |",
    "| --- | --- | --- | --- | --- |",
    widened,
    "",
  ].join("\n");

  it("compares the stack files at a git ref with the work tree", async () => {
    const dir = exampleRepository();
    widenTenantB(dir);

    const result = await run(runRoleDiff, ["--base", "main"], dir);
    const failing = await run(runRoleDiff, ["--base", "main", "--fail-on-escalation"], dir);

    expect(result).toEqual({ status: 0, stdout: widenedReport, stderr: "" });
    expect(failing).toEqual({ status: 1, stdout: widenedReport, stderr: "" });
    expect(git(["status", "--porcelain"], dir).toString()).toBe(" M Pulumi.tenantB.yaml\n");
  });

  it("reports a stack file added since the ref as a new stack", async () => {
    const dir = exampleRepository();
    cpSync(join(fixtures, "linked", "Pulumi.partner.yaml"), join(dir, "Pulumi.partner.yaml"));

    const result = await run(runRoleDiff, ["--base", "HEAD"], dir);

    expect(result.stdout).toBe(
      [
        "### Role assignment changes",
        "",
        "⚠️ **1 escalation** (marked below): review each before approving.",
        "",
        "#### partner (new stack)",
        "",
        "| Escalation | Change | Principal (client id) | Role | Scope |",
        "| --- | --- | --- | --- | --- |",
        "| ⚠️ **new access** | added | known after apply | SignalR REST API Reader | " +
          "`/subscriptions/77777777-7777-7777-7777-777777777777` |",
        "",
      ].join("\n"),
    );
  });

  it("says so in one line when nothing changed, and names a ref git does not know", async () => {
    const dir = exampleRepository();
    const same = await run(runRoleDiff, ["--base", "main"], dir);
    const unknown = await run(runRoleDiff, ["--base", "no-such-branch"], dir);

    expect(same).toEqual({
      status: 0,
      stdout: "No role assignment changes in 2 stacks (tenantA, tenantB).\n",
      stderr: "",
    });
    expect(unknown).toEqual({
      status: 2,
      stdout: "",
      stderr:
        "role-diff: --base no-such-branch: git knows no commit of that name in " +
        `${dir} (or it is ` +
        "no git repository). Fetch it first (in GitHub Actions, actions/checkout with " +
        "fetch-depth: 0), or name a commit that exists.\n",
    });
  });

  it("compares two plan --json files", async () => {
    const dir = exampleRepository();
    writeFileSync(join(dir, "base.json"), (await run(runPlan, ["--json"], dir)).stdout);
    widenTenantB(dir);
    writeFileSync(join(dir, "head.json"), (await run(runPlan, ["--json"], dir)).stdout);

    const result = await run(runRoleDiff, ["base.json", "head.json"], dir);

    expect(result).toEqual({ status: 0, stdout: widenedReport, stderr: "" });
  });

  it("adds the head's guardrail violations with --guardrails", async () => {
    const dir = exampleRepository();
    writeFileSync(join(dir, "base.json"), (await run(runPlan, ["--json"], dir)).stdout);

    const result = await run(runRoleDiff, ["base.json", "base.json", "--guardrails"], dir);

    expect(result.stdout.split("\n").slice(1)).toEqual([
      "",
      "### Guardrail violations",
      "",
      `- **advisory** \`management-group-data-plane\` in tenantB on ` +
        `\`${monitoringViolation.resource}\`: ${monitoringViolation.message} ` +
        `Fix: ${monitoringViolation.fix}`,
      "",
    ]);
    expect(result.stdout.split("\n")[0]).toBe(
      "No role assignment changes in 2 stacks (tenantA, tenantB).",
    );
  });

  it("exits 2 naming the file that is not a plan", async () => {
    const dir = temporaryDirectory();
    writeFileSync(join(dir, "base.json"), JSON.stringify([{ stack: "tenantB", side: "tenantC" }]));
    writeFileSync(join(dir, "head.json"), "[]");

    const result = await run(runRoleDiff, ["base.json", "head.json"], dir);
    const missing = await run(runRoleDiff, ["base.json"], dir);

    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n").slice(0, 3)).toEqual([
      "role-diff: base.json: not a `npm run plan -- --json` result:",
      '  - [0].side: Invalid option: expected one of "tenantA"|"tenantB"',
      "  - [0].cloud: Invalid input: expected string, received undefined",
    ]);
    expect(missing.status).toBe(2);
    expect(missing.stderr.split("\n")[0]).toBe(
      "role-diff: expected two plan files, BASE.json and HEAD.json, and got 1 (base.json); " +
        "or use --base REF.",
    );
  });
});
