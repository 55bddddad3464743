import { roleAssignmentName } from "../../lib/naming.ts";
import { signalrRoles } from "../../lib/roles.ts";
import { evaluateStack } from "../../tools/evaluate.ts";
import {
  clientId,
  rawConfig,
  signalrScope,
  subscription,
  tenantB,
  tenantBValues,
} from "../support/config.ts";
import { fakeOutputs } from "../support/fakes.ts";

const scopes = {
  managementGroup: "/providers/Microsoft.Management/managementGroups/monitoring",
  subscription: `/subscriptions/${subscription}`,
  resourceGroup: `/subscriptions/${subscription}/resourceGroups/chat`,
  signalr: signalrScope,
};

const slugs: Record<string, string> = {
  "SignalR App Server": "signalr-app-server",
  "SignalR Service Owner": "signalr-service-owner",
  "SignalR REST API Owner": "signalr-rest-api-owner",
  "SignalR REST API Reader": "signalr-rest-api-reader",
};

async function evaluate(values: Record<string, unknown>, stackOutputs?: Record<string, unknown>) {
  return evaluateStack({
    stack: "tenantB",
    config: rawConfig(values),
    preview: false,
    fakeOutputs,
    stackOutputs: () => stackOutputs,
  });
}

describe.each(signalrRoles.map((role) => [role.name, role.id]))("%s", (roleName, roleId) => {
  it.each(Object.entries(scopes))(
    "is assigned at %s scope with a name fixed by config",
    async (_, scope) => {
      const name = roleAssignmentName({ tenantId: tenantB, principal: clientId, roleId, scope });

      const { resources } = await evaluate(
        tenantBValues({ assignments: [{ role: roleName, scope }], subscriptionId: subscription }),
      );

      expect(
        resources.filter(
          (resource) => resource.type === "azure-native:authorization:RoleAssignment",
        ),
      ).toEqual([
        {
          type: "azure-native:authorization:RoleAssignment",
          name: `enterprise-application-${slugs[roleName]}-${name.slice(0, 8)}`,
          parent: "enterprise-application",
          inputs: {
            principalId: "enterprise-application-object-id",
            principalType: "ServicePrincipal",
            roleAssignmentName: name,
            roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${roleId}`,
            scope,
          },
          dependsOn: ["enterprise-application"],
          options: { deleteBeforeReplace: true, provider: "tenant-b-arm" },
        },
      ]);
    },
  );
});

describe.each([
  ["public", "https://login.microsoftonline.com", "service.signalr.net"],
  ["china", "https://login.chinacloudapi.cn", "signalr.azure.cn"],
  ["usgovernment", "https://login.microsoftonline.us", "signalr.azure.us"],
] as const)("tenant B stack in the %s cloud", (cloud, authority, hostSuffix) => {
  it("registers explicit providers and adopts the enterprise application", async () => {
    const { resources } = await evaluate(tenantBValues({ cloud }));

    expect(resources.slice(0, 4)).toEqual([
      {
        type: "pulumi:providers:azuread",
        name: "tenant-b",
        inputs: { environment: cloud, tenantId: tenantB, useMsi: "false" },
        dependsOn: [],
        options: {},
      },
      {
        type: "pulumi:providers:azure-native",
        name: "tenant-b-arm",
        inputs: { environment: cloud, subscriptionId: subscription, tenantId: tenantB },
        dependsOn: [],
        options: {},
      },
      {
        type: "signalr-cross-tenant:tenantB:SignalRAccess",
        name: "enterprise-application",
        inputs: {},
        dependsOn: [],
        options: {},
      },
      {
        type: "azuread:index/servicePrincipal:ServicePrincipal",
        name: "enterprise-application",
        parent: "enterprise-application",
        inputs: { clientId, useExisting: true },
        dependsOn: [],
        options: { protect: true, provider: "tenant-b" },
      },
    ]);
  });

  it("exports the contract's outputs", async () => {
    const reader = { role: "SignalR REST API Reader", scope: scopes.resourceGroup };
    const assignments = [{ role: "SignalR App Server", scope: signalrScope }, reader];

    const { outputs, secretOutputs } = await evaluate(tenantBValues({ cloud, assignments }));

    const name = (roleId: string, scope: string) =>
      roleAssignmentName({ tenantId: tenantB, principal: clientId, roleId, scope });
    expect(outputs).toEqual({
      clientId,
      tenantId: tenantB,
      cloud,
      servicePrincipalObjectId: "enterprise-application-object-id",
      roleAssignments: [
        {
          role: "SignalR App Server",
          roleDefinitionId:
            "/providers/Microsoft.Authorization/roleDefinitions/420fcaa2-552c-430f-98ca-3264be4806c7",
          scope: signalrScope,
          name: name("420fcaa2-552c-430f-98ca-3264be4806c7", signalrScope),
        },
        {
          role: "SignalR REST API Reader",
          roleDefinitionId:
            "/providers/Microsoft.Authorization/roleDefinitions/ddde6b66-c0df-4114-a159-3618637b3035",
          scope: scopes.resourceGroup,
          name: name("ddde6b66-c0df-4114-a159-3618637b3035", scopes.resourceGroup),
        },
      ],
      tokenScope: "https://signalr.azure.com/.default",
      expectedClaims: { tid: tenantB, oid: "enterprise-application-object-id", appid: clientId },
      endpoints: [{ name: "chat-weu", url: `https://chat-weu.${hostSuffix}` }],
      adminConsentUrl: `${authority}/${tenantB}/adminconsent?client_id=${clientId}`,
    });
    expect(secretOutputs).toEqual([]);
  });
});

describe("tenant B stack options", () => {
  it("reads the client id from the tenant-A stack", async () => {
    const values = tenantBValues({
      clientId: undefined,
      applicationStack: "contoso/signalr-cross-tenant/tenantA",
    });

    const { resources, outputs } = await evaluate(values, {
      clientId: "from-stack",
      cloud: "public",
    });

    expect(
      resources.find((resource) => resource.type.endsWith("ServicePrincipal"))?.inputs,
    ).toEqual({
      clientId: "from-stack",
      useExisting: true,
    });
    expect(outputs.clientId).toBe("from-stack");
  });

  it("adopts an existing assignment's name without renaming the resource", async () => {
    const existing = "0f0e0d0c-0b0a-4909-8807-060504030201";
    const assignment = { role: "SignalR App Server", scope: signalrScope };

    const derived = await evaluate(tenantBValues({ assignments: [assignment] }));
    const adopted = await evaluate(
      tenantBValues({ assignments: [{ ...assignment, name: existing }] }),
    );

    const roleAssignment = (resources: typeof derived.resources) =>
      resources.find((resource) => resource.type === "azure-native:authorization:RoleAssignment")!;
    expect(roleAssignment(adopted.resources).name).toBe(roleAssignment(derived.resources).name);
    expect(roleAssignment(adopted.resources).inputs.roleAssignmentName).toBe(existing);
  });

  it("uses the configured subscription for the azure-native provider", async () => {
    const other = "77777777-7777-7777-7777-777777777777";

    const { resources } = await evaluate(tenantBValues({ subscriptionId: other }));

    expect(
      resources.find((resource) => resource.type === "pulumi:providers:azure-native")?.inputs,
    ).toEqual({
      environment: "public",
      subscriptionId: other,
      tenantId: tenantB,
    });
  });

  it("logs a warning for risky assignments", async () => {
    const assignments = [{ role: "SignalR Service Owner", scope: scopes.subscription }];

    const { warnings } = await evaluate(tenantBValues({ assignments }));

    expect(warnings).toEqual([
      `SignalR Service Owner at ${scopes.subscription}: ` +
        `Service Owner grants every SignalR data action ` +
        "on every SignalR resource below this scope; prefer " +
        "SignalR App Server, or a resource group or " +
        "single resource.",
    ]);
  });

  it("lets protection be turned off for teardown", async () => {
    const { resources } = await evaluate(tenantBValues({ protect: "false" }));

    expect(
      resources.find((resource) => resource.type.endsWith("ServicePrincipal"))?.options,
    ).toEqual({ protect: false, provider: "tenant-b" });
  });
});
