/**
 * The benchmark's baseline: both stacks written the way a new Azure TypeScript Pulumi project is
 * (CommonJS, root package imports, ts-node type-checking at start). It registers the same
 * resources, with the same names and parents, as the project's program, so that only the set-up
 * differs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as azure_native from "@pulumi/azure-native";
import * as azuread from "@pulumi/azuread";
import * as time from "@pulumiverse/time";
import * as crypto from "crypto";

interface Credential {
  kind: "secret" | "certificate" | "managedIdentity" | "federated";
  name: string;
  validDays?: number;
  endDate?: string;
  rotateEveryDays?: number;
  overlapDays?: number;
  certificate?: string;
  principalId?: string;
  issuer?: string;
  subject?: string;
  audience?: string;
}

interface Assignment {
  role: string;
  scope: string;
}

const roles: Record<string, string> = {
  "signalr app server": "420fcaa2-552c-430f-98ca-3264be4806c7",
  "signalr service owner": "7e4f1700-ea5a-4f59-8f37-079cfe29dce3",
  "signalr rest api owner": "fd53cd77-2268-407a-8f46-7e7863d0f521",
  "signalr rest api reader": "ddde6b66-c0df-4114-a159-3618637b3035",
};

const clouds: Record<string, { authority: string; audience: string }> = {
  public: {
    authority: "https://login.microsoftonline.com",
    audience: "api://AzureADTokenExchange",
  },
  china: {
    authority: "https://login.chinacloudapi.cn",
    audience: "api://AzureADTokenExchangeChina",
  },
  usgovernment: {
    authority: "https://login.microsoftonline.us",
    audience: "api://AzureADTokenExchangeUSGov",
  },
};

const config = new pulumi.Config();
const side = config.require("side");
const tenantId = config.require("tenantId");
const cloudName = config.get("cloud") ?? "public";
const cloud = clouds[cloudName];
const protect = config.getBoolean("protect") ?? true;

class CrossTenantApplication extends pulumi.ComponentResource {
  readonly application: azuread.Application;

  constructor(name: string, credentials: Credential[], opts: pulumi.ComponentResourceOptions) {
    super("signalr-cross-tenant:tenantA:CrossTenantApplication", name, {}, opts);

    const settings = config.requireObject<{
      displayName: string;
      signInAudience?: string;
      owners?: string[];
    }>("application");
    this.application = new azuread.Application(
      name,
      {
        displayName: settings.displayName,
        signInAudience: settings.signInAudience ?? "AzureADMultipleOrgs",
        owners: settings.owners && settings.owners.length > 0 ? settings.owners : undefined,
      },
      { parent: this, protect },
    );

    for (const credential of credentials) {
      const childName = `${name}-${credential.name}`;
      if (credential.kind === "secret" && credential.rotateEveryDays !== undefined) {
        // Two secrets that take turns being the newest, counted from a recorded start day.
        const every = credential.rotateEveryDays;
        const overlap = credential.overlapDays ?? Math.max(1, Math.floor(every / 2));
        const start = new time.Static(
          `${childName}-rotation`,
          { triggers: { rotateEveryDays: String(every), overlapDays: String(overlap) } },
          { parent: this },
        );
        ["a", "b"].forEach((slot, index) => {
          new azuread.ApplicationPassword(
            `${childName}@${slot}`,
            {
              applicationId: this.application.id,
              displayName: `${credential.name}@${slot}`,
              endDate: start.rfc3339.apply((startedAt) => {
                const days = (index + 1) * every + overlap;
                return new Date(Date.parse(startedAt) + days * 86_400_000).toISOString();
              }),
            },
            { parent: this, additionalSecretOutputs: ["value"] },
          );
        });
      } else if (credential.kind === "secret") {
        const endDate =
          credential.endDate ??
          new time.Offset(
            `${childName}-end`,
            {
              offsetDays: credential.validDays ?? 180,
              triggers: { validDays: String(credential.validDays ?? 180) },
            },
            { parent: this },
          ).rfc3339;
        new azuread.ApplicationPassword(
          childName,
          { applicationId: this.application.id, displayName: credential.name, endDate },
          { parent: this, additionalSecretOutputs: ["value"] },
        );
      } else if (credential.kind === "certificate") {
        new azuread.ApplicationCertificate(
          childName,
          {
            applicationId: this.application.id,
            type: "AsymmetricX509Cert",
            encoding: "pem",
            value: pulumi.secret(credential.certificate ?? ""),
          },
          { parent: this },
        );
      } else {
        const managed = credential.kind === "managedIdentity";
        new azuread.ApplicationFederatedIdentityCredential(
          childName,
          {
            applicationId: this.application.id,
            displayName: credential.name,
            issuer: managed
              ? (credential.issuer ?? `${cloud.authority}/${tenantId}/v2.0`)
              : (credential.issuer ?? ""),
            subject: (managed ? credential.principalId : credential.subject) ?? "",
            audiences: [credential.audience ?? cloud.audience],
          },
          { parent: this },
        );
      }
    }

    this.registerOutputs({ clientId: this.application.clientId });
  }
}

class SignalRAccess extends pulumi.ComponentResource {
  readonly servicePrincipal: azuread.ServicePrincipal;

  constructor(
    name: string,
    clientId: string,
    assignments: Assignment[],
    opts: pulumi.ComponentResourceOptions,
  ) {
    super("signalr-cross-tenant:tenantB:SignalRAccess", name, {}, opts);

    this.servicePrincipal = new azuread.ServicePrincipal(
      name,
      { clientId, useExisting: true },
      { parent: this, protect },
    );

    for (const assignment of assignments) {
      const roleId = roles[assignment.role.toLowerCase()] ?? assignment.role.toLowerCase();
      const assignmentName = nameBasedUuid(
        [tenantId, clientId, roleId, assignment.scope].join("|"),
      );
      const slug = assignment.role.toLowerCase().replace(/[^a-z0-9]+/g, "-");
      new azure_native.authorization.RoleAssignment(
        `${name}-${slug}-${assignmentName.slice(0, 8)}`,
        {
          roleAssignmentName: assignmentName,
          principalId: this.servicePrincipal.objectId,
          principalType: "ServicePrincipal",
          roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${roleId}`,
          scope: assignment.scope,
        },
        { parent: this, deleteBeforeReplace: true },
      );
    }

    this.registerOutputs({ objectId: this.servicePrincipal.objectId });
  }
}

/** A version 5 UUID of the lower-cased text, in the project's namespace for assignment names. */
function nameBasedUuid(text: string): string {
  const namespace = Buffer.from("6c1f4a523b2e5d0a9e470c8a1d2b7f35", "hex");
  const hash = crypto
    .createHash("sha1")
    .update(Buffer.concat([namespace, Buffer.from(text.toLowerCase())]))
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join("-");
}

let application: CrossTenantApplication | undefined;
let access: SignalRAccess | undefined;
if (side === "tenantA") {
  const provider = new azuread.Provider("tenant-a", { tenantId, environment: cloudName });
  application = new CrossTenantApplication(
    "application",
    config.requireObject<Credential[]>("credentials"),
    { providers: [provider] },
  );
} else {
  const azureadProvider = new azuread.Provider("tenant-b", { tenantId, environment: cloudName });
  const assignments = config.requireObject<Assignment[]>("assignments");
  const subscriptionId =
    config.get("subscriptionId") ??
    assignments.map((a) => /^\/subscriptions\/([^/]+)/i.exec(a.scope)?.[1]).find(Boolean);
  const armProvider = new azure_native.Provider("tenant-b-arm", {
    tenantId,
    subscriptionId,
    environment: cloudName,
  });
  access = new SignalRAccess("enterprise-application", config.require("clientId"), assignments, {
    providers: [azureadProvider, armProvider],
  });
}

export const clientId = application?.application.clientId ?? config.require("clientId");
export const objectId = application?.application.objectId ?? access?.servicePrincipal.objectId;
