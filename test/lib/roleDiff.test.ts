import {
  diffRoles,
  formatRoleDiff,
  grantsOf,
  hasEscalation,
  scopeRelation,
} from "../../lib/roleDiff.ts";
import { findRole, roleDefinitionId } from "../../lib/roles.ts";
import type { StackPlan } from "../../tools/evaluate.ts";
import { clientId, subscription as subscriptionId } from "../support/config.ts";

const otherClientId = "88888888-8888-8888-8888-888888888888";
const subscription = `/subscriptions/${subscriptionId}`;
const group = `${subscription}/resourceGroups/chat`;
const otherGroup = `${subscription}/resourceGroups/billing`;
const signalr = `${group}/providers/Microsoft.SignalRService/SignalR/chat-weu`;
const managementGroup = "/providers/Microsoft.Management/managementGroups/monitoring";

/** A tenant-B plan as `plan --json` writes it, with the resources the principal is read from. */
function tenantB(stack: string, assignments: [string, string][], principal = clientId): StackPlan {
  const roleAssignments = assignments.map(([role, scope], index) => ({
    role,
    roleDefinitionId: roleDefinitionId(findRole(role)!),
    scope,
    principalType: "ServicePrincipal",
    name: `0000000${index}-0000-5000-8000-000000000000`,
  }));
  return {
    stack,
    side: "tenantB",
    cloud: "public",
    tenantId: "33333333-3333-3333-3333-333333333333",
    resources: [
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
        inputs: { clientId: principal, useExisting: true },
      },
      ...roleAssignments.map((assignment) => ({
        type: "azure-native:authorization:RoleAssignment",
        name: `enterprise-application-${assignment.name.slice(0, 8)}`,
        parent: "enterprise-application",
        inputs: {
          principalId: "[known after apply]",
          principalType: "ServicePrincipal",
          roleAssignmentName: assignment.name,
          roleDefinitionId: assignment.roleDefinitionId,
          scope: assignment.scope,
        },
      })),
    ],
    roleAssignments,
    outputs: {},
    warnings: [],
    violations: [],
  };
}

const tenantA: StackPlan = {
  stack: "tenantA",
  side: "tenantA",
  cloud: "public",
  tenantId: "11111111-1111-1111-1111-111111111111",
  resources: [],
  roleAssignments: [],
  outputs: {},
  warnings: [],
  violations: [],
};

const header = [
  "| Escalation | Change | Principal (client id) | Role | Scope |",
  "| --- | --- | --- | --- | --- |",
];
const principal = `\`${clientId}\``;

function report(summary: string, ...sections: string[][]): string {
  return [
    "### Role assignment changes",
    "",
    summary,
    "",
    sections.map((lines) => lines.join("\n")).join("\n\n"),
    "",
  ].join("\n");
}

const noEscalation = "No escalations: no stronger role, broader scope or new access.";
const escalations = (count: number) =>
  `⚠️ **${count === 1 ? "1 escalation" : `${count} escalations`}** (marked below): ` +
  "review each before approving.";

describe("grantsOf", () => {
  it("pairs each assignment with the client id of the enterprise application beside it", () => {
    expect(grantsOf(tenantB("tenantB", [["SignalR App Server", signalr]]))).toEqual([
      {
        principal: clientId,
        role: "SignalR App Server",
        roleDefinitionId:
          "/providers/Microsoft.Authorization/roleDefinitions/420fcaa2-552c-430f-98ca-3264be4806c7",
        scope: signalr,
      },
    ]);
  });
});

describe("scopeRelation", () => {
  it.each([
    [group, group.toUpperCase().replace("/SUBSCRIPTIONS", "/subscriptions"), "same"],
    [group, subscription, "broader"],
    [signalr, group, "broader"],
    [subscription, signalr, "narrower"],
    [group, otherGroup, "other"],
    [`${otherGroup}/providers/Microsoft.SignalRService/SignalR/pay`, group, "broader"],
    [
      subscription,
      `/subscriptions/66666666-6666-6666-6666-666666666666/resourceGroups/chat`,
      "other",
    ],
    [signalr, "/subscriptions/66666666-6666-6666-6666-666666666666", "broader"],
    [subscription, managementGroup, "broader"],
    [managementGroup, subscription, "narrower"],
    [managementGroup, "/providers/Microsoft.Management/managementGroups/other", "other"],
  ])("%s to %s is %s", (before, after, relation) => {
    expect(scopeRelation(before, after)).toBe(relation);
  });
});

describe("formatRoleDiff", () => {
  it("says in one line that no role assignment changed", () => {
    const plans = [tenantA, tenantB("tenantB", [["SignalR App Server", signalr]])];

    const diff = diffRoles(plans, plans);

    expect(formatRoleDiff(diff)).toBe(
      "No role assignment changes in 2 stacks (tenantA, tenantB).\n",
    );
    expect(hasEscalation(diff)).toBe(false);
  });

  it("treats a scope that differs only in case as the same one", () => {
    const base = [tenantB("tenantB", [["SignalR App Server", group]])];
    const head = [tenantB("tenantB", [["SignalR App Server", group.replace("chat", "CHAT")]])];

    expect(formatRoleDiff(diffRoles(base, head))).toBe(
      "No role assignment changes in 1 stack (tenantB).\n",
    );
  });

  it("marks an added assignment as new access", () => {
    const base = [tenantB("tenantB", [["SignalR App Server", signalr]])];
    const head = [
      tenantB("tenantB", [
        ["SignalR App Server", signalr],
        ["SignalR REST API Reader", managementGroup],
      ]),
    ];

    const diff = diffRoles(base, head);

    expect(formatRoleDiff(diff)).toBe(
      report(escalations(1), [
        "#### tenantB",
        "",
        ...header,
        `| ⚠️ **new access** | added | ${principal} | SignalR REST API Reader | ` +
          `\`${managementGroup}\` |`,
      ]),
    );
    expect(hasEscalation(diff)).toBe(true);
  });

  it("does not mark an addition that an assignment the base keeps already covers", () => {
    const base = [tenantB("tenantB", [["SignalR Service Owner", subscription]])];
    const head = [
      tenantB("tenantB", [
        ["SignalR Service Owner", subscription],
        ["SignalR App Server", signalr],
      ]),
    ];

    const diff = diffRoles(base, head);

    expect(formatRoleDiff(diff)).toBe(
      report(noEscalation, [
        "#### tenantB",
        "",
        ...header,
        `|  | added | ${principal} | SignalR App Server | \`${signalr}\` |`,
      ]),
    );
    expect(hasEscalation(diff)).toBe(false);
  });

  it("lists a removed assignment without marking it", () => {
    const base = [
      tenantB("tenantB", [
        ["SignalR App Server", signalr],
        ["SignalR REST API Reader", managementGroup],
      ]),
    ];
    const head = [tenantB("tenantB", [["SignalR App Server", signalr]])];

    expect(formatRoleDiff(diffRoles(base, head))).toBe(
      report(noEscalation, [
        "#### tenantB",
        "",
        ...header,
        `|  | removed | ${principal} | SignalR REST API Reader | \`${managementGroup}\` |`,
      ]),
    );
  });

  it("marks a role change that grants more data actions, and not one that grants fewer", () => {
    const base = [
      tenantB("tenantB", [
        ["SignalR App Server", signalr],
        ["SignalR REST API Owner", otherGroup],
      ]),
    ];
    const head = [
      tenantB("tenantB", [
        ["SignalR Service Owner", signalr],
        ["SignalR REST API Reader", otherGroup],
      ]),
    ];

    expect(formatRoleDiff(diffRoles(base, head))).toBe(
      report(escalations(1), [
        "#### tenantB",
        "",
        ...header,
        `| ⚠️ **stronger role** | role changed | ${principal} | ` +
          `SignalR App Server → SignalR Service Owner | \`${signalr}\` |`,
        `|  | role changed | ${principal} | ` +
          `SignalR REST API Owner → SignalR REST API Reader | \`${otherGroup}\` |`,
      ]),
    );
  });

  it("marks a scope widened from a resource group to its subscription", () => {
    const base = [tenantB("tenantB", [["SignalR App Server", group]])];
    const head = [tenantB("tenantB", [["SignalR App Server", subscription]])];

    expect(formatRoleDiff(diffRoles(base, head))).toBe(
      report(escalations(1), [
        "#### tenantB",
        "",
        ...header,
        `| ⚠️ **broader scope** | scope widened | ${principal} | SignalR App Server | ` +
          `\`${group}\` → \`${subscription}\` |`,
      ]),
    );
  });

  it("does not mark a scope narrowed to one SignalR resource of the group", () => {
    const base = [tenantB("tenantB", [["SignalR App Server", group]])];
    const head = [tenantB("tenantB", [["SignalR App Server", signalr]])];

    const diff = diffRoles(base, head);

    expect(formatRoleDiff(diff)).toBe(
      report(noEscalation, [
        "#### tenantB",
        "",
        ...header,
        `|  | scope narrowed | ${principal} | SignalR App Server | \`${group}\` → \`${signalr}\` |`,
      ]),
    );
    expect(hasEscalation(diff)).toBe(false);
  });

  it("marks a scope moved to another resource group, which the principal could not reach", () => {
    const base = [tenantB("tenantB", [["SignalR App Server", group]])];
    const head = [tenantB("tenantB", [["SignalR App Server", otherGroup]])];

    expect(formatRoleDiff(diffRoles(base, head))).toBe(
      report(escalations(1), [
        "#### tenantB",
        "",
        ...header,
        `| ⚠️ **other scope** | scope moved | ${principal} | SignalR App Server | ` +
          `\`${group}\` → \`${otherGroup}\` |`,
      ]),
    );
  });

  it("shows an assignment whose role and scope both change as a removal and an addition", () => {
    const base = [tenantB("tenantB", [["SignalR REST API Reader", signalr]])];
    const head = [tenantB("tenantB", [["SignalR Service Owner", subscription]])];

    expect(formatRoleDiff(diffRoles(base, head))).toBe(
      report(escalations(1), [
        "#### tenantB",
        "",
        ...header,
        `| ⚠️ **new access** | added | ${principal} | SignalR Service Owner | ` +
          `\`${subscription}\` |`,
        `|  | removed | ${principal} | SignalR REST API Reader | \`${signalr}\` |`,
      ]),
    );
  });

  it("shows a new principal as its old roles removed and its new ones added", () => {
    const base = [tenantB("tenantB", [["SignalR App Server", signalr]])];
    const head = [tenantB("tenantB", [["SignalR App Server", signalr]], otherClientId)];

    expect(formatRoleDiff(diffRoles(base, head))).toBe(
      report(escalations(1), [
        "#### tenantB",
        "",
        ...header,
        `| ⚠️ **new access** | added | \`${otherClientId}\` | SignalR App Server | ` +
          `\`${signalr}\` |`,
        `|  | removed | ${principal} | SignalR App Server | \`${signalr}\` |`,
      ]),
    );
  });

  it("reports several stacks in name order, escalations first in each", () => {
    const base = [
      tenantA,
      tenantB("tenantB", [
        ["SignalR App Server", group],
        ["SignalR REST API Reader", managementGroup],
      ]),
      tenantB("retired", [["SignalR App Server", signalr]]),
    ];
    const head = [
      tenantA,
      tenantB("tenantB", [
        ["SignalR App Server", signalr],
        ["SignalR REST API Owner", subscription],
      ]),
      tenantB("partner", [["SignalR REST API Reader", otherGroup]], otherClientId),
    ];

    expect(formatRoleDiff(diffRoles(base, head))).toBe(
      report(
        escalations(2),
        [
          "#### partner (new stack)",
          "",
          ...header,
          `| ⚠️ **new access** | added | \`${otherClientId}\` | SignalR REST API Reader | ` +
            `\`${otherGroup}\` |`,
        ],
        [
          "#### retired (stack removed)",
          "",
          ...header,
          `|  | removed | ${principal} | SignalR App Server | \`${signalr}\` |`,
        ],
        [
          "#### tenantB",
          "",
          ...header,
          `| ⚠️ **new access** | added | ${principal} | SignalR REST API Owner | ` +
            `\`${subscription}\` |`,
          `|  | scope narrowed | ${principal} | SignalR App Server | ` +
            `\`${group}\` → \`${signalr}\` |`,
          `|  | removed | ${principal} | SignalR REST API Reader | \`${managementGroup}\` |`,
        ],
      ),
    );
  });
});
