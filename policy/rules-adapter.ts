/**
 * Turns each guardrail rule into a CrossGuard policy: converts what the policy SDK hands a policy
 * (`args.type`, `args.name`, `args.props`, the provider, the resources of the stack) into the plain
 * resources the rules read, and reports their findings. Kept apart from `index.ts`, which
 * constructs the pack and with it the pack's server, so that tests can call the policies as the SDK
 * does.
 */
import type {
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationPolicy,
  StackValidation,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  optionSpecs,
  ruleSettings,
  type Finding,
  type GuardedResource,
  type ResourceView,
  type Rule,
} from "../lib/guardrails.ts";
import { unknownMarker } from "../lib/markers.ts";

export type GuardrailPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** Where the policies read the time from; tests pass a fixed one. */
export type Clock = () => Date;

/**
 * The placeholders the Pulumi engine sends for values known only after apply, one per kind of value
 * (the same in every Pulumi SDK). The SDK's props proxy throws when a policy reads one; the rules
 * read them as `[known after apply]` instead, and decide for themselves what an unknown means.
 */
const engineUnknowns = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/**
 * The policy for one rule. Rules that need other resources to judge one (a secret whose end date
 * comes from a time Offset) get both a resource validation, which blocks what it can judge before
 * anything is created, and a stack validation for the rest: the SDK runs each where it applies.
 */
export function policyFor(rule: Rule, clock: Clock = () => new Date()): GuardrailPolicy {
  const base = {
    name: rule.id,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    ...(rule.options.length > 0 && { configSchema: configSchema(rule) }),
  };
  if (rule.checkStack) return { ...base, validateStack: stackValidation(rule, clock) };
  const validateResource = resourceValidation(rule, clock);
  if (!rule.needsSources) return { ...base, validateResource };
  const both: ResourceValidationPolicy & StackValidationPolicy = {
    ...base,
    validateResource,
    validateStack: stackValidation(rule, clock),
  };
  return both;
}

/** The rule's options as a policy config schema, defaults and descriptions included. */
export function configSchema(rule: Rule): PolicyConfigSchema {
  const properties = Object.fromEntries(
    rule.options.map((name) => {
      const { schema, description } = optionSpecs[name];
      const value = optionSpecs[name].default;
      return [
        name,
        {
          type: schema.type,
          description,
          default: Array.isArray(value) ? [...value] : value,
          ...(schema.enum && { enum: [...schema.enum] }),
          ...(schema.minimum !== undefined && { minimum: schema.minimum }),
          ...(schema.items && { items: { ...schema.items } }),
        },
      ];
    }),
  );
  return { properties };
}

function resourceValidation(rule: Rule, clock: Clock): ResourceValidation {
  return (args, reportViolation) => {
    const resource = guarded(args);
    const { check } = rule;
    // The stack validation judges it, with the resources its inputs come from in view.
    if (!check || rule.needsSources?.(resource)) return;

    const provider = args.provider && guarded(args.provider);
    const view: ResourceView = { sources: () => [], provider: () => provider };
    const settings = ruleSettings(rule, args.getConfig(), { now: clock() });
    for (const finding of check(resource, view, settings)) report(finding, reportViolation);
  };
}

function stackValidation(rule: Rule, clock: Clock): StackValidation {
  return (args, reportViolation) => {
    const { resources, view, urns } = stackView(args.resources);
    const settings = ruleSettings(rule, args.getConfig(), { now: clock() });
    const { check, checkStack, needsSources } = rule;

    const findings = checkStack
      ? checkStack(resources, view, settings)
      : resources
          .filter((resource) => needsSources?.(resource))
          .flatMap((resource) => (check ? check(resource, view, settings) : []));
    for (const finding of findings) report(finding, reportViolation, urns.get(finding.subject));
  };
}

function report(finding: Finding, reportViolation: ReportViolation, urn?: string) {
  reportViolation(`${finding.message}\nFix: ${finding.fix}`, urn);
}

/** The stack's resources as rules read them, with their sources and providers resolved. */
function stackView(policyResources: readonly PolicyResource[]) {
  const converted = new Map<PolicyResource, GuardedResource>();
  const urns = new Map<GuardedResource, string>();
  for (const policyResource of policyResources) {
    const resource = guarded(policyResource);
    converted.set(policyResource, resource);
    urns.set(resource, policyResource.urn);
  }

  const sources = new Map<GuardedResource, GuardedResource[]>();
  const providers = new Map<GuardedResource, GuardedResource>();
  for (const [policyResource, resource] of converted) {
    const from = new Set([
      ...Object.values(policyResource.propertyDependencies).flat(),
      ...policyResource.dependencies,
    ]);
    sources.set(
      resource,
      [...from].flatMap((source) => converted.get(source) ?? []),
    );
    if (policyResource.provider) providers.set(resource, guarded(policyResource.provider));
  }

  const view: ResourceView = {
    sources: (resource) => sources.get(resource) ?? [],
    provider: (resource) => providers.get(resource),
  };
  return { resources: [...converted.values()], view, urns };
}

/**
 * A resource the SDK passes (to be validated, in the stack, or as a provider) as the rules read it:
 * its props copied as plain data. The copy reads each value's own property descriptor, which the
 * SDK's proxy does not intercept, so an unknown value becomes `[known after apply]` instead of an
 * error that would stop the whole policy.
 */
function guarded(resource: {
  type: string;
  name: string;
  props: Record<string, unknown>;
}): GuardedResource {
  return {
    type: resource.type,
    name: resource.name,
    inputs: plain(resource.props) as Record<string, unknown>,
  };
}

function plain(value: unknown): unknown {
  if (typeof value === "string") return engineUnknowns.has(value) ? unknownMarker : value;
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.keys(value).map((key) => [key, plain(ownValue(value, key))] as const);
  if (Array.isArray(value)) return entries.map(([, item]) => item);
  return Object.fromEntries(entries);
}

function ownValue(container: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(container, key)?.value;
}
