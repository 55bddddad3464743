/**
 * Tenant A's half: a multitenant application and the credentials its app server signs in with. Every
 * credential depends on the application alone, so all of them are created in parallel.
 */
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import type { CredentialConfig, SecretCredential, SignInAudience } from "../lib/config.ts";

export interface CrossTenantApplicationArgs {
  /** Display name of the application, as tenant B's administrators will see it. */
  readonly displayName: string;
  /** Who may sign in. @default "AzureADMultipleOrgs" */
  readonly signInAudience?: SignInAudience;
  /** Object ids of the application's owners. @default [] */
  readonly owners?: readonly string[];
  /** At least one credential the app server proves itself with. */
  readonly credentials: readonly CredentialConfig[];
  /** Guard the application against deletion, which cuts the app server off at once. @default true */
  readonly protect?: boolean;
}

/** What the app server's operators need to know about one credential; never its secret value. */
export type CredentialSummary =
  | { name: string; kind: "secret" | "certificate"; keyId: string; endDate: string }
  | {
      name: string;
      kind: "managedIdentity" | "federated";
      issuer: string;
      subject: string;
      audiences: string[];
    };

export class CrossTenantApplication extends pulumi.ComponentResource {
  readonly application: azuread.Application;
  readonly clientId: pulumi.Output<string>;
  readonly objectId: pulumi.Output<string>;
  readonly credentials: pulumi.Output<CredentialSummary[]>;
  /** Client secret values by credential name; a secret output. */
  readonly clientSecrets: pulumi.Output<Record<string, string>>;

  constructor(
    name: string,
    args: CrossTenantApplicationArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("signalr-cross-tenant:tenantA:CrossTenantApplication", name, {}, opts);

    this.application = new azuread.Application(
      name,
      {
        displayName: args.displayName,
        signInAudience: args.signInAudience ?? "AzureADMultipleOrgs",
        owners: args.owners && args.owners.length > 0 ? [...args.owners] : undefined,
      },
      { parent: this, protect: args.protect ?? true },
    );
    this.clientId = this.application.clientId;
    this.objectId = this.application.objectId;

    const summaries: pulumi.Output<CredentialSummary>[] = [];
    const secrets: pulumi.Output<[string, string]>[] = [];
    for (const credential of args.credentials) {
      const childName = `${name}-${credential.name}`;
      switch (credential.kind) {
        case "secret": {
          const password = this.password(childName, credential);
          summaries.push(
            pulumi.all([password.keyId, password.endDate]).apply(([keyId, endDate]) => ({
              name: credential.name,
              kind: "secret" as const,
              keyId,
              endDate,
            })),
          );
          secrets.push(password.value.apply((value): [string, string] => [credential.name, value]));
          break;
        }
        case "certificate": {
          const certificate = new azuread.ApplicationCertificate(
            childName,
            {
              applicationId: this.application.id,
              type: "AsymmetricX509Cert",
              encoding: "pem",
              value: pulumi.secret(credential.certificate),
            },
            { parent: this },
          );
          summaries.push(
            pulumi.all([certificate.keyId, certificate.endDate]).apply(([keyId, endDate]) => ({
              name: credential.name,
              kind: "certificate" as const,
              keyId,
              endDate,
            })),
          );
          break;
        }
        case "managedIdentity":
        case "federated": {
          new azuread.ApplicationFederatedIdentityCredential(
            childName,
            {
              applicationId: this.application.id,
              displayName: credential.name,
              description:
                credential.kind === "managedIdentity"
                  ? `User-assigned managed identity ${credential.subject} of the home tenant`
                  : undefined,
              issuer: credential.issuer,
              subject: credential.subject,
              audiences: [credential.audience],
            },
            { parent: this },
          );
          summaries.push(
            pulumi.output({
              name: credential.name,
              kind: credential.kind,
              issuer: credential.issuer,
              subject: credential.subject,
              audiences: [credential.audience],
            }),
          );
          break;
        }
      }
    }

    this.credentials = pulumi.all(summaries);
    this.clientSecrets = pulumi.secret(
      pulumi.all(secrets).apply((pairs) => Object.fromEntries(pairs)),
    );
    this.registerOutputs({
      clientId: this.clientId,
      objectId: this.objectId,
      credentials: this.credentials,
      clientSecrets: this.clientSecrets,
    });
  }

  /**
   * A client secret whose end date is fixed when it is created: a time offset records the moment in
   * state, so later runs never move the date, and changing the lifetime makes a new secret.
   */
  private password(name: string, credential: SecretCredential): azuread.ApplicationPassword {
    const endDate =
      credential.endDate ??
      new time.Offset(
        `${name}-end`,
        {
          offsetDays: credential.validDays,
          triggers: { validDays: String(credential.validDays) },
        },
        { parent: this },
      ).rfc3339;

    const password = new azuread.ApplicationPassword(
      name,
      { applicationId: this.application.id, displayName: credential.name, endDate },
      { parent: this, additionalSecretOutputs: ["value"] },
    );
    return password;
  }
}
