/**
 * The three Azure clouds this project deploys to, and every per-cloud value the stacks, the tools
 * and the app server need: authority, Graph, ARM, the token-exchange audience for federated
 * credentials, the SignalR host suffix and token scope, and the provider `environment` names.
 */

export const cloudNames = ["public", "china", "usgovernment"] as const;

export type CloudName = (typeof cloudNames)[number];

export interface CloudProfile {
  readonly name: CloudName;
  /** Entra authority host, without a trailing slash. */
  readonly authorityHost: string;
  readonly graphEndpoint: string;
  readonly armEndpoint: string;
  /** Audience a federated identity credential must carry in this cloud. */
  readonly tokenExchangeAudience: string;
  /** Host suffix of SignalR resources: `<name>.<suffix>`. */
  readonly signalrHostSuffix: string;
  /** Scope the app server asks Entra for when it authenticates to SignalR. */
  readonly signalrTokenScope: string;
  /** `environment` of the azuread and azure-native providers. */
  readonly providerEnvironment: string;
  /** Whether personal Microsoft accounts may sign in to applications in this cloud. */
  readonly personalAccounts: boolean;
}

const profiles: Record<CloudName, CloudProfile> = {
  public: {
    name: "public",
    authorityHost: "https://login.microsoftonline.com",
    graphEndpoint: "https://graph.microsoft.com",
    armEndpoint: "https://management.azure.com",
    tokenExchangeAudience: "api://AzureADTokenExchange",
    signalrHostSuffix: "service.signalr.net",
    signalrTokenScope: "https://signalr.azure.com/.default",
    providerEnvironment: "public",
    personalAccounts: true,
  },
  china: {
    name: "china",
    authorityHost: "https://login.chinacloudapi.cn",
    graphEndpoint: "https://microsoftgraph.chinacloudapi.cn",
    armEndpoint: "https://management.chinacloudapi.cn",
    tokenExchangeAudience: "api://AzureADTokenExchangeChina",
    signalrHostSuffix: "signalr.azure.cn",
    // The SignalR SDK sends the public scope string in every cloud; `tokenScope` in stack config
    // overrides it where a tenant proves otherwise.
    signalrTokenScope: "https://signalr.azure.com/.default",
    providerEnvironment: "china",
    personalAccounts: false,
  },
  usgovernment: {
    name: "usgovernment",
    authorityHost: "https://login.microsoftonline.us",
    graphEndpoint: "https://graph.microsoft.us",
    armEndpoint: "https://management.usgovcloudapi.net",
    tokenExchangeAudience: "api://AzureADTokenExchangeUSGov",
    signalrHostSuffix: "signalr.azure.us",
    signalrTokenScope: "https://signalr.azure.com/.default",
    providerEnvironment: "usgovernment",
    personalAccounts: false,
  },
};

export function cloudProfile(name: CloudName): CloudProfile {
  return profiles[name];
}

/** Issuer of tokens that a user-assigned managed identity in `tenantId` presents to Entra. */
export function managedIdentityIssuer(cloud: CloudProfile, tenantId: string): string {
  return `${cloud.authorityHost}/${tenantId}/v2.0`;
}

/** The page where an administrator of `tenantId` consents to the application `clientId`. */
export function adminConsentUrl(cloud: CloudProfile, tenantId: string, clientId: string): string {
  return `${cloud.authorityHost}/${tenantId}/adminconsent?client_id=${clientId}`;
}

/** The SignalR resource audience, the token scope without its `/.default` suffix. */
export function signalrAudience(tokenScope: string): string {
  return tokenScope.replace(/\/\.default$/, "");
}
