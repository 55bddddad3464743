/**
 * Tenant A's half: a multitenant application and the credentials its app server signs in with.
 * Every credential depends on the application alone, so all of them are created in parallel; the
 * time resources that record when a secret's life began depend on nothing.
 */
import { Application } from "@pulumi/azuread/application.js";
import { ApplicationCertificate } from "@pulumi/azuread/applicationCertificate.js";
import { ApplicationFederatedIdentityCredential } from "@pulumi/azuread/applicationFederatedIdentityCredential.js";
import { ApplicationPassword } from "@pulumi/azuread/applicationPassword.js";
import * as pulumi from "@pulumi/pulumi";
import { Offset } from "@pulumiverse/time/offset.js";
import { Static } from "@pulumiverse/time/static.js";
import type {
  CertificateCredential,
  CredentialConfig,
  FederatedCredential,
  SecretCredential,
  SignInAudience,
} from "../lib/config.ts";
import {
  rotationPolicy,
  slotKey,
  slots,
  slotSecrets,
  type RotationPolicy,
} from "../lib/rotation.ts";

export interface CrossTenantApplicationArgs {
  /** Display name of the application, as tenant B's administrators will see it. */
  readonly displayName: string;
  /** Who may sign in. @default "AzureADMultipleOrgs" */
  readonly signInAudience?: SignInAudience;
  /** Object ids of the application's owners. @default [] */
  readonly owners?: readonly string[];
  /** At least one credential the app server proves itself with. */
  readonly credentials: readonly CredentialConfig[];
  /** Protect the application from deletion, which cuts the app server off at once. @default true */
  readonly protect?: boolean;
  /** The clock rotating secrets read to find the current period. @default the system clock */
  readonly clock?: () => Date;
}

/** A client secret as the component exposes it: the key of its value in `clientSecrets`. */
interface NamedPassword {
  readonly key: string;
  readonly password: ApplicationPassword;
}

/**
 * What the app server's operators need to know about one credential; never its secret value. A
 * rotating secret appears once per slot, named `<credential>@a` and `<credential>@b`.
 */
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
  readonly application: Application;
  readonly clientId: pulumi.Output<string>;
  readonly objectId: pulumi.Output<string>;
  readonly credentials: pulumi.Output<CredentialSummary[]>;
  /** Client secret values by credential name (`<name>@a`/`@b` when rotating); a secret output. */
  readonly clientSecrets: pulumi.Output<Record<string, string>>;

  constructor(
    name: string,
    args: CrossTenantApplicationArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("signalr-cross-tenant:tenantA:CrossTenantApplication", name, {}, opts);

    this.application = new Application(
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

    // One reading of the clock for the whole run, so every rotating secret sees the same day.
    const now = (args.clock ?? (() => new Date()))();
    const summaries: pulumi.Output<CredentialSummary>[] = [];
    const secrets: pulumi.Output<[string, string]>[] = [];
    for (const credential of args.credentials) {
      const childName = `${name}-${credential.name}`;
      switch (credential.kind) {
        case "secret": {
          const policy = rotationPolicy(credential);
          const passwords = policy
            ? this.rotatingPasswords(childName, credential.name, policy, now)
            : [{ key: credential.name, password: this.password(childName, credential) }];
          for (const { key, password } of passwords) {
            summaries.push(keySummary(key, "secret", password));
            secrets.push(password.value.apply((value): [string, string] => [key, value]));
          }
          break;
        }
        case "certificate":
          summaries.push(
            keySummary(credential.name, "certificate", this.certificate(childName, credential)),
          );
          break;
        case "managedIdentity":
        case "federated":
          this.federated(childName, credential);
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

  private certificate(name: string, credential: CertificateCredential): ApplicationCertificate {
    return new ApplicationCertificate(
      name,
      {
        applicationId: this.application.id,
        type: "AsymmetricX509Cert",
        encoding: "pem",
        value: pulumi.secret(credential.certificate),
        // The certificate's own expiry, read from the PEM: reviewers and guardrails see it even
        // when the PEM itself is a secret.
        endDate: credential.endDate,
      },
      { parent: this },
    );
  }

  private federated(name: string, credential: FederatedCredential): void {
    new ApplicationFederatedIdentityCredential(
      name,
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
  }

  /**
   * A client secret whose end date is fixed when it is created: a time offset records the moment in
   * state, so later runs never move the date, and changing the lifetime makes a new secret.
   */
  private password(name: string, credential: SecretCredential): ApplicationPassword {
    const endDate =
      credential.endDate ??
      new Offset(
        `${name}-end`,
        {
          offsetDays: credential.validDays,
          triggers: { validDays: String(credential.validDays) },
        },
        { parent: this },
      ).rfc3339;

    const password = new ApplicationPassword(
      name,
      { applicationId: this.application.id, displayName: credential.name, endDate },
      { parent: this, additionalSecretOutputs: ["value"] },
    );
    return password;
  }

  /**
   * Two client secrets that take turns being the newest, on the calendar of `lib/rotation.ts`. The
   * calendar starts on the day a time resource records when it is first created, so re-running on
   * any day of a period changes nothing; the first run of a new period gives one slot a new end
   * date, which replaces that slot's secret (the new one is created before the old, already expired
   * one is deleted). A new policy starts a new calendar, since the recorded day's triggers change.
   *
   * Limitation: the calendar advances only when `pulumi up` runs; no refresh is needed, but nothing
   * happens between runs. Run it at least every overlapDays days (daily from a scheduler is the
   * intent): the first run of a period makes its secret, and the previous one stays valid through
   * the period's first overlapDays days. After a whole period without a run, the slot that is not
   * the newest would be given an end date already past, which Entra refuses; starting a new
   * calendar (`pulumi up --replace` with the URN of the `-rotation` time resource) recovers.
   * Changing rotateEveryDays or overlapDays also starts a new calendar, which replaces both secrets
   * in one run: the app server must pick up the new ones right after that run.
   */
  private rotatingPasswords(
    name: string,
    credentialName: string,
    policy: RotationPolicy,
    now: Date,
  ): NamedPassword[] {
    const start = new Static(
      `${name}-rotation`,
      {
        triggers: {
          rotateEveryDays: String(policy.rotateEveryDays),
          overlapDays: String(policy.overlapDays),
        },
      },
      { parent: this },
    );
    const calendar = start.rfc3339.apply((startedAt) => slotSecrets(policy, startedAt, now));

    // `@` never occurs in a credential name, so these names cannot meet another credential's.
    return slots.map((slot, index) => {
      const key = slotKey(credentialName, slot);
      const password = new ApplicationPassword(
        `${name}@${slot}`,
        {
          applicationId: this.application.id,
          displayName: key,
          endDate: calendar.apply((secrets) => secrets[index].endDate),
        },
        { parent: this, additionalSecretOutputs: ["value"] },
      );
      return { key, password };
    });
  }
}

/** The summary of a credential Entra knows by key id: a client secret or a certificate. */
function keySummary(
  name: string,
  kind: "secret" | "certificate",
  credential: { keyId: pulumi.Output<string>; endDate: pulumi.Output<string> },
): pulumi.Output<CredentialSummary> {
  return pulumi
    .all([credential.keyId, credential.endDate])
    .apply(([keyId, endDate]) => ({ name, kind, keyId, endDate }));
}
