import { mermaidDiagram } from "../../lib/mermaid.ts";
import type { StackPlan } from "../../tools/evaluate.ts";
import { subscription as subscriptionId } from "../support/config.ts";

const unknown = "[known after apply]";
const subscription = `/subscriptions/${subscriptionId}`;
const signalr = `${subscription}/resourceGroups/chat/providers/Microsoft.SignalRService/SignalR/chat`;
const managementGroup = "/providers/Microsoft.Management/managementGroups/monitoring";
const appServer =
  "/providers/Microsoft.Authorization/roleDefinitions/420fcaa2-552c-430f-98ca-3264be4806c7";
const reader =
  "/providers/Microsoft.Authorization/roleDefinitions/ddde6b66-c0df-4114-a159-3618637b3035";

function tenantA(displayName: string, clientId: string): StackPlan {
  return {
    stack: "tenantA",
    side: "tenantA",
    cloud: "public",
    tenantId: "11111111-1111-1111-1111-111111111111",
    resources: [
      {
        type: "azuread:index/application:Application",
        name: "application",
        parent: "application",
        inputs: { displayName, signInAudience: "AzureADMultipleOrgs" },
      },
      {
        type: "azuread:index/applicationPassword:ApplicationPassword",
        name: "application-primary",
        parent: "application",
        inputs: { applicationId: unknown, displayName: "primary", endDate: unknown },
      },
      {
        type: "azuread:index/applicationCertificate:ApplicationCertificate",
        name: "application-signing",
        parent: "application",
        inputs: { applicationId: unknown, type: "AsymmetricX509Cert", value: "[secret]" },
      },
      {
        type: "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
        name: "application-github-prod",
        parent: "application",
        inputs: {
          applicationId: unknown,
          displayName: "github-prod",
          issuer: "https://token.actions.githubusercontent.com",
          subject: "repo:contoso/chat:environment:prod",
          audiences: ["api://AzureADTokenExchange"],
        },
      },
    ],
    roleAssignments: [],
    outputs: { clientId },
    warnings: [],
    violations: [],
  };
}

function tenantB(stack: string, clientId: string): StackPlan {
  const assignments = [
    { role: "SignalR App Server", roleDefinitionId: appServer, scope: signalr, name: "a1" },
    { role: "SignalR REST API Reader", roleDefinitionId: reader, scope: signalr, name: "a2" },
    {
      role: "SignalR REST API Reader",
      roleDefinitionId: reader,
      scope: managementGroup,
      name: "a3",
    },
  ];
  return {
    stack,
    side: "tenantB",
    cloud: "public",
    tenantId: "33333333-3333-3333-3333-333333333333",
    resources: [
      {
        type: "azuread:index/servicePrincipal:ServicePrincipal",
        name: "enterprise-application",
        parent: "enterprise-application",
        inputs: { clientId, useExisting: true },
      },
      ...assignments.map((assignment) => ({
        type: "azure-native:authorization:RoleAssignment",
        name: `enterprise-application-${assignment.name}`,
        parent: "enterprise-application",
        inputs: {
          principalId: unknown,
          principalType: "ServicePrincipal",
          roleAssignmentName: assignment.name,
          roleDefinitionId: assignment.roleDefinitionId,
          scope: assignment.scope,
        },
      })),
    ],
    roleAssignments: assignments.map((assignment) => ({
      ...assignment,
      principalType: "ServicePrincipal",
    })),
    outputs: { clientId },
    warnings: [],
    violations: [],
  };
}

const tenantALines = (app: string, clientId: string) => [
  '  subgraph s0["tenantA: tenant A 11111111-1111-1111-1111-111111111111"]',
  `    s0_app["Application ${app}<br/>client id ${clientId}"]`,
  '    s0_cred0(["Client secret primary"]) --> s0_app',
  '    s0_cred1(["Certificate application-signing"]) --> s0_app',
  '    s0_cred2(["Federated credential github-prod<br/>' +
    'subject repo:contoso/chat:environment:prod"]) --> s0_app',
  "  end",
];

const tenantBLines = (clientId: string) => [
  '  subgraph s1["tenantB: tenant B 33333333-3333-3333-3333-333333333333"]',
  `    s1_sp["Enterprise application<br/>client id ${clientId}"]`,
  '    s1_scope0["SignalR chat<br/>resource group chat<br/>' +
    'subscription 55555555-5555-5555-5555-555555555555"]',
  '    s1_sp -->|"SignalR App Server"| s1_scope0',
  '    s1_sp -->|"SignalR REST API Reader"| s1_scope0',
  '    s1_scope1["Management group monitoring"]',
  '    s1_sp -->|"SignalR REST API Reader"| s1_scope1',
  "  end",
];

describe("mermaidDiagram", () => {
  it("links tenant A's application to the enterprise application that references its stack", () => {
    const diagram = mermaidDiagram([
      { plan: tenantA("contoso-chat-server", unknown) },
      { plan: tenantB("tenantB", unknown), applicationStack: "tenantA" },
    ]);

    expect(diagram).toBe(
      [
        "```mermaid",
        "flowchart LR",
        ...tenantALines("contoso-chat-server", "known after apply"),
        ...tenantBLines("known after apply"),
        '  s0_app -.->|"provisioned in tenant B"| s1_sp',
        "```",
        "",
      ].join("\n"),
    );
  });

  it("links them by a client id both plans know", () => {
    const clientId = "44444444-4444-4444-4444-444444444444";

    const diagram = mermaidDiagram([
      { plan: tenantA("contoso-chat-server", clientId) },
      { plan: tenantB("tenantB", clientId.toUpperCase()) },
    ]);

    expect(diagram).toBe(
      [
        "```mermaid",
        "flowchart LR",
        ...tenantALines("contoso-chat-server", clientId),
        ...tenantBLines(clientId.toUpperCase()),
        '  s0_app -.->|"provisioned in tenant B"| s1_sp',
        "```",
        "",
      ].join("\n"),
    );
  });

  it("draws no link when neither a reference nor a known client id ties them", () => {
    const diagram = mermaidDiagram([
      { plan: tenantA("contoso-chat-server", unknown) },
      { plan: tenantB("tenantB", "44444444-4444-4444-4444-444444444444") },
    ]);

    expect(diagram).not.toContain("-.->");
  });

  it("escapes the characters a quoted Mermaid label cannot hold", () => {
    const diagram = mermaidDiagram([{ plan: tenantA('chat "prod" <eu> & co', unknown) }]);

    expect(diagram).toContain(
      '    s0_app["Application chat #quot;prod#quot; #lt;eu#gt; #amp; co<br/>' +
        'client id known after apply"]',
    );
  });
});
