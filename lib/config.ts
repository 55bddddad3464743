/**
 * Reads a stack's config (namespace `signalr-cross-tenant`) into a checked, fully resolved description
 * of what the stack deploys. Every problem is collected and reported at once, each naming the key, the
 * value received, what is allowed and how to fix it, before the program registers any resource.
 * Pure: no Pulumi runtime, no clock of its own, no network.
 */
import { closest } from "fastest-levenshtein";
import { z } from "zod";
import { checkCertificate } from "./certificates.ts";
import { cloudNames, cloudProfile, managedIdentityIssuer, type CloudProfile } from "./clouds.ts";
import { roleAssignmentName } from "./naming.ts";
import {
  findRole,
  isServiceOwner,
  roleDefinitionId,
  signalrRoles,
  type SignalRRole,
} from "./roles.ts";
import { explainScope, parseScope, scopeBreadth, scopeKey, type Scope } from "./scopes.ts";

export const namespace = "signalr-cross-tenant";

export const signInAudiences = [
  "AzureADMyOrg",
  "AzureADMultipleOrgs",
  "AzureADandPersonalMicrosoftAccount",
  "PersonalMicrosoftAccount",
] as const;

export type SignInAudience = (typeof signInAudiences)[number];

export const maxFederatedCredentials = 20;
export const defaultSecretDays = 180;

export interface SecretCredential {
  readonly kind: "secret";
  readonly name: string;
  /** Lifetime in days, counted from creation; absent when `endDate` is given. */
  readonly validDays?: number;
  readonly endDate?: string;
  readonly rotateEveryDays?: number;
  readonly overlapDays?: number;
}

export interface CertificateCredential {
  readonly kind: "certificate";
  readonly name: string;
  /** PEM of the public certificate. */
  readonly certificate: string;
  /** The certificate's own expiry. */
  readonly endDate: string;
}

export interface FederatedCredential {
  readonly kind: "managedIdentity" | "federated";
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
  readonly audience: string;
}

export type CredentialConfig = SecretCredential | CertificateCredential | FederatedCredential;

interface CommonConfig {
  readonly cloud: CloudProfile;
  /** Directory id of the tenant this stack deploys into. */
  readonly tenantId: string;
  /** Protect the application or enterprise application from deletion. */
  readonly protect: boolean;
}

export interface TenantAConfig extends CommonConfig {
  readonly side: "tenantA";
  readonly application: {
    readonly displayName: string;
    readonly signInAudience: SignInAudience;
    readonly owners: readonly string[];
  };
  readonly credentials: readonly CredentialConfig[];
}

export interface AssignmentConfig {
  readonly role: SignalRRole;
  readonly roleDefinitionId: string;
  readonly scope: Scope;
  /** The assignment's ARM name, a GUID derived from tenant, principal, role and scope. */
  readonly name: string;
}

export interface TenantBConfig extends CommonConfig {
  readonly side: "tenantB";
  /** Where the application's client id comes from. */
  readonly principal: { readonly clientId: string } | { readonly applicationStack: string };
  readonly subscriptionId: string;
  readonly assignments: readonly AssignmentConfig[];
}

export type StackConfig = TenantAConfig | TenantBConfig;

export interface ConfigIssue {
  /** Full config key with a path into structured values, e.g. `signalr-cross-tenant:credentials[0].name`. */
  readonly key: string;
  readonly message: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: StackConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

export interface ParseOptions {
  /** Whether a full config key holds a secure value, whose content must never appear in a message. */
  readonly isSecret?: (key: string) => boolean;
  /** The moment lifetimes and certificate expiry are checked against. */
  readonly now: Date;
}

/** The keys each side reads; keys of the other side are reported as misplaced. */
const commonKeys = ["side", "cloud", "tenantId", "protect"];
const sideKeys = {
  tenantA: ["application", "credentials"],
  tenantB: [
    "clientId",
    "applicationStack",
    "assignments",
    "subscriptionId",
    "tokenScope",
    "endpointSuffix",
  ],
} as const;
/** Keys holding YAML objects or lists, which Pulumi hands over as JSON text. */
const structuredKeys = new Set(["application", "credentials", "assignments"]);

type Side = keyof typeof sideKeys;

/**
 * Parses the raw config map Pulumi gives a program (`"signalr-cross-tenant:side" -> "tenantA"`,
 * structured values as JSON text). Keys of other namespaces are ignored.
 */
export function parseStackConfig(raw: Record<string, string>, options: ParseOptions): ConfigResult {
  const isSecret = options.isSecret ?? (() => false);
  const issues: ConfigIssue[] = [];
  const report = (key: string, value: unknown, message: string) =>
    issues.push({ key: fullKey(key), message: describe(key, value, message, isSecret) });

  const values = new Map<string, unknown>();
  for (const [key, text] of Object.entries(raw)) {
    if (!key.startsWith(`${namespace}:`)) continue;
    const name = key.slice(namespace.length + 1);
    values.set(name, decode(name, text, report));
  }

  const sideValue = values.get("side");
  const side = sideValue === "tenantA" || sideValue === "tenantB" ? (sideValue as Side) : undefined;
  if (side === undefined) {
    report(
      "side",
      sideValue,
      "allowed: tenantA (the application's home tenant) or tenantB (the SignalR resource's tenant). " +
        `Set it with \`pulumi config set ${namespace}:side tenantA\` (or tenantB).`,
    );
  }
  reportUnknownKeys(values, side, report);
  if (side === undefined) return { ok: false, issues };

  const input = Object.fromEntries(values);
  const schema = side === "tenantA" ? tenantASchema(options.now) : tenantBSchema();
  const parsed = schema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys" && issue.path.length === 0) continue;
      for (const { path, message } of explainIssue(issue)) {
        report(pathKey(path), valueAt(input, path), message);
      }
    }
  }

  const crossIssues = side === "tenantA" ? checkTenantA(input, options.now) : checkTenantB(input);
  for (const { path, message } of crossIssues) report(pathKey(path), valueAt(input, path), message);

  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  return side === "tenantA"
    ? { ok: true, config: resolveTenantA(parsed.data as TenantAInput, options.now), warnings: [] }
    : resolveTenantB(parsed.data as TenantBInput);
}

/** One message for a failed parse: every issue on its own line, under a heading a user can act on. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  const lines = issues.map((issue) => `  - ${issue.message}`);
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return [`Stack config has ${count}; nothing was created:`, ...lines].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Reading raw values

type Report = (key: string, value: unknown, message: string) => void;

function decode(name: string, text: string, report: Report): unknown {
  if (name === "protect") {
    if (text === "true" || text === "false") return text === "true";
    return text;
  }
  if (!structuredKeys.has(name)) return text;
  try {
    return JSON.parse(text);
  } catch {
    report(name, text, "must be a YAML object or list under the key, not a single string.");
    return undefined;
  }
}

function reportUnknownKeys(values: Map<string, unknown>, side: Side | undefined, report: Report) {
  const allowed = side
    ? [...commonKeys, ...sideKeys[side]]
    : [...commonKeys, ...sideKeys.tenantA, ...sideKeys.tenantB];
  for (const [name, value] of values) {
    if (allowed.includes(name)) continue;
    const other = side === "tenantA" ? "tenantB" : "tenantA";
    if (side && (sideKeys[other] as readonly string[]).includes(name)) {
      report(
        name,
        value,
        `belongs to ${other} stacks, and this stack's side is ${side}. Remove it here.`,
      );
    } else {
      const suggestion = closest(name, allowed);
      report(
        name,
        value,
        `not a config key of this project; did you mean ${fullKey(suggestion)}? ` +
          `Known keys: ${allowed.join(", ")}.`,
      );
    }
  }
}

function fullKey(key: string): string {
  return `${namespace}:${key}`;
}

function pathKey(path: readonly PropertyKey[]): string {
  return path.reduce<string>((key, part) => {
    if (typeof part === "number") return `${key}[${part}]`;
    return key === "" ? String(part) : `${key}.${String(part)}`;
  }, "");
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function describe(
  key: string,
  value: unknown,
  message: string,
  isSecret: (key: string) => boolean,
) {
  const topKey = fullKey(key.split(/[.[]/)[0]);
  const secret = isSecret(topKey) || /certificate$/.test(key);
  const received = value === undefined ? "not set" : `got ${secret ? "[secret]" : render(value)}`;
  return `${fullKey(key)}: ${received}; ${message}`;
}

function render(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// ---------------------------------------------------------------------------------------------
// Schemas: the shape of each key, and the message a user sees when a value does not fit

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const urlSafeName = /^[A-Za-z0-9._~-]+$/;

const guid = (what: string) =>
  z
    .string({ error: `must be ${what}, a GUID such as 00000000-0000-0000-0000-000000000000.` })
    .regex(guidPattern, {
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

function tenantASchema(now: Date) {
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
    rotateEveryDays: days("how often a new secret is made", 730).optional(),
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
          error: "kind must be one of: secret, certificate, managedIdentity, federated.",
        }),
        { error: "must be a list of credentials." },
      )
      .min(1, {
        error:
          "must list at least one credential (secret, certificate, managedIdentity or federated); " +
          "without one the app server cannot sign in.",
      }),
  });
}

function tenantBSchema() {
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
    },
    { error: "each assignment must be an object with role and scope." },
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
          "must be an https:// scope ending in /.default, such as https://signalr.azure.com/.default.",
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

type TenantAInput = z.output<ReturnType<typeof tenantASchema>>;
type TenantBInput = z.output<ReturnType<typeof tenantBSchema>>;

function roleHelp(): string {
  return (
    `must be one of the SignalR data-plane roles, by name or GUID: ` +
    `${signalrRoles.map((role) => role.name).join(", ")}.`
  );
}

/** Turns one zod issue into messages at the right path; scopes get their own explanation. */
function explainIssue(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string }[] {
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

function isRfc3339(text: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) &&
    !isNaN(Date.parse(text))
  );
}

function withinDays(text: string, now: Date, min: number, max: number): boolean {
  const days = (Date.parse(text) - now.getTime()) / 86_400_000;
  return !isRfc3339(text) || (days >= min && days <= max);
}

// ---------------------------------------------------------------------------------------------
// Checks across fields, run on whatever parts of the input are well formed

type Problem = { path: PropertyKey[]; message: string };

function entries(input: Record<string, unknown>, key: string): [number, Record<string, unknown>][] {
  const list = input[key];
  if (!Array.isArray(list)) return [];
  return list.flatMap((item, index) =>
    item !== null && typeof item === "object" ? [[index, item as Record<string, unknown>]] : [],
  );
}

function checkTenantA(input: Record<string, unknown>, now: Date): Problem[] {
  const problems: Problem[] = [];
  const cloud = cloudProfile(
    cloudNames.includes(input.cloud as never) ? (input.cloud as never) : "public",
  );

  const audience = (input.application as Record<string, unknown> | undefined)?.signInAudience;
  if (audience === "AzureADMyOrg" || audience === "PersonalMicrosoftAccount") {
    problems.push({
      path: ["application", "signInAudience"],
      message:
        "cannot be provisioned in another tenant. Use AzureADMultipleOrgs (the default) so tenant B " +
        "can create the enterprise application.",
    });
  } else if (audience === "AzureADandPersonalMicrosoftAccount" && !cloud.personalAccounts) {
    problems.push({
      path: ["application", "signInAudience"],
      message: `personal accounts are not supported in the ${cloud.name} cloud. Use AzureADMultipleOrgs.`,
    });
  }

  const credentials = entries(input, "credentials");
  const names = new Map<string, number>();
  const federatedPairs = new Map<string, number>();
  let federatedCount = 0;
  for (const [index, credential] of credentials) {
    if (typeof credential.name === "string") {
      const key = credential.name.toLowerCase();
      const first = names.get(key);
      if (first !== undefined) {
        problems.push({
          path: ["credentials", index, "name"],
          message: `repeats the name of credentials[${first}]; give each credential its own name.`,
        });
      } else {
        names.set(key, index);
      }
    }

    if (
      credential.kind === "secret" &&
      credential.validDays !== undefined &&
      credential.endDate !== undefined
    ) {
      problems.push({
        path: ["credentials", index, "endDate"],
        message: "cannot be given together with validDays; keep one of them.",
      });
    }
    if (
      credential.kind === "secret" &&
      typeof credential.rotateEveryDays === "number" &&
      typeof credential.overlapDays === "number" &&
      credential.overlapDays >= credential.rotateEveryDays
    ) {
      problems.push({
        path: ["credentials", index, "overlapDays"],
        message: `must be less than rotateEveryDays (${credential.rotateEveryDays}); shorten the overlap.`,
      });
    }
    if (credential.kind === "certificate" && typeof credential.certificate === "string") {
      const check = checkCertificate(credential.certificate, now);
      if (!check.ok)
        problems.push({
          path: ["credentials", index, "certificate"],
          message: `${check.problem}.`,
        });
    }

    if (credential.kind === "managedIdentity" || credential.kind === "federated") {
      federatedCount += 1;
      const foreign = Object.values(cloudNames)
        .map((name) => cloudProfile(name))
        .find(
          (other) =>
            other.name !== cloud.name && other.tokenExchangeAudience === credential.audience,
        );
      if (foreign) {
        problems.push({
          path: ["credentials", index, "audience"],
          message:
            `is the ${foreign.name} cloud's token-exchange audience; this stack is in the ${cloud.name} ` +
            `cloud, where it must be ${cloud.tokenExchangeAudience}. Remove audience to use the default.`,
        });
      }
      const issuer =
        credential.kind === "federated"
          ? credential.issuer
          : (credential.issuer ?? "(managed identity)");
      const subject = credential.kind === "federated" ? credential.subject : credential.principalId;
      if (typeof issuer === "string" && typeof subject === "string") {
        const pair = `${issuer}|${subject}`.toLowerCase();
        const first = federatedPairs.get(pair);
        if (first !== undefined) {
          problems.push({
            path: ["credentials", index],
            message: `trusts the same issuer and subject as credentials[${first}]; Entra allows one. Remove one.`,
          });
        } else {
          federatedPairs.set(pair, index);
        }
      }
    }
  }

  if (federatedCount > maxFederatedCredentials) {
    problems.push({
      path: ["credentials"],
      message:
        `holds ${federatedCount} federated credentials (managedIdentity and federated); an application ` +
        `takes at most ${maxFederatedCredentials}. Remove some, or register a second application.`,
    });
  }
  return problems;
}

function checkTenantB(input: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];

  const hasClientId = input.clientId !== undefined;
  const hasStack = input.applicationStack !== undefined;
  if (hasClientId === hasStack) {
    problems.push({
      path: [hasClientId ? "applicationStack" : "clientId"],
      message: hasClientId
        ? "cannot be given together with clientId; keep clientId, or applicationStack to read it from the tenantA stack."
        : "is required: set the application's client id (the tenantA stack's clientId output), " +
          "or applicationStack to the tenantA stack's name (organization/project/stack).",
    });
  }

  const seen = new Map<string, number>();
  let subscription: string | undefined;
  for (const [index, entry] of entries(input, "assignments")) {
    const role = typeof entry.role === "string" ? findRole(entry.role) : undefined;
    const scope = typeof entry.scope === "string" ? parseScope(entry.scope) : undefined;
    subscription ??= scope?.subscriptionId;
    if (!role || !scope) continue;

    const key = `${role.id}|${scopeKey(scope)}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({
        path: ["assignments", index],
        message: `assigns ${role.name} at the same scope as assignments[${first}]; remove the repeat.`,
      });
    } else {
      seen.set(key, index);
    }
  }

  if (
    input.subscriptionId === undefined &&
    subscription === undefined &&
    entries(input, "assignments").length > 0
  ) {
    problems.push({
      path: ["subscriptionId"],
      message:
        "is required when no assignment scope names a subscription (the azure-native provider needs " +
        "one). Set any subscription id of tenant B.",
    });
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Resolving checked input into what the stacks deploy

function resolveTenantA(input: TenantAInput, now: Date): TenantAConfig {
  const cloud = cloudProfile(input.cloud);
  const credentials = input.credentials.map((credential): CredentialConfig => {
    switch (credential.kind) {
      case "secret":
        return {
          ...credential,
          validDays:
            credential.endDate === undefined
              ? (credential.validDays ?? defaultSecretDays)
              : undefined,
        };
      case "certificate": {
        const check = checkCertificate(credential.certificate, now);
        return { ...credential, endDate: check.ok ? check.endDate : "" };
      }
      case "managedIdentity":
        return {
          kind: "managedIdentity",
          name: credential.name,
          issuer: credential.issuer ?? managedIdentityIssuer(cloud, input.tenantId),
          subject: credential.principalId,
          audience: cloud.tokenExchangeAudience,
        };
      case "federated":
        return { ...credential, audience: credential.audience ?? cloud.tokenExchangeAudience };
    }
  });

  return {
    side: "tenantA",
    cloud,
    tenantId: input.tenantId,
    protect: input.protect,
    application: input.application,
    credentials,
  };
}

function resolveTenantB(input: TenantBInput): ConfigResult {
  const cloud: CloudProfile = {
    ...cloudProfile(input.cloud),
    ...(input.tokenScope && { signalrTokenScope: input.tokenScope }),
    ...(input.endpointSuffix && { signalrHostSuffix: input.endpointSuffix }),
  };
  const principalKey = input.clientId ?? input.applicationStack!;
  const principal = input.clientId
    ? { clientId: input.clientId }
    : { applicationStack: principalKey };

  const assignments = input.assignments.map(
    ({ role: roleText, scope: scopeText }): AssignmentConfig => {
      const role = findRole(roleText)!;
      const scope = parseScope(scopeText)!;
      const name = roleAssignmentName({
        tenantId: input.tenantId,
        principal: principalKey,
        roleId: role.id,
        scope: scope.id,
      });
      return { role, roleDefinitionId: roleDefinitionId(role), scope, name };
    },
  );

  const warnings = assignments.flatMap(({ role, scope }) => {
    const where = `${role.name} at ${scope.id}`;
    const found: string[] = [];
    if (scope.kind === "managementGroup") {
      found.push(
        `${where}: data-plane roles at management-group scope can take hours to apply; ` +
          "assign at the subscription or below when the app server needs access soon.",
      );
    }
    if (isServiceOwner(role) && scopeBreadth[scope.kind] > scopeBreadth.resourceGroup) {
      found.push(
        `${where}: Service Owner grants every SignalR data action on every SignalR resource below this ` +
          "scope; prefer SignalR App Server, or a resource group or single resource.",
      );
    }
    return found;
  });

  const subscriptionId =
    input.subscriptionId ??
    assignments.find(({ scope }) => scope.subscriptionId)!.scope.subscriptionId!;

  return {
    ok: true,
    config: {
      side: "tenantB",
      cloud,
      tenantId: input.tenantId,
      protect: input.protect,
      principal,
      subscriptionId,
      assignments,
    },
    warnings,
  };
}
