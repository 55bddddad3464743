/**
 * Runs the real stack program under Pulumi's mock runtime: no CLI, no backend, no cloud. Records
 * every resource the program registers (type token, name, parent, inputs as passed, secrets marked)
 * and the stack outputs, so that the offline plan, the benchmark and the tests all see the same
 * evaluation. `planStacks` turns stack files into the plans `npm run plan` and `npm run role-diff`
 * report.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkPlan, type Violation } from "../lib/guardrails.ts";
import { namespace, parseStackConfig } from "../lib/config.ts";
import { secretMarker, unknownMarker } from "../lib/markers.ts";
import { roleAssignmentType, stackReferenceType } from "../lib/resourceTypes.ts";
import { roleFromDefinitionId } from "../lib/roles.ts";
import type { StackFile } from "../lib/stackFiles.ts";

export interface RegisteredResource {
  /** Pulumi type token, e.g. `azuread:index/application:Application`. */
  readonly type: string;
  readonly name: string;
  /** Name of the parent resource; absent for children of the stack itself. */
  readonly parent?: string;
  /** What the program passed, resolved; secret values replaced by `[secret]`. */
  readonly inputs: Record<string, unknown>;
  /**
   * Names of resources this one waits for: its parent chain excluded, its inputs' sources included.
   */
  readonly dependsOn: readonly string[];
  /** Resource options the deployment relies on; `provider` names the explicit provider used. */
  readonly options: { protect?: boolean; deleteBeforeReplace?: boolean; provider?: string };
}

export interface Evaluation {
  readonly resources: readonly RegisteredResource[];
  /**
   * Stack outputs, secrets replaced by `[secret]`, values Azure assigns by `[known after apply]`.
   */
  readonly outputs: Record<string, unknown>;
  /** Names of outputs that are (or hold) secrets. */
  readonly secretOutputs: readonly string[];
  /** Warnings the program logged, in order. */
  readonly warnings: readonly string[];
}

export interface EvaluateOptions {
  readonly project?: string;
  readonly stack: string;
  /** Full config keys (`signalr-cross-tenant:side`) to values; structured values as JSON text. */
  readonly config: Record<string, string>;
  readonly secretKeys?: readonly string[];
  /**
   * Preview: outputs that Azure assigns stay unknown. Otherwise `fakeOutputs` supplies them, so
   * that tests can follow values end to end.
   */
  readonly preview: boolean;
  /** Outputs a resource reports once created, by type token; used only when not previewing. */
  readonly fakeOutputs?: (
    type: string,
    name: string,
    inputs: Record<string, unknown>,
  ) => Record<string, unknown>;
  /**
   * Outputs of stacks named in StackReferences. When previewing, `[known after apply]` stands for
   * an output whose value is not known yet, in place of one value or of all of them.
   */
  readonly stackOutputs?: (
    stackName: string,
  ) => Record<string, unknown> | typeof unknownMarker | undefined;
  /** Loads the program; defaults to this project's `index.ts`. */
  readonly loadProgram?: () => Promise<{ default: () => unknown }>;
}

/**
 * Evaluates the program once for one stack. Throws what the program throws (config errors
 * included), and, like the Pulumi language host, what an output's computation throws while
 * resources register.
 */
export async function evaluateStack(options: EvaluateOptions): Promise<Evaluation> {
  const rejections: unknown[] = [];
  const collect = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", collect);
  try {
    const evaluation = await evaluateOnce(options);
    await settle();
    if (rejections.length > 0) throw rejections[0];
    return evaluation;
  } finally {
    // Registrations that failed together with the evaluation reject on later turns.
    await settle();
    process.off("unhandledRejection", collect);
  }
}

/** Lets pending registrations run to their end, a bounded number of event-loop turns. */
async function settle(turns = 20): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
}

async function evaluateOnce(options: EvaluateOptions): Promise<Evaluation> {
  const project = options.project ?? namespace;
  const warnings: string[] = [];
  const resolved = new Map<pulumi.Resource, string>();
  const providers = new Map<string, string>();

  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        // A provider reference is `<provider urn>::<id>`; the urn ends in `::<type>::<name>`.
        if (args.provider)
          providers.set(`${args.type}::${args.name}`, args.provider.split("::")[3]);
        if (args.type === stackReferenceType) {
          const name = String(args.inputs.name);
          const outputs = options.stackOutputs?.(name);
          if (!outputs) throw new Error(`No outputs are known for the referenced stack ${name}.`);
          const state = options.preview ? markersToUnknowns(outputs) : outputs;
          return { id: name, state: { name, outputs: state, secretOutputNames: [] } };
        }
        const state = options.preview
          ? args.inputs
          : { ...args.inputs, ...options.fakeOutputs?.(args.type, args.name, args.inputs) };
        return { id: options.preview ? undefined : `${args.name}-id`, state };
      },
      call: (args) => {
        throw new Error(`The program made an unexpected call to ${args.token}.`);
      },
    },
    project,
    options.stack,
    options.preview,
  );
  pulumi.runtime.setAllConfig(options.config, [...(options.secretKeys ?? [])]);

  const records: {
    resource: pulumi.Resource;
    type: string;
    name: string;
    props: pulumi.Inputs;
    opts: pulumi.ResourceOptions;
  }[] = [];
  const restoreWarn = captureWarnings(warnings);
  let returned: unknown;
  let failure: unknown;
  try {
    const program = await (options.loadProgram ?? (() => import("../index.ts")))();
    await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        records.push({
          resource: args.resource,
          type: args.type,
          name: args.name,
          props: args.props,
          opts: args.opts,
        });
        return undefined;
      });
      // The stack resource swallows what its init throws into an unhandled rejection: keep it here.
      try {
        returned = await program.default();
      } catch (error) {
        failure = error;
      }
      return returned as pulumi.Inputs;
    });
  } finally {
    restoreWarn();
  }
  if (failure !== undefined) throw failure;

  for (const record of records) resolved.set(record.resource, record.name);
  const resources: RegisteredResource[] = [];
  for (const record of records) {
    if (record.type === stackReferenceType) continue;
    const [wire, dependencies] = await pulumi.runtime.serializeResourceProperties(
      record.name,
      record.props,
    );
    const dependsOn = new Set<string>();
    for (const set of dependencies.values()) {
      for (const resource of set) {
        const name = resolved.get(resource);
        if (name !== undefined && resource !== record.opts.parent) dependsOn.add(name);
      }
    }
    const custom = record.opts as pulumi.CustomResourceOptions;
    resources.push({
      type: record.type,
      name: record.name,
      parent: record.opts.parent ? resolved.get(record.opts.parent) : undefined,
      inputs: plain(wire) as Record<string, unknown>,
      dependsOn: [...dependsOn].sort(),
      options: {
        ...(record.opts.protect !== undefined && { protect: record.opts.protect }),
        ...(custom.deleteBeforeReplace !== undefined && {
          deleteBeforeReplace: custom.deleteBeforeReplace,
        }),
        ...(providers.has(`${record.type}::${record.name}`) && {
          provider: providers.get(`${record.type}::${record.name}`),
        }),
      },
    });
  }

  const wireOutputs = await pulumi.runtime.serializeProperties(
    "outputs",
    (returned ?? {}) as pulumi.Inputs,
  );
  return {
    resources,
    outputs: plain(wireOutputs) as Record<string, unknown>,
    secretOutputs: Object.keys(wireOutputs).filter((key) => holdsSecret(wireOutputs[key])),
    warnings,
  };
}

function isSecretWire(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] ===
      pulumi.runtime.specialSecretSig
  );
}

function holdsSecret(value: unknown): boolean {
  if (isSecretWire(value)) return true;
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (typeof value === "object" && value !== null) return Object.values(value).some(holdsSecret);
  return false;
}

/** The wire form as plain data: secrets and unknowns replaced by their markers. */
function plain(value: unknown): unknown {
  if (value === pulumi.runtime.unknownValue) return unknownMarker;
  if (isSecretWire(value)) return secretMarker;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  }
  return value;
}

/** The reverse of `plain` for unknowns: `[known after apply]` back into the wire's unknown. */
function markersToUnknowns(value: unknown): unknown {
  if (value === unknownMarker) return pulumi.runtime.unknownValue;
  if (Array.isArray(value)) return value.map(markersToUnknowns);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, markersToUnknowns(inner)]),
    );
  }
  return value;
}

/**
 * Collects `pulumi.log.warn` messages while the program runs; returns the function that stops it.
 */
function captureWarnings(into: string[]): () => void {
  const original = pulumi.log.warn;
  pulumi.log.warn = (message: string) => {
    into.push(message);
    return Promise.resolve();
  };
  return () => {
    pulumi.log.warn = original;
  };
}

// ---------------------------------------------------------------------------------------------
// Plans: what `npm run plan` and `npm run role-diff` report for each stack file

export interface PlannedResource {
  /** Pulumi type token. */
  readonly type: string;
  readonly name: string;
  /** Name of the parent resource; `null` for resources directly under the stack. */
  readonly parent: string | null;
  /** What the program passed; secrets `[secret]`, values Azure assigns `[known after apply]`. */
  readonly inputs: Record<string, unknown>;
}

export interface PlannedRoleAssignment {
  /** Role display name. */
  readonly role: string;
  readonly roleDefinitionId: string;
  readonly scope: string;
  readonly principalType: string;
  /** The assignment's ARM name, a GUID. */
  readonly name: string;
}

/** One stack's plan, in exactly the shape `npm run plan -- --json` prints. */
export interface StackPlan {
  readonly stack: string;
  readonly side: "tenantA" | "tenantB";
  readonly cloud: string;
  readonly tenantId: string;
  readonly resources: readonly PlannedResource[];
  readonly roleAssignments: readonly PlannedRoleAssignment[];
  readonly outputs: Record<string, unknown>;
  readonly warnings: readonly string[];
  /** What the least-privilege guardrails find in the stack's resources. */
  readonly violations: readonly Violation[];
}

export type PlanOutcome =
  | {
      readonly ok: true;
      readonly plan: StackPlan;
      /** The evaluation the plan was made from, with each resource's dependencies and options. */
      readonly evaluation: Evaluation;
      /** The planned stack whose outputs stood in for the `applicationStack` reference. */
      readonly applicationStack?: string;
    }
  | {
      readonly ok: false;
      readonly stack: string;
      readonly source: string;
      /** Every problem, as the program reports them (`formatIssues`), ready to print. */
      readonly problems: string;
    };

export interface PlanOptions {
  /** Stacks to return, in this order; default: all. Others are planned only when referenced. */
  readonly stacks?: readonly string[];
  /** Guardrail levels and options, in the shape of the policy pack's config. @default {} */
  readonly guardrails?: unknown;
}

/**
 * Plans stack files with the current program, one after the other in this process. A tenantB stack
 * whose `applicationStack` names one of `files` (by the stack part of organization/project/stack)
 * is planned after that stack, with that plan's outputs as the reference's; any other reference has
 * outputs that are known only after apply. A reference holds a stack's outputs as one value: when
 * the referenced plan knows some of them only after apply, so are all of them, as in a preview.
 */
export async function planStacks(
  files: readonly StackFile[],
  options: PlanOptions = {},
): Promise<PlanOutcome[]> {
  const byName = new Map(files.map((file) => [file.stack, file]));
  const outcomes = new Map<string, PlanOutcome>();
  const inProgress = new Set<string>();

  const planFile = async (file: StackFile): Promise<PlanOutcome> => {
    const done = outcomes.get(file.stack);
    if (done) return done;
    inProgress.add(file.stack);

    // A reference back to a stack that is still being planned is treated as one outside the set.
    const referenced = byName.get(referencedStack(file.config) ?? "");
    const source =
      referenced && !inProgress.has(referenced.stack) ? await planFile(referenced) : undefined;
    const outcome = await planOne(file, source?.ok ? source.plan : undefined, options.guardrails);
    outcomes.set(file.stack, outcome);
    inProgress.delete(file.stack);
    return outcome;
  };

  const wanted = options.stacks ?? files.map((file) => file.stack);
  const results: PlanOutcome[] = [];
  for (const stack of wanted) {
    const file = byName.get(stack);
    if (!file) throw new Error(`No stack file was given for the stack ${stack}.`);
    results.push(await planFile(file));
  }
  return results;
}

/** The stack part of `applicationStack`, when the config sets one. */
function referencedStack(config: Record<string, string>): string | undefined {
  const reference = config[`${namespace}:applicationStack`];
  return reference?.split("/").pop();
}

async function planOne(
  file: StackFile,
  referenced: StackPlan | undefined,
  guardrails: unknown,
): Promise<PlanOutcome> {
  let evaluation: Evaluation;
  try {
    evaluation = await evaluateStack({
      stack: file.stack,
      config: file.config,
      secretKeys: file.secretKeys,
      preview: true,
      stackOutputs: () => referenced?.outputs ?? unknownMarker,
    });
  } catch (error) {
    // The program reports every problem of its config in one RunError; anything else is a fault.
    if (!(error instanceof pulumi.RunError)) throw error;
    return { ok: false, stack: file.stack, source: file.source, problems: error.message };
  }

  // The program accepted the config, so it parses; this reads the resolved side, cloud and tenant.
  const parsed = parseStackConfig(file.config, {
    isSecret: (key) => file.secretKeys.includes(key),
    now: new Date(),
  });
  if (!parsed.ok)
    throw new Error(`The config of ${file.stack} passed the program but not the parser.`);

  const plan: StackPlan = {
    stack: file.stack,
    side: parsed.config.side,
    cloud: parsed.config.cloud.name,
    tenantId: parsed.config.tenantId,
    resources: evaluation.resources.map(({ type, name, parent, inputs }) => ({
      type,
      name,
      parent: parent ?? null,
      inputs,
    })),
    roleAssignments: evaluation.resources
      .filter((resource) => resource.type === roleAssignmentType)
      .map(({ inputs }) => {
        const roleDefinitionId = String(inputs.roleDefinitionId);
        return {
          role: roleFromDefinitionId(roleDefinitionId)?.name ?? roleDefinitionId,
          roleDefinitionId,
          scope: String(inputs.scope),
          principalType: String(inputs.principalType),
          name: String(inputs.roleAssignmentName),
        };
      }),
    outputs: evaluation.outputs,
    warnings: evaluation.warnings,
    violations: checkPlan(evaluation.resources, {
      cloud: parsed.config.cloud.name,
      config: guardrails,
    }),
  };
  return referenced
    ? { ok: true, plan, evaluation, applicationStack: referenced.stack }
    : { ok: true, plan, evaluation };
}
