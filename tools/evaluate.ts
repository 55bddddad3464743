/**
 * Runs the real stack program under Pulumi's mock runtime: no CLI, no backend, no cloud. Records every
 * resource the program registers (type token, name, parent, inputs as passed, secrets marked) and the
 * stack outputs, so that the offline plan, the benchmark and the tests all see the same evaluation.
 */
import * as pulumi from "@pulumi/pulumi";

/** Stands in for a value that is secret, wherever a plain copy of inputs or outputs is made. */
export const secretMarker = "[secret]";
/** Stands in for a value that only Azure knows, once the resource exists. */
export const unknownMarker = "[known after apply]";

export interface RegisteredResource {
  /** Pulumi type token, e.g. `azuread:index/application:Application`. */
  readonly type: string;
  readonly name: string;
  /** Name of the parent resource; absent for children of the stack itself. */
  readonly parent?: string;
  /** What the program passed, resolved; secret values replaced by `[secret]`. */
  readonly inputs: Record<string, unknown>;
  /** Names of resources this one waits for: its parent chain excluded, its inputs' sources included. */
  readonly dependsOn: readonly string[];
  /** Resource options the deployment relies on; `provider` names the explicit provider used. */
  readonly options: { protect?: boolean; deleteBeforeReplace?: boolean; provider?: string };
}

export interface Evaluation {
  readonly resources: readonly RegisteredResource[];
  /** Stack outputs, secrets replaced by `[secret]`, values Azure assigns by `[known after apply]`. */
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
   * Preview: outputs that Azure assigns stay unknown. Otherwise `fakeOutputs` supplies them, so that
   * tests can follow values end to end.
   */
  readonly preview: boolean;
  /** Outputs a resource reports once created, by type token; used only when not previewing. */
  readonly fakeOutputs?: (
    type: string,
    name: string,
    inputs: Record<string, unknown>,
  ) => Record<string, unknown>;
  /** Outputs of stacks named in StackReferences. */
  readonly stackOutputs?: (stackName: string) => Record<string, unknown> | undefined;
  /** Loads the program; defaults to this project's `index.ts`. */
  readonly loadProgram?: () => Promise<{ default: () => unknown }>;
}

const stackReferenceType = "pulumi:pulumi:StackReference";

/**
 * Evaluates the program once for one stack. Throws what the program throws (config errors included),
 * and, like the Pulumi language host, what an output's computation throws while resources register.
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
  const project = options.project ?? "signalr-cross-tenant";
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
          return { id: name, state: { name, outputs, secretOutputNames: [] } };
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

const secretSignature = "4dabf18193072939515e22adb298388d";
const secretValue = "1b47061264138c4ac30d75fd1eb44270";
const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function isSecretWire(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[secretSignature] === secretValue
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
  if (value === unknownValue) return unknownMarker;
  if (isSecretWire(value)) return secretMarker;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  }
  return value;
}

/** Collects `pulumi.log.warn` messages while the program runs; returns the function that stops it. */
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
