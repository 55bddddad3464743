/**
 * The guardrail rules themselves: for each mistake, how it shows in a resource's inputs (or in the
 * stack as a whole) and what the violation says and how to fix it. `lib/guardrails.ts` configures
 * and runs them; like it, this module needs neither the Pulumi runtime nor a package outside
 * Node.js, so the policy pack loads it as it is.
 */
import { X509Certificate } from "node:crypto";
import { cloudNames, cloudProfile, type CloudName, type CloudProfile } from "./clouds.ts";
import { maxFederatedCredentials } from "./configRules.ts";
import type { Finding, GuardedResource, ResourceView, Rule, RuleSettings } from "./guardrails.ts";
import { secretMarker, unknownMarker } from "./markers.ts";
import {
  applicationType,
  certificateType,
  federatedCredentialType,
  offsetType,
  passwordType,
} from "./resourceTypes.ts";
import {
  isRestApiOwner,
  isServiceOwner,
  roleFromDefinitionId,
  signalrRoles,
  type SignalRRole,
} from "./roles.ts";
import { parseScope, scopeBreadth, scopeKey, type ScopeKind } from "./scopes.ts";

// ---------------------------------------------------------------------------------------------
// Reading inputs

/** Role assignments of any API version of azure-native's authorization module. */
const anyRoleAssignmentType = /^azure-native:authorization(\/v[0-9a-z]+)?:RoleAssignment$/;
const applicationTypes = [
  applicationType,
  "azuread:index/applicationRegistration:ApplicationRegistration",
];
const azureadProviderType = "pulumi:providers:azuread";

const dayMs = 86_400_000;

/** A string input whose value is known here. */
function known(value: unknown): string | undefined {
  return typeof value === "string" && value !== unknownMarker && value !== secretMarker
    ? value
    : undefined;
}

/** The azuread provider's other names for a cloud's `environment`, by the cloud they stand for. */
const environmentAliases: Record<string, CloudName> = {
  global: "public",
  usgovernmentl4: "usgovernment",
  usgovernmentl5: "usgovernment",
  dod: "usgovernment",
};

/** The cloud of a resource: its azuread provider's environment, else the configured cloud. */
function cloudOf(resource: GuardedResource, view: ResourceView, settings: RuleSettings) {
  const provider = view.provider(resource);
  const environment =
    provider?.type === azureadProviderType
      ? known(provider.inputs.environment)?.toLowerCase()
      : undefined;
  const named = cloudNames.find((name) => cloudProfile(name).providerEnvironment === environment);
  return cloudProfile(named ?? environmentAliases[environment ?? ""] ?? settings.cloud);
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
  if (!anyRoleAssignmentType.test(resource.type)) return undefined;
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

/** The end a credential's `endDate`, or else its `endDateRelative`, sets, when it is known here. */
function givenEnd(credential: GuardedResource, now: Date): EndDate | undefined {
  const { endDate, endDateRelative } = credential.inputs;
  const date = parseDate(known(endDate) ?? "");
  if (date) return { end: date };
  const relative = durationMs(known(endDateRelative) ?? "");
  if (endDate === undefined && relative !== undefined) {
    return { end: new Date(now.getTime() + relative), via: `endDateRelative ${endDateRelative}` };
  }
  return undefined;
}

/**
 * When a client secret stops working: its `endDate`, its `endDateRelative`, or, when the end date
 * comes from a time Offset created in the same run, that offset. `undefined` when it cannot be
 * told.
 */
function secretEnd(password: GuardedResource, view: ResourceView, now: Date): EndDate | undefined {
  const { endDate, endDateRelative } = password.inputs;
  if (endDate === undefined && endDateRelative === undefined) return { absent: true };

  const given = givenEnd(password, now);
  if (given) return given;

  if (endDate !== unknownMarker) return undefined;
  const offset = view.sources(password).find((source) => source.type === offsetType);
  const moment = offset && offsetEnd(offset, now);
  return moment && { end: moment.end, via: `time Offset ${offset.name}: ${moment.parts}` };
}

/**
 * When a certificate credential stops working: its `endDate`, else the certificate's own expiry.
 */
function certificateEnd(certificate: GuardedResource, now: Date): EndDate | undefined {
  const { endDate, endDateRelative, value, encoding } = certificate.inputs;
  const given = givenEnd(certificate, now);
  if (given) return given;
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
      problem:
        `value cannot be read as an X.509 certificate (encoding ` +
        `${format}), so its end date cannot be checked.`,
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
    if (!anyRoleAssignmentType.test(resource.type)) return [];
    const principalType = resource.inputs.principalType;
    if (principalType === "ServicePrincipal" || principalType === unknownMarker) return [];
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
    resource.type === passwordType && resource.inputs.endDate === unknownMarker,
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
    "Certificate credentials end within maxCertificateDays " +
    "(default 365) from now, and are not expired.",
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
          fix:
            "Give the public certificate in the format " +
            "encoding names: pem, base64 or hex (DER).",
        },
      ];
    }
    const days = daysFromNow(end.end, settings.now);
    const via = end.via ? ` (${end.via})` : "";
    if (days <= 0) {
      return [
        {
          subject: resource,
          message:
            `expired on ${end.end.toISOString()}${via}; ` +
            `the app server cannot sign in with it.`,
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
    if (resource.type !== federatedCredentialType) return [];
    const issuer = known(resource.inputs.issuer);
    if (issuer === undefined || isHttpsUrl(issuer)) return [];
    return [
      {
        subject: resource,
        message: `issuer ${issuer} is not an https:// URL; Entra trusts only https issuers.`,
        fix:
          "Use the issuer's https:// address, exactly " +
          "as the iss claim of its tokens carries it.",
      },
    ];
  },
};

const federatedAudience: Rule = {
  id: "federated-credential-audience",
  description:
    "Federated identity credentials carry the " +
    "token-exchange audience of their application's cloud.",
  enforcementLevel: "mandatory",
  options: ["cloud"],
  check(resource, view, settings) {
    if (resource.type !== federatedCredentialType) return [];
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

const federatedLimit: Rule = {
  id: "federated-credential-limit",
  description:
    `An application has at most ${maxFederatedCredentials} ` + "federated identity credentials.",
  enforcementLevel: "mandatory",
  options: [],
  checkStack(resources, view) {
    const groups = new Map<
      unknown,
      { application?: GuardedResource; credentials: GuardedResource[] }
    >();
    for (const resource of resources) {
      if (resource.type !== federatedCredentialType) continue;
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
