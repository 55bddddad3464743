/**
 * `npm run plan`: what `pulumi up` would do in each stack, without the Pulumi CLI, a backend or
 * cloud credentials. Runs the stack program under the mock runtime for every `Pulumi.<stack>.yaml`
 * in the working directory (or `--stack NAME`) and prints per stack the resources, the role
 * assignments, the outputs and the warnings; `--json` prints the same as data, `--format mermaid`
 * a diagram.
 *
 * Exit status: 0 when every stack was planned; 4 when planned but a mandatory guardrail is
 * violated (printed with the plan); 2 when a flag, a stack file or a stack's config is invalid
 * (every problem on stderr, nothing on stdout); 1 when the program failed otherwise.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkPlan, GuardrailConfigError } from "../lib/guardrails.ts";
import { resourceUrn, roleAssignmentExistsHint } from "../lib/importHint.ts";
import { secretMarker, unknownMarker } from "../lib/markers.ts";
import { mermaidDiagram } from "../lib/mermaid.ts";
import { roleAssignmentType } from "../lib/resourceTypes.ts";
import { grantsOf } from "../lib/roleDiff.ts";
import {
  findStacks,
  readStackDir,
  StackFileError,
  stackFileName,
  type StackFile,
  type StackFileSet,
} from "../lib/stackFiles.ts";
import { planStacks, type PlanOutcome, type StackPlan } from "./evaluate.ts";

export interface ToolIo {
  /** The directory holding `Pulumi.yaml` and the stack files. */
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const usage = `Usage: npm run plan -- [--stack NAME] [--json | --format text|json|mermaid]
                       [--policy-config FILE]

Plans every Pulumi.<stack>.yaml here (or only NAME) offline: no Pulumi CLI, backend or cloud login.
--policy-config FILE sets the guardrails' levels and options, as --policy-pack-config does for
\`pulumi preview --policy-pack policy\`.
`;

const project = "signalr-cross-tenant";
const accessType = "signalr-cross-tenant:tenantB:SignalRAccess";
const armProviderType = "pulumi:providers:azure-native";
const armProviderName = "tenant-b-arm";

const formats = ["text", "json", "mermaid"] as const;
type Format = (typeof formats)[number];

/** Runs the tool; returns the exit status. */
export async function runPlan(argv: readonly string[], io: ToolIo): Promise<number> {
  const args = readArgs(argv);
  if ("error" in args) {
    io.stderr(`plan: ${args.error}\n\n${usage}`);
    return 2;
  }
  if (args.help) {
    io.stdout(usage);
    return 0;
  }

  const guardrails = readPolicyConfig(io.cwd, args.policyConfig);
  if ("error" in guardrails) {
    io.stderr(`plan: ${guardrails.error}\n`);
    return 2;
  }

  const read = readStacks(io.cwd, args.stack);
  if ("error" in read) {
    io.stderr(`plan: ${read.error}\n`);
    return 2;
  }
  for (const note of read.files.flatMap((file) => file.notes)) io.stderr(`plan: note: ${note}\n`);

  const planned = await planStacks(read.files, {
    stacks: read.wanted,
    guardrails: guardrails.config,
  });
  const outcomes = [...read.failures, ...planned];
  const failures = outcomes.filter((outcome) => !outcome.ok);
  if (failures.length > 0) {
    io.stderr(formatFailures(failures, read.files));
    return 2;
  }

  const plans = planned.filter((outcome) => outcome.ok);
  io.stdout(render(plans, args.format, args.stack !== undefined));
  io.stderr(
    `Planned ${plans.map(({ plan }) => plan.stack).join(", ")} offline; nothing was created.\n`,
  );

  const mandatory = plans.flatMap(({ plan }) =>
    plan.violations.filter((violation) => violation.level === "mandatory"),
  );
  if (mandatory.length === 0) return 0;
  io.stderr(
    `plan: ${mandatory.length} mandatory guardrail ` +
      `${mandatory.length === 1 ? "violation" : "violations"}` +
      ` (${[...new Set(mandatory.map((violation) => violation.rule))].join(", ")}); ` +
      "see Guardrails in the plan. `pulumi up --policy-pack policy` would stop there too.\n",
  );
  return 4;
}

function readArgs(
  argv: readonly string[],
): { stack?: string; format: Format; policyConfig?: string; help: boolean } | { error: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string" },
        json: { type: "boolean", default: false },
        format: { type: "string" },
        "policy-config": { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { error: `${(error as Error).message}.` };
  }

  const format = values.format ?? (values.json ? "json" : "text");
  if (!formats.includes(format as Format)) {
    return { error: `--format ${format}: unknown format; use one of ${formats.join(", ")}.` };
  }
  if (values.json && format !== "json") {
    return { error: `--json and --format ${format} ask for two formats; give one of them.` };
  }
  if (values.stack === "") return { error: "--stack needs a stack name, such as tenantA." };
  return {
    stack: values.stack,
    format: format as Format,
    policyConfig: values["policy-config"],
    help: values.help,
  };
}

/**
 * The guardrails' levels and options from `--policy-config FILE`, the JSON file that
 * `pulumi preview --policy-pack-config` takes, checked before anything is planned.
 */
function readPolicyConfig(
  cwd: string,
  path: string | undefined,
): { config?: unknown } | { error: string } {
  if (path === undefined) return {};
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(resolve(cwd, path), "utf8"));
  } catch (error) {
    return {
      error: `--policy-config ${path}: cannot be read as JSON (${(error as Error).message}).`,
    };
  }
  try {
    checkPlan([], { config });
  } catch (error) {
    if (error instanceof GuardrailConfigError) {
      return { error: `--policy-config ${path}: ${error.message}` };
    }
    throw error;
  }
  return { config };
}

/**
 * Reads every stack file, since a stack may take its client id from another one's plan, and names
 * the stacks to plan. A file that cannot be read is a failure when it was asked for.
 */
function readStacks(
  dir: string,
  only: string | undefined,
): { files: readonly StackFile[]; wanted: string[]; failures: PlanOutcome[] } | { error: string } {
  const stacks = findStacks(dir);
  if (stacks.length === 0) {
    return {
      error:
        `no stack files (Pulumi.<stack>.yaml) in ${dir}. Run the plan in the project's root, ` +
        "next to Pulumi.yaml.",
    };
  }
  if (only !== undefined && !stacks.includes(only)) {
    return {
      error:
        `--stack ${only}: there is no ${stackFileName(only)} in ${dir}. ` +
        `Stacks here: ${stacks.join(", ")}.`,
    };
  }

  let set: StackFileSet;
  try {
    set = readStackDir(dir);
  } catch (error) {
    if (error instanceof StackFileError) return { error: error.message };
    throw error;
  }
  const asked = (stack: string) => only === undefined || stack === only;
  return {
    files: set.files,
    wanted: set.files.map((file) => file.stack).filter(asked),
    failures: set.problems
      .filter((problem) => asked(problem.stack))
      .map(({ stack, source, message }) => ({ ok: false, stack, source, problems: message })),
  };
}

/** Every failed stack's problems, by stack name, and why a `secure:` value may be among them. */
export function formatFailures(failures: readonly PlanOutcome[], files: readonly StackFile[]) {
  const failed = failures.filter((failure) => !failure.ok);
  return [...failed]
    .sort((a, b) => a.stack.localeCompare(b.stack))
    .map((failure) => {
      const secretKeys = files.find((file) => file.stack === failure.stack)?.secretKeys ?? [];
      const note =
        secretKeys.length === 0
          ? []
          : [
              `  Note: ${secretKeys.join(", ")} ${secretKeys.length === 1 ? "holds" : "hold"} ` +
                "secure: values, which the plan cannot decrypt. It plans " +
                `${secretMarker} in their place: the key counts as set, but a check of the ` +
                "value's format fails. Only a certificate's PEM may be secure here; store the " +
                "other keys in plain text.",
            ];
      return [`Stack ${failure.stack} (${failure.source}):`, failure.problems, ...note, ""].join(
        "\n",
      );
    })
    .join("\n");
}

type Planned = Extract<PlanOutcome, { ok: true }>;

function render(planned: readonly Planned[], format: Format, single: boolean): string {
  switch (format) {
    case "json": {
      const plans = planned.map(({ plan }) => plan);
      return `${JSON.stringify(single ? plans[0] : plans, null, 2)}\n`;
    }
    case "mermaid":
      return mermaidDiagram(planned);
    case "text":
      return planned.map(({ plan }) => formatPlan(plan)).join("\n");
  }
}

// ---------------------------------------------------------------------------------------------
// Text: one section per part of the plan

export function formatPlan(plan: StackPlan): string {
  const tenant = plan.side === "tenantA" ? "tenant A" : "tenant B";
  return [
    `Stack ${plan.stack}: ${tenant} ${plan.tenantId}, ${plan.cloud} cloud`,
    "",
    ...resourceLines(plan),
    "",
    ...roleAssignmentLines(plan),
    "",
    ...outputLines(plan),
    "",
    ...warningLines(plan),
    "",
    ...violationLines(plan),
    "",
    ...recoveryLines(plan),
  ].join("\n");
}

function resourceLines(plan: StackPlan): string[] {
  return [
    `Resources to create (${plan.resources.length}):`,
    ...plan.resources.flatMap((resource) => [
      `  + ${resource.type} ${resource.name}` +
        (resource.parent === null ? "" : ` (parent: ${resource.parent})`),
      ...Object.entries(resource.inputs).map(([key, value]) => `      ${key}: ${scalar(value)}`),
    ]),
  ];
}

function roleAssignmentLines(plan: StackPlan): string[] {
  if (plan.roleAssignments.length === 0) return ["Role assignments: none."];
  const grants = grantsOf(plan);
  const rows = plan.roleAssignments.map((assignment, index) => [
    scalar(grants[index].principal),
    assignment.role,
    assignment.scope,
    assignment.name,
  ]);
  return [
    `Role assignments (${rows.length}):`,
    ...table(["PRINCIPAL (CLIENT ID)", "ROLE", "SCOPE", "ASSIGNMENT NAME"], rows),
  ];
}

function outputLines(plan: StackPlan): string[] {
  return ["Outputs:", ...fields(plan.outputs, 2)];
}

function warningLines(plan: StackPlan): string[] {
  if (plan.warnings.length === 0) return ["Warnings: none."];
  return [
    `Warnings (${plan.warnings.length}):`,
    ...plan.warnings.map((warning) => `  - ${warning}`),
  ];
}

function violationLines(plan: StackPlan): string[] {
  if (plan.violations.length === 0) return ["Guardrails: none violated."];
  return [
    `Guardrails (${plan.violations.length}):`,
    ...plan.violations.flatMap((violation) => [
      `  - [${violation.level}] ${violation.rule} on ${violation.resource}: ${violation.message}`,
      `    Fix: ${violation.fix}`,
    ]),
  ];
}

/**
 * The way out of `RoleAssignmentExists` for each assignment: ARM refuses an assignment when the
 * principal already holds the role at the scope under another name. The commands find that name and
 * adopt the assignment into the stack; naming it in config then keeps `pulumi up` from replacing
 * it.
 */
function recoveryLines(plan: StackPlan): string[] {
  if (plan.roleAssignments.length === 0) return [];
  const grants = grantsOf(plan);
  const urn = (type: string, name: string, parentType?: string) =>
    resourceUrn({ stack: plan.stack, project, type, name, parentType });
  return [
    "If `pulumi up` answers RoleAssignmentExists (the " +
      "role is already assigned under another name),",
    "print that name with the first command, put it in the second, run it, and set it as `name` on",
    "the assignment's entry in signalr-cross-tenant:assignments:",
    ...plan.roleAssignments.flatMap((assignment, index) => {
      const resource = plan.resources.find(
        (candidate) =>
          candidate.type === roleAssignmentType &&
          candidate.inputs.roleAssignmentName === assignment.name,
      );
      const principal = grants[index].principal;
      const hint = roleAssignmentExistsHint({
        role: assignment.roleDefinitionId,
        scope: assignment.scope,
        name: assignment.name,
        resourceName: resource?.name ?? assignment.name,
        clientId: principal === unknownMarker ? "<client id>" : String(principal),
        parentUrn: resource?.parent ? urn(accessType, resource.parent) : undefined,
        providerUrn: urn(armProviderType, armProviderName),
      });
      return [
        `  ${assignment.role} at ${assignment.scope}:`,
        `    ${hint.findCommand}`,
        `    ${hint.importCommand}`,
      ];
    }),
    "",
  ];
}

/** Rows with columns padded to the widest cell; the last column is not padded. */
function table(headers: readonly string[], rows: readonly string[][]): string[] {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => row[column].length)),
  );
  const pad = (cell: string, column: number) =>
    column < headers.length - 1 ? cell.padEnd(widths[column]) : cell;
  const line = (cells: readonly string[]) => `  ${cells.map(pad).join("  ")}`;
  return [line(headers), ...rows.map(line)];
}

/** A value on one line: strings as they are, `known after apply` for values Azure assigns. */
function scalar(value: unknown): string {
  if (value === unknownMarker) return "known after apply";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A value over several lines, indented by depth, in the manner of YAML. */
function nested(key: string, value: unknown, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (Array.isArray(value) && value.length > 0) {
    return [`${pad}${key}:`, ...value.flatMap((item) => listItem(item, indent + 2))];
  }
  if (isRecord(value) && Object.keys(value).length > 0) {
    return [`${pad}${key}:`, ...fields(value, indent + 2)];
  }
  return [`${pad}${key}: ${scalar(value)}`];
}

function listItem(item: unknown, indent: number): string[] {
  if (!isRecord(item) || Object.keys(item).length === 0) {
    return [`${" ".repeat(indent)}- ${scalar(item)}`];
  }
  const [first, ...rest] = fields(item, indent + 2);
  return [`${" ".repeat(indent)}- ${first.trimStart()}`, ...rest];
}

function fields(record: Record<string, unknown>, indent: number): string[] {
  return Object.entries(record).flatMap(([key, value]) => nested(key, value, indent));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Standard streams and the working directory, for running as `npm run plan`. */
export function processIo(): ToolIo {
  // A reader that stops early (`| head`) closes the pipe; that is no failure of the tool.
  if (process.stdout.listenerCount("error") === 0) {
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  }
  return {
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}

if (/[\\/]tools[\\/]plan\.ts$/.test(process.argv[1] ?? "")) {
  runPlan(process.argv.slice(2), processIo()).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      process.stderr.write(`plan: the stack program failed: ${(error as Error).stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
}
