/**
 * Reads a stack's config (namespace `signalr-cross-tenant`) into a checked, fully resolved
 * description of what the stack deploys. Every problem is collected and reported at once, each
 * naming the key, the value received, what is allowed and how to fix it, before the program
 * registers any resource. Pure: no Pulumi runtime, no clock of its own, no network.
 */
import { closest } from "fastest-levenshtein";
import { checkCertificate } from "./certificates.ts";
import { cloudProfile, managedIdentityIssuer, type CloudProfile } from "./clouds.ts";
import { checkTenantA, checkTenantB } from "./configRules.ts";
import {
  explainIssue,
  tenantASchema,
  tenantBSchema,
  type SignInAudience,
  type TenantAInput,
  type TenantBInput,
} from "./configSchema.ts";
import { roleAssignmentName } from "./naming.ts";
import { findRole, isServiceOwner, roleDefinitionId, type SignalRRole } from "./roles.ts";
import { parseScope, scopeBreadth, type Scope } from "./scopes.ts";

export { maxFederatedCredentials } from "./configRules.ts";
export { signInAudiences, type SignInAudience } from "./configSchema.ts";

export const namespace = "signalr-cross-tenant";

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
  /** The certificate's own expiry; unknown while the PEM is a secure value the plan cannot read. */
  readonly endDate?: string;
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
  /**
   * The assignment's ARM name: a GUID derived from tenant, principal, role and scope, or the name
   * of an existing assignment that config adopts.
   */
  readonly name: string;
  /** What names the assignment's Pulumi resource: the derived GUID, whatever `name` adopts. */
  readonly resourceKey: string;
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
  /**
   * Full config key with a path into structured values, e.g.
   * `signalr-cross-tenant:credentials[0].name`.
   */
  readonly key: string;
  readonly message: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: StackConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

export interface ParseOptions {
  /**
   * Whether a full config key holds a secure value, whose content must never appear in a message.
   */
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
  const undecodable = new Set<string>();
  for (const [key, text] of Object.entries(raw)) {
    if (!key.startsWith(`${namespace}:`)) continue;
    const name = key.slice(namespace.length + 1);
    const value = decode(name, text);
    if (value === notJson) {
      report(name, text, "must be a YAML object or list under the key, not a single string.");
      undecodable.add(name);
    } else {
      values.set(name, value);
    }
  }

  const sideValue = values.get("side");
  const side = sideValue === "tenantA" || sideValue === "tenantB" ? (sideValue as Side) : undefined;
  if (side === undefined) {
    report(
      "side",
      sideValue,
      "allowed: tenantA (the application's home tenant) " +
        "or tenantB (the SignalR resource's tenant). " +
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
      // A key whose text was not JSON has been reported already; "not set" would mislead.
      if (undecodable.has(String(issue.path[0]))) continue;
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

/**
 * One message for a failed parse: every issue on its own line, under a heading a user can act on.
 */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  const lines = issues.map((issue) => `  - ${issue.message}`);
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return [`Stack config has ${count}; nothing was created:`, ...lines].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Reading raw values

type Report = (key: string, value: unknown, message: string) => void;

/** Marks a structured value whose text is not JSON. */
const notJson = Symbol("not JSON");

function decode(name: string, text: string): unknown {
  if (name === "protect") {
    if (text === "true" || text === "false") return text === "true";
    return text;
  }
  if (!structuredKeys.has(name)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return notJson;
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
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

// ---------------------------------------------------------------------------------------------
// Resolving checked input into what the stacks deploy

function resolveTenantA(input: TenantAInput, now: Date): TenantAConfig {
  const cloud = cloudProfile(input.cloud);
  const credentials = input.credentials.map((credential): CredentialConfig => {
    switch (credential.kind) {
      case "secret":
        // A rotating secret's end dates follow from its schedule; others default to 180 days.
        return credential.endDate === undefined && credential.rotateEveryDays === undefined
          ? { ...credential, validDays: credential.validDays ?? defaultSecretDays }
          : credential;
      case "certificate": {
        const check = checkCertificate(credential.certificate, now);
        return { ...credential, endDate: check.ok ? check.endDate : undefined };
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
    ({
      role: roleText,
      scope: scopeText,
      name: existing,
      roleDefinitionId: guid,
    }): AssignmentConfig => {
      const role = findRole(roleText)!;
      const scope = parseScope(scopeText)!;
      const derived = roleAssignmentName({
        tenantId: input.tenantId,
        principal: principalKey,
        roleId: role.id,
        scope: scope.id,
      });
      return {
        role,
        roleDefinitionId: roleDefinitionId(guid ? { ...role, id: guid } : role),
        scope,
        name: existing ?? derived,
        resourceKey: derived,
      };
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
        `${where}: Service Owner grants every SignalR data ` +
          `action on every SignalR resource below this ` +
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
