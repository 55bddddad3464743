import { graphDepth, resourceKind, type GraphResource } from "../lib/graph.ts";
import { readStack } from "../bench/stackConfig.ts";
import { evaluateStack } from "../tools/evaluate.ts";
import { certificatePem } from "./support/certificates.ts";
import { rawConfig, subscription, tenantAValues, tenantBValues } from "./support/config.ts";

const custom = (name: string, dependsOn: string[] = [], parent?: string): GraphResource => ({
  type: "azuread:index/application:Application",
  name,
  parent,
  dependsOn,
});
const component = (name: string, parent?: string): GraphResource => ({
  type: "signalr-cross-tenant:tenantA:CrossTenantApplication",
  name,
  parent,
  dependsOn: [],
});
const provider = (name: string, dependsOn: string[] = []): GraphResource => ({
  type: "pulumi:providers:azuread",
  name,
  dependsOn,
});

describe("resourceKind", () => {
  it.each([
    ["azure-native:authorization:RoleAssignment", "custom"],
    ["azuread:index/servicePrincipal:ServicePrincipal", "custom"],
    ["time:index/offset:Offset", "custom"],
    ["signalr-cross-tenant:tenantB:SignalRAccess", "component"],
    ["pulumi:providers:azure-native", "pulumi"],
    ["pulumi:pulumi:StackReference", "pulumi"],
  ])("%s is %s", (type, kind) => {
    expect(resourceKind(type)).toBe(kind);
  });
});

describe("graphDepth on hand-made graphs", () => {
  it("is 0 without custom resources", () => {
    expect(graphDepth([])).toBe(0);
    expect(graphDepth([provider("p"), component("c")])).toBe(0);
  });

  it("is 1 for resources that wait for nothing", () => {
    expect(graphDepth([custom("a"), custom("b"), custom("c")])).toBe(1);
  });

  it("counts every custom resource of a chain", () => {
    expect(graphDepth([custom("a"), custom("b", ["a"]), custom("c", ["b"])])).toBe(3);
  });

  it("takes the longest of several chains", () => {
    const graph = [custom("a"), custom("b", ["a"]), custom("c"), custom("d", ["b", "c"])];

    expect(graphDepth(graph)).toBe(3);
  });

  it("does not count a provider, but passes on what it waits for", () => {
    expect(graphDepth([custom("a"), provider("p", ["a"]), custom("b", ["p"])])).toBe(2);
  });

  it("makes a child wait for a custom parent", () => {
    expect(graphDepth([custom("a"), custom("b", [], "a")])).toBe(2);
  });

  it("lets the children of a component start at once", () => {
    expect(graphDepth([component("c"), custom("a", [], "c"), custom("b", [], "c")])).toBe(1);
  });

  it("makes a dependent of a component wait for everything under it", () => {
    const graph = [
      component("c"),
      custom("a", [], "c"),
      component("inner", "c"),
      custom("b", ["a"], "inner"),
      custom("x", ["c"]),
    ];

    expect(graphDepth(graph)).toBe(3);
  });

  it("resolves a name shared by a component and its child to the child", () => {
    const graph = [
      component("application"),
      custom("application", [], "application"),
      custom("application-primary", ["application"], "application"),
    ];

    expect(graphDepth(graph)).toBe(2);
  });

  it("rejects a dependency that is not registered before the resource", () => {
    expect(() => graphDepth([custom("b", ["a"]), custom("a")])).toThrow(
      "azuread:index/application:Application b names a as a dependency, but no resource of that " +
        "name is registered before it; list resources in registration order.",
    );
  });

  it("rejects a cycle", () => {
    const graph = [
      component("c"),
      component("d"),
      custom("x", ["d"], "c"),
      custom("y", ["c"], "d"),
    ];

    expect(() => graphDepth(graph)).toThrow(
      "The dependency graph has a cycle through " +
        "signalr-cross-tenant:tenantA:CrossTenantApplication c; a deployment could never start it.",
    );
  });
});

describe("graphDepth of the stacks", () => {
  it.each(["tenantA", "tenantB"])("is 2 for the example stack %s", async (stack) => {
    const file = readStack(process.cwd(), stack);

    const { resources } = await evaluateStack({
      stack,
      config: file.config,
      secretKeys: file.secretKeys,
      preview: true,
    });

    expect(graphDepth(resources)).toBe(2);
  });

  it("is 2 for a tenant-B stack of 50 role assignments", async () => {
    const assignments = Array.from({ length: 50 }, (_, index) => ({
      role: index % 2 === 0 ? "SignalR App Server" : "SignalR REST API Reader",
      scope:
        `/subscriptions/${subscription}/resourceGroups/chat-${index}` +
        `/providers/Microsoft.SignalRService/SignalR/chat-${index}`,
    }));

    const { resources } = await evaluateStack({
      stack: "tenantB",
      config: rawConfig(tenantBValues({ assignments })),
      preview: true,
    });

    expect(
      resources.filter((resource) => resource.type === "azure-native:authorization:RoleAssignment"),
    ).toHaveLength(50);
    expect(graphDepth(resources)).toBe(2);
  });

  it("is 2 for a tenant-A stack with every kind of credential and several secrets", async () => {
    const day = 86_400_000;
    const { cert } = await certificatePem(new Date(), new Date(Date.now() + 300 * day));
    const endDate = new Date(Date.now() + 200 * day).toISOString().replace(/\.\d+Z$/, "Z");
    const [, managedIdentity, federated] = tenantAValues().credentials as object[];
    const credentials = [
      { kind: "secret", name: "primary", validDays: 90 },
      { kind: "secret", name: "fixed-end", endDate },
      { kind: "secret", name: "rotating", rotateEveryDays: 90, overlapDays: 14 },
      { kind: "certificate", name: "server-cert", certificate: cert },
      managedIdentity,
      federated,
    ];

    const { resources } = await evaluateStack({
      stack: "tenantA",
      config: rawConfig(tenantAValues({ credentials })),
      preview: true,
    });

    const kinds = resources
      .filter((resource) => resource.type.startsWith("azuread:index/application"))
      .map((resource) => resource.type.split(":")[2]);
    expect([...new Set(kinds)].sort()).toEqual([
      "Application",
      "ApplicationCertificate",
      "ApplicationFederatedIdentityCredential",
      "ApplicationPassword",
    ]);
    expect(kinds.filter((kind) => kind === "ApplicationPassword").length).toBeGreaterThanOrEqual(3);
    expect(graphDepth(resources)).toBe(2);
  });
});
