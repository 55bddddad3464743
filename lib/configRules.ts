/**
 * Config checks that span several fields or entries (repeats, limits, combinations), which a schema
 * of single values cannot express. They run on whatever parts of the input are well formed, so a
 * stack with a malformed entry still hears about every other problem in the same run.
 */
import { checkCertificate } from "./certificates.ts";
import { secretMarker } from "./markers.ts";
import { cloudNames, cloudProfile, type CloudName } from "./clouds.ts";
import { findRole } from "./roles.ts";
import { parseScope, scopeKey } from "./scopes.ts";

export const maxFederatedCredentials = 20;
/** The longest life this project gives a client secret, in days. */
export const maxSecretLifetimeDays = 730;

export interface Problem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

type Entry = Record<string, unknown>;

export function checkTenantA(input: Entry, now: Date): Problem[] {
  const cloudName = cloudNames.includes(input.cloud as CloudName)
    ? (input.cloud as CloudName)
    : "public";
  const credentials = entries(input, "credentials");
  return [
    ...checkAudience(input.application, cloudName),
    ...repeats(
      credentials,
      (credential) => lower(credential.name),
      (index, first) => ({
        path: ["credentials", index, "name"],
        message: `repeats the name of credentials[${first}]; give each credential its own name.`,
      }),
    ),
    ...credentials.flatMap(([index, credential]) =>
      checkCredential(index, credential, cloudName, now),
    ),
    ...checkFederatedCredentials(credentials),
  ];
}

export function checkTenantB(input: Entry): Problem[] {
  const assignments = entries(input, "assignments");
  const problems = [
    ...checkPrincipal(input),
    ...repeats(assignments, assignmentKey, (index, first) => ({
      path: ["assignments", index],
      message:
        `assigns the same role at the same scope as assignments[${first}]; ` + "remove the repeat.",
    })),
  ];

  // Only when every scope is readable: a malformed one may well be the one naming a subscription.
  const scopes = assignments.map(([, entry]) => scopeOf(entry));
  const readable = scopes.length > 0 && scopes.every((scope) => scope !== undefined);
  const named = scopes.some((scope) => scope?.subscriptionId !== undefined);
  if (input.subscriptionId === undefined && readable && !named) {
    problems.push({
      path: ["subscriptionId"],
      message:
        "is required when no assignment scope names a subscription (the azure-native provider " +
        "needs one). Set any subscription id of tenant B.",
    });
  }
  return problems;
}

function checkAudience(application: unknown, cloudName: CloudName): Problem[] {
  const audience = (application as Entry | undefined)?.signInAudience;
  const path = ["application", "signInAudience"];
  if (audience === "AzureADMyOrg" || audience === "PersonalMicrosoftAccount") {
    return [
      {
        path,
        message:
          "cannot be provisioned in another tenant. Use AzureADMultipleOrgs (the default) so " +
          "tenant B can create the enterprise application.",
      },
    ];
  }
  if (
    audience === "AzureADandPersonalMicrosoftAccount" &&
    !cloudProfile(cloudName).personalAccounts
  ) {
    return [
      {
        path,
        message:
          `personal accounts are not supported in the ` +
          `${cloudName} cloud. Use AzureADMultipleOrgs.`,
      },
    ];
  }
  return [];
}

function checkCredential(
  index: number,
  credential: Entry,
  cloudName: CloudName,
  now: Date,
): Problem[] {
  const at = (field: string) => ["credentials", index, field];
  const problems: Problem[] = [];

  if (credential.kind === "secret") {
    if (credential.validDays !== undefined && credential.endDate !== undefined) {
      problems.push({
        path: at("endDate"),
        message: "cannot be given together with validDays; keep one of them.",
      });
    }
    problems.push(...checkRotation(credential, at));
  }

  // The offline plan stands `[secret]` in for a secure PEM: present, but not for it to read.
  const readable = credential.certificate !== secretMarker;
  if (credential.kind === "certificate" && typeof credential.certificate === "string" && readable) {
    const check = checkCertificate(credential.certificate, now);
    if (!check.ok) problems.push({ path: at("certificate"), message: `${check.problem}.` });
  }

  if (credential.kind === "federated" && typeof credential.audience === "string") {
    const cloud = cloudProfile(cloudName);
    const foreign = cloudNames.find(
      (name) =>
        name !== cloudName && cloudProfile(name).tokenExchangeAudience === credential.audience,
    );
    if (foreign) {
      problems.push({
        path: at("audience"),
        message:
          `is the ${foreign} cloud's token-exchange audience; this stack is in the ${cloudName} ` +
          `cloud, where it must be ${cloud.tokenExchangeAudience}. ` +
          `Remove audience to use the default.`,
      });
    }
  }
  return problems;
}

/** A rotating secret's lifetime is set by its schedule, so it takes no lifetime of its own. */
function checkRotation(credential: Entry, at: (field: string) => PropertyKey[]): Problem[] {
  const { rotateEveryDays, overlapDays } = credential;
  if (rotateEveryDays === undefined) {
    return overlapDays === undefined
      ? []
      : [
          {
            path: at("overlapDays"),
            message:
              "only applies with rotateEveryDays; add rotateEveryDays, or remove overlapDays.",
          },
        ];
  }

  const problems: Problem[] = [];
  for (const field of ["validDays", "endDate"]) {
    if (credential[field] !== undefined) {
      problems.push({
        path: at(field),
        message:
          "cannot be given together with rotateEveryDays: a rotating secret's end date follows " +
          "from rotateEveryDays and overlapDays. Remove it.",
      });
    }
  }
  if (typeof rotateEveryDays !== "number" || typeof overlapDays !== "number") return problems;
  if (overlapDays >= rotateEveryDays) {
    problems.push({
      path: at("overlapDays"),
      message: `must be less than rotateEveryDays (${rotateEveryDays}); shorten the overlap.`,
    });
  } else if (rotateEveryDays + overlapDays + 1 > maxSecretLifetimeDays) {
    problems.push({
      path: at("rotateEveryDays"),
      message:
        `with overlapDays ${overlapDays} gives secrets up to ` +
        `${rotateEveryDays + overlapDays + 1} ` +
        `days of life; Entra allows ${maxSecretLifetimeDays}. Rotate more often.`,
    });
  }
  return problems;
}

function checkFederatedCredentials(credentials: [number, Entry][]): Problem[] {
  const federated = credentials.filter(
    ([, credential]) => credential.kind === "managedIdentity" || credential.kind === "federated",
  );
  const problems = repeats(federated, trustKey, (index, first) => ({
    path: ["credentials", index],
    message:
      `trusts the same issuer and subject as credentials[${first}]; an application takes each ` +
      "pair once. Remove one.",
  }));

  if (federated.length > maxFederatedCredentials) {
    problems.push({
      path: ["credentials"],
      message:
        `holds ${federated.length} federated credentials (managedIdentity and federated); an ` +
        `application takes at most ${maxFederatedCredentials}. Remove some, or register a second ` +
        "application.",
    });
  }
  return problems;
}

function checkPrincipal(input: Entry): Problem[] {
  const hasClientId = input.clientId !== undefined;
  if (hasClientId && input.applicationStack !== undefined) {
    return [
      {
        path: ["applicationStack"],
        message:
          "cannot be given together with clientId; keep clientId, or applicationStack to read " +
          "it from the tenantA stack.",
      },
    ];
  }
  if (!hasClientId && input.applicationStack === undefined) {
    return [
      {
        path: ["clientId"],
        message:
          "is required: set the application's client id (the tenantA stack's clientId output), " +
          "or applicationStack to the tenantA stack's name (organization/project/stack).",
      },
    ];
  }
  return [];
}

/**
 * Why the tenant-A stack named by `applicationStack` cannot serve this tenant-B stack, if it
 * cannot: federation and consent do not cross clouds.
 */
export function referencedStackProblem(
  stackName: string,
  referencedCloud: unknown,
  cloud: string,
): string | undefined {
  if (referencedCloud === cloud) return undefined;
  return (
    `signalr-cross-tenant:applicationStack: ${stackName} deploys to the ` +
    `${String(referencedCloud)} ` +
    `cloud and this stack to the ${cloud} cloud; federation and consent do not cross clouds. ` +
    "Point applicationStack at a stack of the same cloud."
  );
}

/** The entries of a list-valued key that are objects, with their positions. */
function entries(input: Entry, key: string): [number, Entry][] {
  const list = input[key];
  if (!Array.isArray(list)) return [];
  return list.flatMap((item, index): [number, Entry][] =>
    item !== null && typeof item === "object" ? [[index, item as Entry]] : [],
  );
}

/**
 * A problem for every entry whose key repeats an earlier entry's; entries without a key are
 * skipped.
 */
function repeats(
  list: [number, Entry][],
  keyOf: (entry: Entry) => string | undefined,
  problem: (index: number, first: number) => Problem,
): Problem[] {
  const firstSeen = new Map<string, number>();
  const problems: Problem[] = [];
  for (const [index, entry] of list) {
    const key = keyOf(entry);
    if (key === undefined) continue;
    const first = firstSeen.get(key);
    if (first === undefined) firstSeen.set(key, index);
    else problems.push(problem(index, first));
  }
  return problems;
}

function lower(value: unknown): string | undefined {
  return typeof value === "string" ? value.toLowerCase() : undefined;
}

function trustKey(credential: Entry): string | undefined {
  const subject = credential.kind === "federated" ? credential.subject : credential.principalId;
  const issuer =
    credential.kind === "federated" ? credential.issuer : (credential.issuer ?? "managed identity");
  if (typeof issuer !== "string" || typeof subject !== "string") return undefined;
  return `${issuer}|${subject}`.toLowerCase();
}

function scopeOf(entry: Entry) {
  return typeof entry.scope === "string" ? parseScope(entry.scope) : undefined;
}

function assignmentKey(entry: Entry): string | undefined {
  const role = typeof entry.role === "string" ? findRole(entry.role) : undefined;
  const scope = scopeOf(entry);
  return role && scope ? `${role.id}|${scopeKey(scope)}` : undefined;
}
