/**
 * Least-privilege guardrails: the mistakes that deploy cleanly and fail later, or grant far more
 * than the app server needs (an owner role on a whole subscription, a role that takes hours to
 * apply, a long-lived secret, a federated credential of another cloud), written as plain rules over
 * resource inputs (`lib/guardrailRules.ts`). This module says what a rule sees and reports, reads
 * the options and levels a policy config gives each rule, and runs the rules over an offline plan.
 * The CrossGuard pack in `policy/` and the offline plan call the same rules; nothing here needs the
 * Pulumi runtime or a package outside Node.js, so the pack loads it as it is.
 */
import { cloudNames, type CloudName } from "./clouds.ts";
import { guardrailRules } from "./guardrailRules.ts";
import { guidPattern, isGuid } from "./scopes.ts";

export { guardrailRules };

const enforcementLevels = ["mandatory", "advisory", "disabled"] as const;

export type EnforcementLevel = (typeof enforcementLevels)[number];

/**
 * A resource as a rule sees it: its type token, name and inputs, as `tools/evaluate.ts` records
 * them and as the policy SDK hands them over (`args.type`, `args.name`, `args.props`).
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

const stringList = (value: unknown): readonly string[] | undefined =>
  Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;

const wholeDays = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) && value >= 1 ? value : undefined;

export const optionSpecs: { readonly [K in OptionName]: OptionSpec<RuleSettings[K]> } = {
  cloud: {
    default: "public",
    description:
      "Cloud of resources whose azuread provider names " +
      "no environment: public, china or usgovernment.",
    schema: { type: "string", enum: cloudNames },
    read: (value) => cloudNames.find((name) => name === value),
    allowed: `one of ${cloudNames.join(", ")}`,
  },
  allowBroadOwnerScopes: {
    default: [],
    description:
      "ARM ids of subscriptions or management groups " +
      "where SignalR Service Owner and SignalR REST " +
      "API Owner may be assigned.",
    schema: { type: "array", items: { type: "string" } },
    read: stringList,
    allowed: 'a list of ARM ids, e.g. ["/subscriptions/<subscription id>"]',
  },
  additionalRoleIds: {
    default: [],
    description:
      "Role definition GUIDs that role assignments may " +
      "use besides the four SignalR data-plane roles.",
    schema: { type: "array", items: { type: "string", pattern: `^${guidPattern}$` } },
    read: (value) => {
      const list = stringList(value);
      return list?.every(isGuid) ? list : undefined;
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
// Config

export interface SettingsBase {
  readonly now: Date;
  /** Overrides the `cloud` option's default. */
  readonly cloud?: CloudName;
}

/**
 * One rule's settings from the options of its policy config (what `args.getConfig()` returns in the
 * pack), defaults for those not given. Throws a `GuardrailConfigError` for options it cannot use.
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

interface ConfiguredRule {
  readonly rule: Rule;
  readonly level: EnforcementLevel;
  readonly settings: RuleSettings;
}

/**
 * Every rule with its level and settings from a policy config in the pack's shape (the JSON file of
 * `pulumi preview --policy-pack-config`): `{ "<rule>": "<level>" | { enforcementLevel?, ...options
 * }, "all": "<level>" }`. Throws a `GuardrailConfigError` listing every problem.
 */
function configureRules(config: unknown, base: SettingsBase): ConfiguredRule[] {
  const problems: string[] = [];
  const entries = isRecord(config) ? config : {};
  if (!isRecord(config)) {
    problems.push(
      `the policy config must be an object of rule ids to levels or options; got ` +
        `${JSON.stringify(config)}.`,
    );
  }

  const ids = guardrailRules.map((rule) => rule.id);
  for (const key of Object.keys(entries)) {
    if (key !== "all" && !ids.includes(key)) {
      problems.push(
        `"${key}": not a rule of this pack. Rules: ` +
          `${ids.join(", ")}; "all" sets every rule's level.`,
      );
    }
  }
  const all = entries.all;
  const allLevel = readLevel(isRecord(all) ? all.enforcementLevel : all, '"all"', problems);

  const configured = guardrailRules.map((rule): ConfiguredRule => {
    const entry = entries[rule.id];
    if (entry !== undefined && typeof entry !== "string" && !isRecord(entry)) {
      problems.push(
        `"${rule.id}": got ${JSON.stringify(entry)}; must be a level ` +
          `(${enforcementLevels.join(", ")}) ` +
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
function planView(resources: readonly GuardedResource[]): ResourceView {
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
