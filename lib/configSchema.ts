/**
 * The shape of every config key of both sides, as zod schemas, and the message a user reads when a
 * value does not fit: what was expected, and how to fix it.
 */
import { closest } from "fastest-levenshtein";
import { z } from "zod";
import { cloudNames } from "./clouds.ts";
import { findRole, signalrRoles } from "./roles.ts";
import { explainScope, isGuid, parseScope } from "./scopes.ts";

export const signInAudiences = [
  "AzureADMyOrg",
  "AzureADMultipleOrgs",
  "AzureADandPersonalMicrosoftAccount",
  "PersonalMicrosoftAccount",
] as const;

export type SignInAudience = (typeof signInAudiences)[number];

const urlSafeName = /^[A-Za-z0-9._~-]+$/;

const guid = (what: string) =>
  z
    .string({ error: `must be ${what}, a GUID such as 00000000-0000-0000-0000-000000000000.` })
    .refine(isGuid, {
      error: `must be ${what}, a GUID such as 00000000-0000-0000-0000-000000000000.`,
    })
    .transform((text) => text.toLowerCase());

const commonShape = {
  side: z.enum(["tenantA", "tenantB"]),
  cloud: z
    .enum(cloudNames, {
      error: `allowed: ${cloudNames.join(", ")}. Pick the cloud both tenants live in.`,
    })
    .default("public"),
  tenantId: guid(
    "the directory (tenant) id this stack deploys into (`az account show --query tenantId`)",
  ),
  protect: z
    .boolean({ error: "must be true or false; set false only to tear the stack down." })
    .default(true),
};

const credentialName = (min: number) =>
  z
    .string({ error: "must be a name for the credential." })
    .min(min, { error: `must be ${min} to 120 URL-safe characters (letters, digits, - . _ ~).` })
    .max(120, { error: `must be ${min} to 120 URL-safe characters (letters, digits, - . _ ~).` })
    .regex(urlSafeName, {
      error: `must be ${min} to 120 URL-safe characters (letters, digits, - . _ ~); rename it.`,
    });

const httpsUrl = z
  .string({ error: "must be the issuer URL, starting with https://." })
  .refine((text) => isHttpsUrl(text), {
    error:
      "must be an https:// URL; Entra accepts only https issuers. Use the issuer's https address.",
  });

const days = (what: string, max: number) =>
  z
    .number({ error: `must be a whole number of days, 1 to ${max} (${what}).` })
    .int({ error: `must be a whole number of days, 1 to ${max} (${what}).` })
    .min(1, { error: `must be 1 to ${max} days (${what}); raise it.` })
    .max(max, { error: `must be 1 to ${max} days (${what}); shorten it.` });

export function tenantASchema(now: Date) {
  const secret = z.strictObject({
    kind: z.literal("secret"),
    name: credentialName(1),
    validDays: days("the secret's lifetime", 730).optional(),
    endDate: z
      .string({ error: "must be an RFC 3339 date such as 2027-06-30T00:00:00Z." })
      .refine((text) => isRfc3339(text), {
        error: "must be an RFC 3339 date such as 2027-06-30T00:00:00Z.",
      })
      .refine((text) => withinDays(text, now, 1, 730), {
        error:
          "must be 1 to 730 days from today; Entra limits secret lifetimes. Pick a nearer date.",
      })
      .optional(),
    rotateEveryDays: days("how often a new secret is made", 730)
      .min(2, { error: "must be 2 to 730 days (how often a new secret is made); raise it." })
      .optional(),
    overlapDays: days("how long the old and new secret are both valid", 365).optional(),
  });
  const certificate = z.strictObject({
    kind: z.literal("certificate"),
    name: credentialName(1),
    certificate: z.string({ error: "must be the PEM text of the public certificate." }),
  });
  const managedIdentity = z.strictObject({
    kind: z.literal("managedIdentity"),
    name: credentialName(3),
    principalId: guid("the principal (object) id of a user-assigned managed identity in tenant A"),
    issuer: httpsUrl.optional(),
  });
  const federated = z.strictObject({
    kind: z.literal("federated"),
    name: credentialName(3),
    issuer: httpsUrl,
    subject: z
      .string({ error: "must be the subject the external issuer puts in its tokens." })
      .min(1, { error: "must not be empty; copy the `sub` claim the issuer sends." })
      .max(600, { error: "must be at most 600 characters." }),
    audience: z.string({ error: "must be a single audience string." }).min(1).optional(),
  });

  return z.strictObject({
    ...commonShape,
    side: z.literal("tenantA"),
    application: z.strictObject(
      {
        displayName: z
          .string({ error: "must be the application's display name." })
          .min(1, { error: "must not be empty." })
          .max(120, { error: "must be at most 120 characters." }),
        signInAudience: z
          .enum(signInAudiences, { error: `allowed: ${signInAudiences.join(", ")}.` })
          .default("AzureADMultipleOrgs"),
        owners: z
          .array(guid("an owner's object id"), { error: "must be a list of object ids." })
          .default([]),
      },
      { error: "must be an object with displayName, and optionally signInAudience and owners." },
    ),
    credentials: z
      .array(
        z.discriminatedUnion("kind", [secret, certificate, managedIdentity, federated], {
          error: "must be one of: secret, certificate, managedIdentity, federated.",
        }),
        { error: "must be a list of credentials." },
      )
      .min(1, {
        error:
          "must list at least one credential (secret, " +
          "certificate, managedIdentity or federated); " +
          "without one the app server cannot sign in.",
      }),
  });
}

export function tenantBSchema() {
  const assignment = z.strictObject(
    {
      role: z.string({ error: roleHelp() }).refine((text) => findRole(text) !== undefined, {
        error: roleHelp(),
      }),
      scope: z
        .string({ error: "must be an ARM id." })
        .refine((text) => parseScope(text) !== undefined, {
          error: "is not a supported scope.",
        }),
      // The name of an assignment that exists already, to adopt it as it is.
      name: guid("the name of the existing role assignment to adopt").optional(),
      // Built-in role GUIDs are the same in every cloud as far as is known; should a sovereign
      // cloud prove otherwise, its GUID for the role goes here.
      roleDefinitionId: guid("the role's definition GUID in this cloud").optional(),
    },
    {
      error:
        "each assignment must be an object with role and scope, and optionally name and " +
        "roleDefinitionId.",
    },
  );

  return z.strictObject({
    ...commonShape,
    side: z.literal("tenantB"),
    clientId: guid(
      "the application (client) id from the tenantA stack's clientId output",
    ).optional(),
    applicationStack: z
      .string({ error: "must be a stack name." })
      .regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, {
        error: "must be a fully qualified stack name, organization/project/stack.",
      })
      .optional(),
    subscriptionId: guid("the subscription id for the azure-native provider").optional(),
    tokenScope: z
      .string({ error: "must be a scope URL ending in /.default." })
      .refine((text) => isHttpsUrl(text) && text.endsWith("/.default"), {
        error:
          "must be an https:// scope ending in /.default, such as " +
          "https://signalr.azure.com/.default.",
      })
      .optional(),
    endpointSuffix: z
      .string({ error: "must be a host suffix." })
      .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, {
        error:
          "must be a host suffix such as service.signalr.net, without a scheme or dots around it.",
      })
      .optional(),
    assignments: z
      .array(assignment, { error: "must be a list of { role, scope } entries." })
      .min(1, { error: "must list at least one role assignment." }),
  });
}

export type TenantAInput = z.output<ReturnType<typeof tenantASchema>>;
export type TenantBInput = z.output<ReturnType<typeof tenantBSchema>>;

function roleHelp(): string {
  return (
    `must be one of the SignalR data-plane roles, by name or GUID: ` +
    `${signalrRoles.map((role) => role.name).join(", ")}.`
  );
}

/** Turns one zod issue into messages at the right path; scopes get their own explanation. */
export function explainIssue(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string }[] {
  const path = [...issue.path];
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: "is not a field here. Remove it, or check its spelling.",
    }));
  }
  if (
    issue.code === "custom" &&
    path[path.length - 1] === "scope" &&
    typeof issue.input === "string"
  ) {
    return [{ path, message: `is not a supported scope: ${explainScope(issue.input)}.` }];
  }
  if (
    issue.code === "custom" &&
    path[path.length - 1] === "role" &&
    typeof issue.input === "string"
  ) {
    const names = signalrRoles.map((role) => role.name);
    const suggestion = closest(issue.input, names);
    return [
      {
        path,
        message: `did you mean "${suggestion}"? A role ${roleHelp()}`,
      },
    ];
  }
  if (issue.code === "invalid_union" && issue.discriminator === "kind") {
    return [{ path, message: issue.message }];
  }
  return [{ path, message: issue.message }];
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === "https:";
  } catch {
    return false;
  }
}

/** An RFC 3339 date and time whose fields are in range (`Date.parse` rolls Feb 30 into March). */
function isRfc3339(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(
    text,
  );
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60
  );
}

function withinDays(text: string, now: Date, min: number, max: number): boolean {
  const days = (Date.parse(text) - now.getTime()) / 86_400_000;
  return !isRfc3339(text) || (days >= min && days <= max);
}
