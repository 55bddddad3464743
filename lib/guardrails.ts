/**
 * Least-privilege guardrails: the mistakes that deploy cleanly and fail later, or grant far more than
 * the app server needs (an owner role on a whole subscription, a role that takes hours to apply, a
 * long-lived secret, a federated credential of another cloud), written as plain rules over resource
 * inputs. The CrossGuard pack in `policy/` and the offline plan call the same rules; nothing here needs
 * the Pulumi runtime or a package outside Node.js, so the pack loads it as it is.
 */
import { X509Certificate } from "node:crypto";
import { cloudNames, cloudProfile, type CloudName, type CloudProfile } from "./clouds.ts";
import {
  isRestApiOwner,
  isServiceOwner,
  roleFromDefinitionId,
  signalrRoles,
  type SignalRRole,
} from "./roles.ts";
import { parseScope, scopeBreadth, scopeKey, type ScopeKind } from "./scopes.ts";

/** What a resource input holds when its value is known only after apply (as `tools/evaluate.ts` writes it). */
export const unknownValue = "[known after apply]";
/** What a secret input holds in an offline evaluation, where its value is never copied. */
export const hiddenValue = "[secret]";

export const enforcementLevels = ["mandatory", "advisory", "disabled"] as const;

export type EnforcementLevel = (typeof enforcementLevels)[number];

/**
 * A resource as a rule sees it: its type token, name and inputs, as `tools/evaluate.ts` records them
 * and as the policy SDK hands them over (`args.type`, `args.name`, `args.props`).
 */
export interface GuardedResource {
  /** Pulumi type token, e.g. `azure-native:authorization:RoleAssignment`. */
  readonly type: string;
  readonly name: string;
  /** Inputs as plain data; a value known only after apply is `[known after apply]`. */
  readonly inputs: Record<string, unknown>;
  /** Names of the resources this one's inputs come from. */
  readonly dependsOn?: readonly string[];
  /** `provider` names the explicit provider resource this one is deployed with. */
  readonly options?: { readonly provider?: string };
}

/** What a rule may look up beyond the resource it checks. */
export interface ResourceView {
  /** The resources `resource`'s inputs come from; empty where they cannot be seen. */
  sources(resource: GuardedResource): readonly GuardedResource[];
  /** The provider resource `resource` is deployed with, when it is known. */
  provider(resource: GuardedResource): GuardedResource | undefined;
}

export interface Finding {
  /** The resource in violation. */
  readonly subject: GuardedResource;
  readonly message: string;
  readonly fix: string;
}

export interface Violation {
  /** The rule's id, which is also its policy name in the pack. */
  readonly rule: string;
  readonly level: Exclude<EnforcementLevel, "disabled">;
  /** Name of the resource in violation. */
  readonly resource: string;
  /** Its type token. */
  readonly type: string;
  readonly message: string;
  readonly fix: string;
}

/** Option values a rule is checked with, its configured ones over the defaults. */
export interface RuleSettings {
  /** Cloud of resources whose azuread provider names no environment. @default "public" */
  readonly cloud: CloudName;
  /** Subscription or management group ids where the two owner roles may be assigned. @default [] */
  readonly allowBroadOwnerScopes: readonly string[];
  /** Role definition GUIDs that role assignments may use besides the SignalR ones. @default [] */
  readonly additionalRoleIds: readonly string[];
  /** Longest a client secret may stay valid, in days from now. @default 180 */
  readonly maxSecretDays: number;
  /** Longest a certificate credential may stay valid, in days from now. @default 365 */
  readonly maxCertificateDays: number;
  /** The moment lifetimes are measured from. */
  readonly now: Date;
}

export type OptionName = Exclude<keyof RuleSettings, "now">;

/** JSON schema of one option, the subset CrossGuard config schemas use here. */
export interface OptionSchema {
  readonly type: "string" | "integer" | "array";
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly items?: { readonly type: "string"; readonly pattern?: string };
}

export interface OptionSpec<T> {
  readonly default: T;
  readonly description: string;
  readonly schema: OptionSchema;
  /** The value as the rule uses it, or `undefined` when it is not allowed. */
  readonly read: (value: unknown) => T | undefined;
  /** What is allowed, for messages. */
  readonly allowed: string;
}

export interface Rule {
  /** Also the policy's name in the pack and the key of its policy config. */
  readonly id: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly options: readonly OptionName[];
  /** Checks one resource. */
  readonly check?: (
    resource: GuardedResource,
    view: ResourceView,
    settings: RuleSettings,
  ) => Finding[];
  /**
   * Whether `check` needs the resources `resource`'s inputs come from to judge it. The pack then
   * judges it at the end of the stack, the only place the policy SDK shows them.
   */
  readonly needsSources?: (resource: GuardedResource) => boolean;
  /** Checks the stack as a whole. */
  readonly checkStack?: (
    resources: readonly GuardedResource[],
    view: ResourceView,
    settings: RuleSettings,
  ) => Finding[];
}

// ---------------------------------------------------------------------------------------------
// Options

const guidText = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

const stringList = (value: unknown): readonly string[] | undefined =>
  Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;

const wholeDays = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) && value >= 1 ? value : undefined;

export const optionSpecs: { readonly [K in OptionName]: OptionSpec<RuleSettings[K]> } = {
  cloud: {
    default: "public",
    description:
      "Cloud of resources whose azuread provider names no environment: public, china or usgovernment.",
    schema: { type: "string", enum: cloudNames },
    read: (value) => cloudNames.find((name) => name === value),
    allowed: `one of ${cloudNames.join(", ")}`,
  },
  allowBroadOwnerScopes: {
    default: [],
    description:
      "ARM ids of subscriptions or management groups where SignalR Service Owner and SignalR REST " +
      "API Owner may be assigned.",
    schema: { type: "array", items: { type: "string" } },
    read: stringList,
    allowed: 'a list of ARM ids, e.g. ["/subscriptions/<subscription id>"]',
  },
  additionalRoleIds: {
    default: [],
    description:
      "Role definition GUIDs that role assignments may use besides the four SignalR data-plane roles.",
    schema: { type: "array", items: { type: "string", pattern: `^${guidText}$` } },
    read: (value) => {
      const list = stringList(value);
      return list?.every((id) => new RegExp(`^${guidText}$`).test(id)) ? list : undefined;
    },
    allowed: "a list of role definition GUIDs",
  },
  maxSecretDays: {
    default: 180,
    description: "Longest a client secret may stay valid, in days from now.",
    schema: { type: "integer", minimum: 1 },
    read: wholeDays,
    allowed: "a whole number of days, 1 or more",
  },
  maxCertificateDays: {
    default: 365,
    description: "Longest a certificate credential may stay valid, in days from now.",
    schema: { type: "integer", minimum: 1 },
    read: wholeDays,
    allowed: "a whole number of days, 1 or more",
  },
};

/** Config of the pack or the plan that cannot be used; `problems` lists every one. */
export class GuardrailConfigError extends Error {
  override readonly name = "GuardrailConfigError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super([`Guardrail policy config has ${count}:`, ...problems.map((p) => `  - ${p}`)].join("\n"));
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading inputs

const roleAssignmentType = /^azure-native:authorization(\/v[0-9a-z]+)?:RoleAssignment$/;
const applicationTypes = [
  "azuread:index/application:Application",
  "azuread:index/applicationRegistration:ApplicationRegistration",
];
const passwordType = "azuread:index/applicationPassword:ApplicationPassword";
const certificateType = "azuread:index/applicationCertificate:ApplicationCertificate";
const federatedType =
  "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential";
const offsetType = "time:index/offset:Offset";
const azureadProviderType = "pulumi:providers:azuread";

const dayMs = 86_400_000;

/** A string input whose value is known here. */
function known(value: unknown): string | undefined {
  return typeof value === "string" && value !== unknownValue && value !== hiddenValue
    ? value
    : undefined;
}

/** The azuread provider's `environment` values (and aliases) by the cloud they stand for. */
const environments: Record<string, CloudName> = {
  public: "public",
  global: "public",
  china: "china",
  usgovernment: "usgovernment",
  usgovernmentl4: "usgovernment",
  usgovernmentl5: "usgovernment",
  dod: "usgovernment",
};

/** The cloud of a resource: its azuread provider's environment, else the configured cloud. */
function cloudOf(resource: GuardedResource, view: ResourceView, settings: RuleSettings) {
  const provider = view.provider(resource);
  const environment =
    provider?.type === azureadProviderType ? known(provider.inputs.environment) : undefined;
  return cloudProfile(environments[environment?.toLowerCase() ?? ""] ?? settings.cloud);
}

type ScopeLevel = ScopeKind | "root" | "resource";

const levelBreadth: Record<ScopeLevel, number> = { resource: 1, ...scopeBreadth, root: 5 };

const levelWords: Record<ScopeLevel, string> = {
  root: "tenant root",
  managementGroup: "management group",
  subscription: "subscription",
  resourceGroup: "resource group",
  signalr: "SignalR resource",
  resource: "resource",
};

function scopeLevel(scope: string): ScopeLevel | undefined {
  if (scope === "/") return "root";
  const parsed = parseScope(scope);
  if (parsed) return parsed.kind;
  if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/.+/i.test(scope)) {
    return "resource";
  }
  return undefined;
}

function sameScope(left: string, right: string): boolean {
  const key = (text: string) => {
    const parsed = parseScope(text.trim());
    return parsed ? scopeKey(parsed) : text.trim().toLowerCase();
  };
  return key(left) === key(right);
}

interface Assignment {
  /** The role definition id as given. */
  readonly definitionId: string;
  /** The role's GUID (the last segment of its definition id), lower case. */
  readonly roleGuid: string;
  /** The SignalR role, when it is one. */
  readonly role: SignalRRole | undefined;
  readonly scope: string | undefined;
  readonly level: ScopeLevel | undefined;
}

function readAssignment(resource: GuardedResource): Assignment | undefined {
  if (!roleAssignmentType.test(resource.type)) return undefined;
  const definitionId = known(resource.inputs.roleDefinitionId);
  if (definitionId === undefined) return undefined;
  const scope = known(resource.inputs.scope);
  return {
    definitionId,
    roleGuid: (definitionId.split("/").pop() ?? "").toLowerCase(),
    role: roleFromDefinitionId(definitionId),
    scope,
    level: scope === undefined ? undefined : scopeLevel(scope),
  };
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === "https:";
  } catch {
    return false;
  }
}

function daysFromNow(end: Date, now: Date): number {
  return (end.getTime() - now.getTime()) / dayMs;
}

/** Whole days, rounded up, so that a lifetime just over the limit never reads as the limit. */
function wholeDaysText(days: number): string {
  const whole = Math.ceil(days);
  return whole === 1 ? "1 day" : `${whole} days`;
}

/** A Go duration as the azuread provider takes it (`240h`, `2400h30m`), in milliseconds. */
function durationMs(text: string): number | undefined {
  const match = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!match || text === "") return undefined;
  const [hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return (hours * 3600 + minutes * 60 + seconds) * 1000;
}

function parseDate(text: string): Date | undefined {
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : new Date(time);
}

const offsetFields = [
  "offsetYears",
  "offsetMonths",
  "offsetDays",
  "offsetHours",
  "offsetMinutes",
  "offsetSeconds",
] as const;

/**
 * The moment a time Offset stands for: its base (now, for an offset created in this run) moved by
 * each offset field; `undefined` while any of them is unknown.
 */
function offsetEnd(offset: GuardedResource, now: Date): { end: Date; parts: string } | undefined {
  const base = offset.inputs.baseRfc3339;
  const start = base === undefined ? now : parseDate(known(base) ?? "");
  if (start === undefined) return undefined;

  const end = new Date(start.getTime());
  const parts: string[] = [];
  for (const field of offsetFields) {
    const value = offset.inputs[field];
    if (value === undefined) continue;
    if (typeof value !== "number") return undefined;
    parts.push(`${field} ${value}`);
    if (field === "offsetYears") end.setUTCFullYear(end.getUTCFullYear() + value);
    if (field === "offsetMonths") end.setUTCMonth(end.getUTCMonth() + value);
    if (field === "offsetDays") end.setUTCDate(end.getUTCDate() + value);
    if (field === "offsetHours") end.setUTCHours(end.getUTCHours() + value);
    if (field === "offsetMinutes") end.setUTCMinutes(end.getUTCMinutes() + value);
    if (field === "offsetSeconds") end.setUTCSeconds(end.getUTCSeconds() + value);
  }
  if (base !== undefined) parts.unshift(`baseRfc3339 ${known(base)}`);
  return { end, parts: parts.join(", ") || "no offset" };
}

type EndDate =
  | { readonly end: Date; readonly via?: string }
  | { readonly absent: true }
  | { readonly problem: string };

/**
 * When a client secret stops working: its `endDate`, its `endDateRelative`, or, when the end date
 * comes from a time Offset created in the same run, that offset. `undefined` when it cannot be told.
 */
function secretEnd(password: GuardedResource, view: ResourceView, now: Date): EndDate | undefined {
  const { endDate, endDateRelative } = password.inputs;
  if (endDate === undefined && endDateRelative === undefined) return { absent: true };

  const date = parseDate(known(endDate) ?? "");
  if (date) return { end: date };

  const relative = durationMs(known(endDateRelative) ?? "");
  if (endDate === undefined && relative !== undefined) {
    return { end: new Date(now.getTime() + relative), via: `endDateRelative ${endDateRelative}` };
  }

  if (endDate !== unknownValue) return undefined;
  const offset = view.sources(password).find((source) => source.type === offsetType);
  const moment = offset && offsetEnd(offset, now);
  return moment && { end: moment.end, via: `time Offset ${offset.name}: ${moment.parts}` };
}

/** When a certificate credential stops working: its `endDate`, else the certificate's own expiry. */
function certificateEnd(certificate: GuardedResource, now: Date): EndDate | undefined {
  const { endDate, endDateRelative, value, encoding } = certificate.inputs;
  const date = parseDate(known(endDate) ?? "");
  if (date) return { end: date };
  const relative = durationMs(known(endDateRelative) ?? "");
  if (endDate === undefined && relative !== undefined) {
    return { end: new Date(now.getTime() + relative), via: `endDateRelative ${endDateRelative}` };
  }
  if (endDate !== undefined || endDateRelative !== undefined) return undefined;

  // Limitation: an offline evaluation never copies a secret input, so a certificate passed as a
  // secret, without an endDate, is checked by the pack alone (the engine shows policies its value).
  const text = known(value);
  if (text === undefined) return undefined;
  const format = known(encoding) ?? "pem";
  try {
    const body =
      format === "base64"
        ? Buffer.from(text, "base64")
        : format === "hex"
          ? Buffer.from(text, "hex")
          : text;
    return { end: new Date(new X509Certificate(body).validTo), via: "the certificate's expiry" };
  } catch {
    return {
      problem: `value cannot be read as an X.509 certificate (encoding ${format}), so its end date cannot be checked.`,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Rules

const roleNames = signalrRoles.map((role) => role.name).join(", ");
const signalrContributor = "8cf5e20a-e4b2-4e9d-b3a1-5ceb692c2761";

const signalrRolesOnly: Rule = {
  id: "signalr-roles-only",
  description: `Role assignments use only the four SignalR data-plane roles: ${roleNames}.`,
  enforcementLevel: "mandatory",
  options: ["additionalRoleIds"],
  check(resource, _view, settings) {
    const assignment = readAssignment(resource);
    if (!assignment || assignment.role) return [];
    const { roleGuid } = assignment;
    if (settings.additionalRoleIds.some((id) => id.toLowerCase() === roleGuid)) return [];

    const what =
      roleGuid === signalrContributor
        ? "SignalR/Web PubSub Contributor, a control-plane role without data actions that cannot " +
          "connect an app server"
        : "not a SignalR data-plane role";
    return [
      {
        subject: resource,
        message: `assigns role ${assignment.definitionId} (${what}).`,
        fix:
          `Assign the SignalR data-plane role the app server needs (${roleNames}); if this ` +
          `program must grant ${roleGuid}, list it in additionalRoleIds.`,
      },
    ];
  },
};

const broadOwnerScope: Rule = {
  id: "broad-owner-scope",
  description:
    "SignalR Service Owner and SignalR REST API Owner are assigned at a resource group or below, " +
    "unless the scope is listed in allowBroadOwnerScopes.",
  enforcementLevel: "mandatory",
  options: ["allowBroadOwnerScopes"],
  check(resource, _view, settings) {
    const assignment = readAssignment(resource);
    const { role, scope, level } = assignment ?? {};
    if (!role || !scope || !level) return [];
    if (!isServiceOwner(role) && !isRestApiOwner(role)) return [];
    if (levelBreadth[level] <= levelBreadth.resourceGroup) return [];
    if (settings.allowBroadOwnerScopes.some((allowed) => sameScope(allowed, scope))) return [];

    const grants = isServiceOwner(role)
      ? "every SignalR data action"
      : "client tokens and control of hubs, groups, users and client connections";
    return [
      {
        subject: resource,
        message:
          `assigns ${role.name} at ${levelWords[level]} scope ${scope}: it grants ${grants} on ` +
          "every SignalR resource below it.",
        fix:
          "Assign SignalR App Server if the app server only connects, or assign at a resource " +
          "group or a single SignalR resource; if this scope is intended, add it to " +
          "allowBroadOwnerScopes.",
      },
    ];
  },
};

const managementGroupDataPlane: Rule = {
  id: "management-group-data-plane",
  description:
    "SignalR data-plane roles assigned at management-group scope, which can take hours to apply.",
  enforcementLevel: "advisory",
  options: [],
  check(resource) {
    const assignment = readAssignment(resource);
    const { role, scope, level } = assignment ?? {};
    if (!role || !scope || (level !== "managementGroup" && level !== "root")) return [];
    return [
      {
        subject: resource,
        message:
          `assigns ${role.name} at ${levelWords[level]} scope ${scope}: data-plane roles at ` +
          "management-group scope can take hours to apply.",
        fix:
          "Assign at the subscription or below when the app server needs access soon; keep this " +
          "scope only if hours of delay are acceptable.",
      },
    ];
  },
};

const principalTypeServicePrincipal: Rule = {
  id: "principal-type-service-principal",
  description: 'Role assignments set principalType: "ServicePrincipal".',
  enforcementLevel: "mandatory",
  options: [],
  check(resource) {
    if (!roleAssignmentType.test(resource.type)) return [];
    const principalType = resource.inputs.principalType;
    if (principalType === "ServicePrincipal" || principalType === unknownValue) return [];
    const given =
      principalType === undefined
        ? "has no principalType, so ARM assumes User"
        : `has principalType ${JSON.stringify(principalType)}`;
    return [
      {
        subject: resource,
        message:
          `${given}; an enterprise application created moments earlier then fails with ` +
          "PrincipalNotFound or UnmatchedPrincipalType.",
        fix: 'Set principalType: "ServicePrincipal".',
      },
    ];
  },
};

const multitenantAudience: Rule = {
  id: "multitenant-audience",
  description:
    "Applications are multitenant, so tenant B can provision them, and allow no personal " +
    "Microsoft accounts in a national cloud.",
  enforcementLevel: "mandatory",
  options: ["cloud"],
  check(resource, view, settings) {
    if (!applicationTypes.includes(resource.type)) return [];
    const given = resource.inputs.signInAudience;
    if (given !== undefined && known(given) === undefined) return [];
    const audience = given ?? "AzureADMyOrg";
    const fix = 'Set signInAudience: "AzureADMultipleOrgs".';

    if (audience === "AzureADMyOrg" || audience === "PersonalMicrosoftAccount") {
      const shown = given === undefined ? "AzureADMyOrg (the provider's default)" : audience;
      const who =
        audience === "AzureADMyOrg"
          ? "only its home tenant can use it"
          : "only personal Microsoft accounts can use it";
      return [
        {
          subject: resource,
          message: `signInAudience is ${shown}: ${who}, so tenant B cannot provision it.`,
          fix,
        },
      ];
    }
    const cloud = cloudOf(resource, view, settings);
    if (audience === "AzureADandPersonalMicrosoftAccount" && !cloud.personalAccounts) {
      return [
        {
          subject: resource,
          message:
            `signInAudience is AzureADandPersonalMicrosoftAccount: personal Microsoft accounts ` +
            `are not supported in the ${cloud.name} cloud.`,
          fix,
        },
      ];
    }
    return [];
  },
};

const clientSecretLifetime: Rule = {
  id: "client-secret-lifetime",
  description: "Client secrets end within maxSecretDays (default 180) from now.",
  enforcementLevel: "mandatory",
  options: ["maxSecretDays"],
  needsSources: (resource) =>
    resource.type === passwordType && resource.inputs.endDate === unknownValue,
  check(resource, view, settings) {
    if (resource.type !== passwordType) return [];
    const max = settings.maxSecretDays;
    const fix =
      `Give the secret at most ${max} days (validDays in this project's stack config; elsewhere ` +
      "its endDate or the offset of its time Offset) and rotate it before it ends, or use a " +
      "federated credential, which has no secret to leak.";
    const end = secretEnd(resource, view, settings.now);
    if (end === undefined || "problem" in end) return [];

    if ("absent" in end) {
      return [
        {
          subject: resource,
          message:
            "has no endDate, so Entra chooses how long it lives and maxSecretDays " +
            `(${max}) cannot hold it.`,
          fix,
        },
      ];
    }
    const days = daysFromNow(end.end, settings.now);
    if (days <= max) return [];
    const via = end.via ? ` (${end.via})` : "";
    return [
      {
        subject: resource,
        message:
          `ends ${end.end.toISOString()}, ${wholeDaysText(days)} from now${via}; client secrets ` +
          `may live at most ${max} days (maxSecretDays).`,
        fix,
      },
    ];
  },
};

const certificateLifetime: Rule = {
  id: "certificate-lifetime",
  description:
    "Certificate credentials end within maxCertificateDays (default 365) from now, and are not expired.",
  enforcementLevel: "mandatory",
  options: ["maxCertificateDays"],
  check(resource, _view, settings) {
    if (resource.type !== certificateType) return [];
    const max = settings.maxCertificateDays;
    const end = certificateEnd(resource, settings.now);
    if (end === undefined || "absent" in end) return [];

    if ("problem" in end) {
      return [
        {
          subject: resource,
          message: end.problem,
          fix: "Give the public certificate in the format encoding names: pem, base64 or hex (DER).",
        },
      ];
    }
    const days = daysFromNow(end.end, settings.now);
    const via = end.via ? ` (${end.via})` : "";
    if (days <= 0) {
      return [
        {
          subject: resource,
          message: `expired on ${end.end.toISOString()}${via}; the app server cannot sign in with it.`,
          fix: "Issue a new certificate and give its public PEM.",
        },
      ];
    }
    if (days <= max) return [];
    return [
      {
        subject: resource,
        message:
          `ends ${end.end.toISOString()}, ${wholeDaysText(days)} from now${via}; certificate ` +
          `credentials may stay valid at most ${max} days (maxCertificateDays).`,
        fix:
          `Issue a certificate valid for at most ${max} days, or set endDate to end the ` +
          "credential sooner, and rotate it before then.",
      },
    ];
  },
};

const federatedHttpsIssuer: Rule = {
  id: "federated-credential-https-issuer",
  description: "Federated identity credentials trust an https:// issuer.",
  enforcementLevel: "mandatory",
  options: [],
  check(resource) {
    if (resource.type !== federatedType) return [];
    const issuer = known(resource.inputs.issuer);
    if (issuer === undefined || isHttpsUrl(issuer)) return [];
    return [
      {
        subject: resource,
        message: `issuer ${issuer} is not an https:// URL; Entra trusts only https issuers.`,
        fix: "Use the issuer's https:// address, exactly as the iss claim of its tokens carries it.",
      },
    ];
  },
};

const federatedAudience: Rule = {
  id: "federated-credential-audience",
  description:
    "Federated identity credentials carry the token-exchange audience of their application's cloud.",
  enforcementLevel: "mandatory",
  options: ["cloud"],
  check(resource, view, settings) {
    if (resource.type !== federatedType) return [];
    const audiences = resource.inputs.audiences;
    if (!Array.isArray(audiences)) return [];
    const cloud = cloudOf(resource, view, settings);
    const expected = cloud.tokenExchangeAudience;
    const fix = `Set audiences to ["${expected}"].`;

    if (audiences.length === 0) {
      return [{ subject: resource, message: "has no audience.", fix }];
    }
    return audiences.flatMap((audience): Finding[] => {
      const text = known(audience);
      if (text === undefined || text === expected) return [];
      return [{ subject: resource, message: wrongAudience(text, cloud), fix }];
    });
  },
};

function wrongAudience(audience: string, cloud: CloudProfile): string {
  const owner = cloudNames
    .map((name) => cloudProfile(name))
    .find((other) => other.tokenExchangeAudience === audience);
  const whose = owner
    ? `is the ${owner.name} cloud's token-exchange audience`
    : "is no cloud's token-exchange audience";
  return (
    `audience ${audience} ${whose}; in the ${cloud.name} cloud it must be ` +
    `${cloud.tokenExchangeAudience}. Entra accepts the credential, and every token exchange fails.`
  );
}

/** Entra's limit of federated identity credentials on one application. */
export const maxFederatedCredentials = 20;

const federatedLimit: Rule = {
  id: "federated-credential-limit",
  description: `An application has at most ${maxFederatedCredentials} federated identity credentials.`,
  enforcementLevel: "mandatory",
  options: [],
  checkStack(resources, view) {
    const groups = new Map<
      unknown,
      { application?: GuardedResource; credentials: GuardedResource[] }
    >();
    for (const resource of resources) {
      if (resource.type !== federatedType) continue;
      const application = view
        .sources(resource)
        .find((source) => applicationTypes.includes(source.type));
      const key = application ?? known(resource.inputs.applicationId)?.toLowerCase();
      if (key === undefined) continue;
      const group = groups.get(key) ?? { application, credentials: [] };
      group.credentials.push(resource);
      groups.set(key, group);
    }

    return [...groups.values()].flatMap(({ application, credentials }): Finding[] => {
      if (credentials.length <= maxFederatedCredentials) return [];
      const extra = credentials.length - maxFederatedCredentials;
      return [
        {
          subject: application ?? credentials[0],
          message:
            `has ${credentials.length} federated identity credentials; an application takes at ` +
            `most ${maxFederatedCredentials}.`,
          fix: `Remove ${extra} of them, or register a second application for the rest.`,
        },
      ];
    });
  },
};

/** Every rule, in the order violations of one resource are listed. */
export const guardrailRules: readonly Rule[] = [
  signalrRolesOnly,
  broadOwnerScope,
  managementGroupDataPlane,
  principalTypeServicePrincipal,
  multitenantAudience,
  clientSecretLifetime,
  certificateLifetime,
  federatedHttpsIssuer,
  federatedAudience,
  federatedLimit,
];

// ---------------------------------------------------------------------------------------------
// Config

export interface SettingsBase {
  readonly now: Date;
  /** Overrides the `cloud` option's default. */
  readonly cloud?: CloudName;
}

/**
 * One rule's settings from the options of its policy config (what `args.getConfig()` returns in
 * the pack), defaults for those not given. Throws a `GuardrailConfigError` for options it cannot use.
 */
export function ruleSettings(
  rule: Rule,
  values: Record<string, unknown>,
  base: SettingsBase,
): RuleSettings {
  const problems: string[] = [];
  const settings = readOptions(rule, values, base, problems);
  if (problems.length > 0) throw new GuardrailConfigError(problems);
  return settings;
}

function readOptions(
  rule: Rule,
  values: Record<string, unknown>,
  base: SettingsBase,
  problems: string[],
): RuleSettings {
  const settings: Record<string, unknown> = {
    ...Object.fromEntries(Object.entries(optionSpecs).map(([key, spec]) => [key, spec.default])),
    ...(base.cloud && { cloud: base.cloud }),
    now: base.now,
  };
  for (const [key, value] of Object.entries(values)) {
    if (key === "enforcementLevel") continue;
    if (!(rule.options as readonly string[]).includes(key)) {
      const options =
        rule.options.length > 0 ? `its options are ${rule.options.join(", ")}` : "it has none";
      problems.push(`"${rule.id}".${key}: not an option of this rule (${options}); remove it.`);
      continue;
    }
    const spec = optionSpecs[key as OptionName] as OptionSpec<unknown>;
    const read = spec.read(value);
    if (read === undefined) {
      problems.push(`"${rule.id}".${key}: got ${JSON.stringify(value)}; must be ${spec.allowed}.`);
    } else {
      settings[key] = read;
    }
  }
  return settings as unknown as RuleSettings;
}

function readLevel(
  entry: unknown,
  where: string,
  problems: string[],
): EnforcementLevel | undefined {
  if (entry === undefined) return undefined;
  if (enforcementLevels.includes(entry as EnforcementLevel)) return entry as EnforcementLevel;
  problems.push(
    `${where}: got ${JSON.stringify(entry)}; allowed: ${enforcementLevels.join(", ")}.`,
  );
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export interface ConfiguredRule {
  readonly rule: Rule;
  readonly level: EnforcementLevel;
  readonly settings: RuleSettings;
}

/**
 * Every rule with its level and settings from a policy config in the pack's shape (the JSON file of
 * `pulumi preview --policy-pack-config`): `{ "<rule>": "<level>" | { enforcementLevel?, ...options },
 * "all": "<level>" }`. Throws a `GuardrailConfigError` listing every problem.
 */
export function configureRules(config: unknown, base: SettingsBase): ConfiguredRule[] {
  const problems: string[] = [];
  const entries = isRecord(config) ? config : {};
  if (!isRecord(config)) {
    problems.push(
      `the policy config must be an object of rule ids to levels or options; got ${JSON.stringify(config)}.`,
    );
  }

  const ids = guardrailRules.map((rule) => rule.id);
  for (const key of Object.keys(entries)) {
    if (key !== "all" && !ids.includes(key)) {
      problems.push(
        `"${key}": not a rule of this pack. Rules: ${ids.join(", ")}; "all" sets every rule's level.`,
      );
    }
  }
  const all = entries.all;
  const allLevel = readLevel(isRecord(all) ? all.enforcementLevel : all, '"all"', problems);

  const configured = guardrailRules.map((rule): ConfiguredRule => {
    const entry = entries[rule.id];
    if (entry !== undefined && typeof entry !== "string" && !isRecord(entry)) {
      problems.push(
        `"${rule.id}": got ${JSON.stringify(entry)}; must be a level (${enforcementLevels.join(", ")}) ` +
          "or an object with enforcementLevel and the rule's options.",
      );
    }
    const values = isRecord(entry) ? entry : {};
    const level = readLevel(
      isRecord(entry) ? entry.enforcementLevel : typeof entry === "string" ? entry : undefined,
      isRecord(entry) ? `"${rule.id}".enforcementLevel` : `"${rule.id}"`,
      problems,
    );
    return {
      rule,
      level: level ?? allLevel ?? rule.enforcementLevel,
      settings: readOptions(rule, values, base, problems),
    };
  });

  if (problems.length > 0) throw new GuardrailConfigError(problems);
  return configured;
}

// ---------------------------------------------------------------------------------------------
// The offline entry point

export interface CheckPlanOptions {
  /** The moment lifetimes are measured from. @default new Date() */
  readonly now?: Date;
  /** Cloud of resources whose azuread provider names no environment. @default "public" */
  readonly cloud?: CloudName;
  /** Levels and options per rule, in the shape of the pack's policy config. @default {} */
  readonly config?: unknown;
}

/** Looks resources up by the names `dependsOn` and `options.provider` use. */
export function planView(resources: readonly GuardedResource[]): ResourceView {
  const byName = new Map<string, GuardedResource[]>();
  for (const resource of resources) {
    byName.set(resource.name, [...(byName.get(resource.name) ?? []), resource]);
  }
  return {
    sources: (resource) =>
      (resource.dependsOn ?? [])
        .flatMap((name) => byName.get(name) ?? [])
        .filter((source) => source !== resource),
    provider: (resource) => {
      const name = resource.options?.provider;
      if (name === undefined) return undefined;
      return byName.get(name)?.find((source) => source.type.startsWith("pulumi:providers:"));
    },
  };
}

/**
 * Runs every enabled rule over the resources of one evaluated stack (`Evaluation.resources` of
 * `tools/evaluate.ts`). Violations come in resource order, and in rule order for one resource.
 * Throws a `GuardrailConfigError` when `options.config` cannot be used.
 */
export function checkPlan(
  resources: readonly GuardedResource[],
  options: CheckPlanOptions = {},
): Violation[] {
  const configured = configureRules(options.config ?? {}, {
    now: options.now ?? new Date(),
    cloud: options.cloud,
  });
  const view = planView(resources);

  const found: { at: number; order: number; violation: Violation }[] = [];
  configured.forEach(({ rule, level, settings }, order) => {
    const { check, checkStack } = rule;
    if (level === "disabled") return;
    const findings = [
      ...(check ? resources.flatMap((resource) => check(resource, view, settings)) : []),
      ...(checkStack ? checkStack(resources, view, settings) : []),
    ];
    for (const { subject, message, fix } of findings) {
      found.push({
        at: resources.indexOf(subject),
        order,
        violation: {
          rule: rule.id,
          level,
          resource: subject.name,
          type: subject.type,
          message,
          fix,
        },
      });
    }
  });
  return found.sort((a, b) => a.at - b.at || a.order - b.order).map((item) => item.violation);
}
