/**
 * The tenant-B stack: provisions tenant A's application as an enterprise application next to the
 * SignalR resources, assigns its roles, and exports what the app server's configuration needs.
 */
import { Provider as AzureNativeProvider } from "@pulumi/azure-native/provider.js";
import { Provider as AzureAdProvider } from "@pulumi/azuread/provider.js";
import * as pulumi from "@pulumi/pulumi";
import { SignalRAccess } from "../components/index.ts";
import { adminConsentUrl } from "../lib/clouds.ts";
import type { TenantBConfig } from "../lib/config.ts";
import { referencedStackProblem } from "../lib/configRules.ts";

export interface TenantBOutputs {
  clientId: pulumi.Output<string>;
  tenantId: string;
  cloud: string;
  servicePrincipalObjectId: pulumi.Output<string>;
  roleAssignments: { role: string; roleDefinitionId: string; scope: string; name: string }[];
  tokenScope: string;
  expectedClaims: pulumi.Output<{ tid: string; oid: string; appid: string }>;
  endpoints: { name: string; url: string }[];
  adminConsentUrl: pulumi.Output<string>;
}

export function deployTenantB(config: TenantBConfig, warnings: readonly string[]): TenantBOutputs {
  const { cloud, tenantId } = config;

  // Explicit providers for both APIs, so nothing depends on the CLI's current tenant or
  // subscription.
  const azureadProvider = new AzureAdProvider("tenant-b", {
    tenantId,
    environment: cloud.providerEnvironment,
  });
  const armProvider = new AzureNativeProvider("tenant-b-arm", {
    tenantId,
    subscriptionId: config.subscriptionId,
    environment: cloud.providerEnvironment,
  });

  const clientId =
    "clientId" in config.principal
      ? pulumi.output(config.principal.clientId)
      : clientIdFromStack(config.principal.applicationStack, cloud.name);

  const assignments = config.assignments.map((assignment) => ({
    role: assignment.role.name,
    roleDefinitionId: assignment.roleDefinitionId,
    scope: assignment.scope.id,
    name: assignment.name,
    resourceKey: assignment.resourceKey,
  }));
  const access = new SignalRAccess(
    "enterprise-application",
    { clientId, assignments, protect: config.protect },
    { providers: [azureadProvider, armProvider] },
  );
  for (const warning of warnings) pulumi.log.warn(warning, access);

  const endpoints = [
    ...new Set(
      config.assignments.flatMap(({ scope }) => (scope.resourceName ? [scope.resourceName] : [])),
    ),
  ].map((name) => ({ name, url: `https://${name.toLowerCase()}.${cloud.signalrHostSuffix}` }));

  return {
    clientId,
    tenantId,
    cloud: cloud.name,
    servicePrincipalObjectId: access.objectId,
    roleAssignments: assignments.map(({ role, roleDefinitionId, scope, name }) => ({
      role,
      roleDefinitionId,
      scope,
      name,
    })),
    tokenScope: cloud.signalrTokenScope,
    expectedClaims: pulumi
      .all([access.objectId, clientId])
      .apply(([oid, appid]) => ({ tid: tenantId, oid, appid })),
    endpoints,
    adminConsentUrl: clientId.apply((id) => adminConsentUrl(cloud, tenantId, id)),
  };
}

/** Reads the client id from the tenant-A stack, refusing one deployed to another cloud. */
function clientIdFromStack(stackName: string, cloud: string): pulumi.Output<string> {
  const stack = new pulumi.StackReference(stackName);
  return pulumi
    .all([stack.requireOutput("clientId"), stack.requireOutput("cloud")])
    .apply(([clientId, referencedCloud]) => {
      const problem = referencedStackProblem(stackName, referencedCloud, cloud);
      if (problem) throw new Error(problem);
      return String(clientId);
    });
}
