import * as pulumi from "@pulumi/pulumi";
import {
  existingNamePlaceholder,
  resourceUrn,
  roleAssignmentExistsHint,
  type RoleAssignmentTarget,
} from "../../lib/importHint.ts";
import { clientId, signalrScope } from "../support/config.ts";

const appServer = "420fcaa2-552c-430f-98ca-3264be4806c7";
const stackName = "9d0f1c52-8a8e-5d2b-b7a4-2f3c0e6a1b77";

const target: RoleAssignmentTarget = {
  role: "SignalR App Server",
  scope: signalrScope,
  name: stackName,
  resourceName: "enterprise-application-signalr-app-server-9d0f1c52",
  clientId,
};

const componentUrn =
  "urn:pulumi:tenantB::signalr-cross-tenant::signalr-cross-tenant:tenantB:SignalRAccess::" +
  "enterprise-application";
const providerUrn =
  "urn:pulumi:tenantB::signalr-cross-tenant::pulumi:providers:azure-native::tenant-b-arm";

describe("roleAssignmentExistsHint", () => {
  it("lists the existing assignment's name, and imports it under a placeholder until known", () => {
    expect(roleAssignmentExistsHint(target)).toEqual({
      findCommand:
        `az role assignment list --assignee ${clientId} --role ${appServer} ` +
        `--scope ${signalrScope} --query '[].name' --output tsv`,
      importCommand:
        "pulumi import azure-native:authorization:RoleAssignment " +
        "enterprise-application-signalr-app-server-9d0f1c52 " +
        `'${signalrScope}/providers/Microsoft.Authorization/roleAssignments/` +
        `${existingNamePlaceholder}' --protect=false`,
    });
  });

  it("imports the named assignment into the component, with the stack's provider", () => {
    const existing = "6f1e5a0b-3c4d-4e8f-9a2b-1c3d5e7f9a0b";

    const hint = roleAssignmentExistsHint(
      { ...target, parentUrn: componentUrn, providerUrn },
      existing,
    );

    expect(hint.importCommand).toBe(
      "pulumi import azure-native:authorization:RoleAssignment " +
        "enterprise-application-signalr-app-server-9d0f1c52 " +
        `${signalrScope}/providers/Microsoft.Authorization/roleAssignments/${existing} ` +
        `--parent enterprise-application=${componentUrn} ` +
        `--provider tenant-b-arm=${providerUrn} --protect=false`,
    );
  });

  it.each([
    "SignalR App Server",
    "signalr app server",
    appServer,
    `/providers/Microsoft.Authorization/roleDefinitions/${appServer}`,
  ])("asks the Azure CLI for the role by its GUID when given %s", (role) => {
    expect(roleAssignmentExistsHint({ ...target, role }).findCommand).toContain(
      ` --role ${appServer} `,
    );
  });

  it("passes any other role on as given, quoted for the shell", () => {
    expect(roleAssignmentExistsHint({ ...target, role: "Custom Reader" }).findCommand).toContain(
      " --role 'Custom Reader' ",
    );
  });

  it("quotes the URN of a component declared inside another, which holds a $", () => {
    const nested =
      "urn:pulumi:tenantB::signalr-cross-tenant::custom:index:Platform$" +
      "signalr-cross-tenant:tenantB:SignalRAccess::enterprise-application";

    expect(roleAssignmentExistsHint({ ...target, parentUrn: nested }).importCommand).toContain(
      ` --parent 'enterprise-application=${nested}' `,
    );
  });

  it("quotes scopes holding characters a shell would read", () => {
    const scope = "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/chat(prod)";

    const hint = roleAssignmentExistsHint({ ...target, scope }, "abc");

    expect(hint.findCommand).toContain(` --scope '${scope}' `);
    expect(hint.importCommand).toContain(
      ` '${scope}/providers/Microsoft.Authorization/roleAssignments/abc' `,
    );
  });
});

describe("resourceUrn", () => {
  const parts = { stack: "tenantB", project: "signalr-cross-tenant" };
  const component = "signalr-cross-tenant:tenantB:SignalRAccess";
  const valueOf = (urn: pulumi.Output<string>) =>
    new Promise<string>((resolve) => urn.apply(resolve));

  it("names a resource of the stack's root as the Pulumi SDK does", async () => {
    const sdk = pulumi.createUrn(
      "tenant-b-arm",
      "pulumi:providers:azure-native",
      undefined,
      parts.project,
      parts.stack,
    );

    expect(
      resourceUrn({ ...parts, type: "pulumi:providers:azure-native", name: "tenant-b-arm" }),
    ).toBe(await valueOf(sdk));
    expect(resourceUrn({ ...parts, type: component, name: "enterprise-application" })).toBe(
      componentUrn,
    );
    expect(
      resourceUrn({ ...parts, type: "pulumi:providers:azure-native", name: "tenant-b-arm" }),
    ).toBe(providerUrn);
  });

  it("names a role assignment inside the component as the Pulumi SDK does", async () => {
    const name = "enterprise-application-signalr-app-server-9d0f1c52";
    const sdk = pulumi.createUrn(name, "azure-native:authorization:RoleAssignment", componentUrn);

    expect(
      resourceUrn({
        ...parts,
        type: "azure-native:authorization:RoleAssignment",
        name,
        parentType: component,
      }),
    ).toBe(await valueOf(sdk));
  });
});
