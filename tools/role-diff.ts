/**
 * `npm run role-diff`: the role assignments a change adds, removes and changes, per stack, as the
 * Markdown of a pull-request comment, escalations first. Compares two `npm run plan -- --json`
 * results, or, with `--base REF`, plans the stack files as they were at git REF and as they are
 * now, both with the current program.
 *
 * Exit status: 0 when the report was printed; 1 with `--fail-on-escalation` when it holds an
 * escalation; 2 when a flag, an input file, a git ref, a stack file or a stack's config is invalid
 * (every problem on stderr, nothing on stdout).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { diffRoles, formatRoleDiff, hasEscalation } from "../lib/roleDiff.ts";
import {
  readStackDir,
  readStackSet,
  StackFileError,
  stackNames,
  type StackFileSet,
} from "../lib/stackFiles.ts";
import { planStacks, type StackPlan } from "./evaluate.ts";
import { formatFailures, processIo, type ToolIo } from "./plan.ts";

const usage = `Usage: npm run role-diff -- BASE.json HEAD.json [--fail-on-escalation] [--guardrails]
       npm run role-diff -- --base REF [--fail-on-escalation] [--guardrails]

BASE.json and HEAD.json are outputs of \`npm run --silent plan -- --json\`. --base REF plans the
stack files as they were at the git commit, branch or tag REF and as they are now, with the current
program. --guardrails adds the head's guardrail violations after the diff.
`;

/** A problem with the tool's input, reported on stderr with exit status 2. */
class InputError extends Error {}

/** Runs the tool; returns the exit status. */
export async function runRoleDiff(argv: readonly string[], io: ToolIo): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: {
        base: { type: "string" },
        "fail-on-escalation": { type: "boolean", default: false },
        guardrails: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    io.stderr(`role-diff: ${(error as Error).message}.\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    io.stdout(usage);
    return 0;
  }

  let plans: { base: StackPlan[]; head: StackPlan[] };
  try {
    plans =
      values.base !== undefined
        ? await planAtRef(values.base, positionals, io)
        : readPlanFiles(positionals, io.cwd);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.stderr(`role-diff: ${error.message}\n`);
    return 2;
  }

  const diff = diffRoles(plans.base, plans.head);
  io.stdout(formatRoleDiff(diff));
  if (values.guardrails) io.stdout(formatViolations(plans.head));
  return values["fail-on-escalation"] && hasEscalation(diff) ? 1 : 0;
}

/** The head's guardrail violations, mandatory first, for the same pull-request comment. */
function formatViolations(head: readonly StackPlan[]): string {
  const found = head.flatMap((plan) =>
    plan.violations.map((violation) => ({ stack: plan.stack, ...violation })),
  );
  if (found.length === 0) return "";
  const ordered = [
    ...found.filter((violation) => violation.level === "mandatory"),
    ...found.filter((violation) => violation.level === "advisory"),
  ];
  return [
    "",
    "### Guardrail violations",
    "",
    ...ordered.map(
      (violation) =>
        `- **${violation.level}** \`${violation.rule}\` in ${violation.stack} on ` +
        `\`${violation.resource}\`: ${violation.message} Fix: ${violation.fix}`,
    ),
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Two plan files

const planSchema = z.object({
  stack: z.string(),
  side: z.enum(["tenantA", "tenantB"]),
  cloud: z.string(),
  tenantId: z.string(),
  resources: z.array(
    z.object({
      type: z.string(),
      name: z.string(),
      parent: z.string().nullable(),
      inputs: z.record(z.string(), z.unknown()),
    }),
  ),
  roleAssignments: z.array(
    z.object({
      role: z.string(),
      roleDefinitionId: z.string(),
      scope: z.string(),
      principalType: z.string(),
      name: z.string(),
    }),
  ),
  outputs: z.record(z.string(), z.unknown()),
  warnings: z.array(z.string()),
  // Plans written before the guardrails existed have none.
  violations: z
    .array(
      z.object({
        rule: z.string(),
        level: z.enum(["mandatory", "advisory"]),
        resource: z.string(),
        type: z.string(),
        message: z.string(),
        fix: z.string(),
      }),
    )
    .default([]),
});

function readPlanFiles(paths: readonly string[], cwd: string) {
  if (paths.length !== 2) {
    throw new InputError(
      `expected two plan files, BASE.json and HEAD.json, and got ${paths.length}` +
        `${paths.length > 0 ? ` (${paths.join(", ")})` : ""}; or use --base REF.\n\n${usage}`,
    );
  }
  return { base: readPlanFile(paths[0], cwd), head: readPlanFile(paths[1], cwd) };
}

/** A file of `plan --json`: an array of stack plans, or the single plan that `--stack` prints. */
function readPlanFile(path: string, cwd: string): StackPlan[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(resolve(cwd, path), "utf8"));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "no such file"
        : (error as Error).message;
    throw new InputError(
      `${path}: cannot be read as JSON (${reason}). Write it with ` +
        `\`npm run --silent plan -- --json > ${path}\` (--silent keeps npm's own lines out of it).`,
    );
  }

  const parsed = (Array.isArray(data) ? z.array(planSchema) : planSchema).safeParse(data);
  if (!parsed.success) {
    const shown = parsed.error.issues.slice(0, 5).map((issue) => {
      const at = issue.path.reduce<string>(
        (text, part) => (typeof part === "number" ? `${text}[${part}]` : `${text}.${String(part)}`),
        "",
      );
      return `  - ${at === "" ? "(top)" : at.replace(/^\./, "")}: ${issue.message}`;
    });
    throw new InputError(
      `${path}: not a \`npm run plan -- --json\` result:\n${shown.join("\n")}\n` +
        `Write it again with \`npm run --silent plan -- --json > ${path}\`.`,
    );
  }

  const plans = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  const names = plans.map((plan) => plan.stack);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) {
    throw new InputError(`${path}: the stack ${repeated} appears twice; plan each stack once.`);
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------
// A git ref against the working tree

async function planAtRef(ref: string, positionals: readonly string[], io: ToolIo) {
  if (positionals.length > 0) {
    throw new InputError(
      `--base ${ref} plans the working tree as the head; drop ${positionals.join(", ")}, ` +
        "or compare two plan files without --base.",
    );
  }
  const baseSet = stackFilesAt(ref, io.cwd);
  let headSet: StackFileSet;
  try {
    headSet = readStackDir(io.cwd);
  } catch (error) {
    if (error instanceof StackFileError) throw new InputError(error.message);
    throw error;
  }

  const base = await planSet(baseSet, io);
  const head = await planSet(headSet, io);
  if (base === undefined || head === undefined) {
    throw new InputError("the stacks above cannot be planned; fix their config first.");
  }
  return { base, head };
}

/** Plans a set of stack files; prints every failure and returns `undefined` when there is one. */
async function planSet(set: StackFileSet, io: ToolIo): Promise<StackPlan[] | undefined> {
  const outcomes = [
    ...set.problems.map(({ stack, source, message }) => ({
      ok: false as const,
      stack,
      source,
      problems: message,
    })),
    ...(await planStacks(set.files)),
  ];
  if (outcomes.every((outcome) => outcome.ok)) return outcomes.map((outcome) => outcome.plan);
  io.stderr(formatFailures(outcomes, set.files));
  return undefined;
}

/** The project's stack files as they were at `ref`, read with git in `cwd`. */
function stackFilesAt(ref: string, cwd: string): StackFileSet {
  if (ref === "" || ref.startsWith("-")) {
    throw new InputError(`--base ${ref}: give a commit, branch or tag, such as origin/main.`);
  }
  const commit = git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], cwd);
  if (commit === undefined) {
    throw new InputError(
      `--base ${ref}: git knows no commit of that name in ${cwd} (or it is no git repository). ` +
        "Fetch it first (in GitHub Actions, actions/checkout with fetch-depth: 0), or name a " +
        "commit that exists.",
    );
  }

  // Paths are relative to the working directory, as for the head's stack files.
  const names = git(["ls-tree", "--name-only", `${commit.trim()}:./`], cwd) ?? "";
  const stacks = stackNames(names.split("\n"));
  if (stacks.length === 0) return { files: [], problems: [] };
  try {
    return readStackSet(
      stacks,
      (name) => {
        const text = git(["show", `${commit.trim()}:./${name}`], cwd);
        if (text === undefined) throw new StackFileError(`${ref}:${name}: not found at ${ref}.`);
        return text;
      },
      (name) => `${ref}:${name}`,
    );
  } catch (error) {
    if (error instanceof StackFileError) throw new InputError(error.message);
    throw error;
  }
}

/** Runs git; its output, or `undefined` when git fails. */
function git(args: readonly string[], cwd: string): string | undefined {
  try {
    return execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InputError(
        "--base needs git, and git is not on PATH. Install git, or compare two plan files.",
      );
    }
    return undefined;
  }
}

if (/[\\/]tools[\\/]role-diff\.ts$/.test(process.argv[1] ?? "")) {
  runRoleDiff(process.argv.slice(2), processIo()).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      process.stderr.write(`role-diff: the stack program failed: ${(error as Error).stack}\n`);
      process.exitCode = 3;
    },
  );
}
