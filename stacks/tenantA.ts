/**
 * The tenant-A stack: registers the multitenant application in the app server's home tenant, with
 * the credentials the app server signs in with, and exports what tenant B and the app server need.
 */
import { Provider as AzureAdProvider } from "@pulumi/azuread/provider.js";
import type * as pulumi from "@pulumi/pulumi";
import { CrossTenantApplication, type CredentialSummary } from "../components/index.ts";
import type { TenantAConfig } from "../lib/config.ts";

export interface TenantAOutputs {
  clientId: pulumi.Output<string>;
  applicationObjectId: pulumi.Output<string>;
  tenantId: string;
  cloud: string;
  credentials: pulumi.Output<CredentialSummary[]>;
  clientSecrets: pulumi.Output<Record<string, string>>;
}

export function deployTenantA(config: TenantAConfig): TenantAOutputs {
  // An explicit provider, so nothing lands in whatever tenant the CLI happens to be logged in to.
  const provider = new AzureAdProvider("tenant-a", {
    tenantId: config.tenantId,
    environment: config.cloud.providerEnvironment,
  });

  const application = new CrossTenantApplication(
    "application",
    {
      displayName: config.application.displayName,
      signInAudience: config.application.signInAudience,
      owners: config.application.owners,
      credentials: config.credentials,
      protect: config.protect,
    },
    { providers: [provider] },
  );

  return {
    clientId: application.clientId,
    applicationObjectId: application.objectId,
    tenantId: config.tenantId,
    cloud: config.cloud.name,
    credentials: application.credentials,
    clientSecrets: application.clientSecrets,
  };
}
