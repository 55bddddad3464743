/**
 * `npm run bench`: how quickly and how leanly this project's program gets from process start to
 * every resource registered, against the usual Azure TypeScript set-up (bench/baseline: CommonJS,
 * root package imports, ts-node type-checking at start) registering the same resources. Also
 * reports the depth of each stack's dependency graph and how evaluation time grows with the number
 * of role assignments. Timings are noisy, so this is a measurement, not a test: it exits 0 whether
 * or not the goals are met, 1 when a run fails, 2 on a bad flag.
 *
 * Usage: npm run bench [-- [--json] [--runs <n>]]
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { namespace } from "../lib/config.ts";
import { graphDepth, type GraphResource } from "../lib/graph.ts";
import { roleAssignmentType } from "../lib/resourceTypes.ts";

const usage = "Usage: npm run bench [-- [--json] [--runs <n>]]  (n: 5 or more; default 5)";
const stacks = ["tenantA", "tenantB"] as const;
const scalingSizes = [10, 100, 1000] as const;
const goals = { speedup: 5, memoryShare: 0.5, depth: 2, scalingRatio: 12 };

interface RunReport {
  readonly resources: readonly (GraphResource | string)[];
  readonly evaluationMs: number;
  readonly maxRssKb: number;
}

interface Run {
  readonly wallMs: number;
  readonly report: RunReport;
}

interface StackResult {
  oursMs: number;
  baselineMs: number;
  speedup: number;
  oursRssMb: number;
  baselineRssMb: number;
  depth: number;
}

async function main(args: readonly string[]): Promise<number> {
  const options = parseArgs(args);
  if (typeof options === "string") {
    process.stderr.write(`${options}\n${usage}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }

  const root = process.cwd();
  if (!existsSync(join(root, "Pulumi.yaml"))) {
    process.stderr.write(
      `No Pulumi.yaml in ${root}; run the benchmark from the project root, with npm run bench.\n`,
    );
    return 2;
  }

  const results: Record<string, StackResult> = {};
  for (const stack of stacks) {
    results[stack] = await measureStartUp(root, stack, options.runs);
  }
  const scaling = await measureScaling(root, options.runs);

  process.stdout.write(
    options.json
      ? `${JSON.stringify({ stacks: results, scaling: scaling.times }, null, 2)}\n`
      : table(results, scaling, options.runs),
  );
  return 0;
}

function parseArgs(
  args: readonly string[],
): { json: boolean; runs: number; help: boolean } | string {
  const options = { json: false, runs: 5, help: false };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === "--json") options.json = true;
    else if (arg === "--help" || arg === "-h") options.help = true;
    else if (arg === "--runs") {
      const value = args[++index];
      const runs = Number(value);
      if (!Number.isInteger(runs) || runs < 5) {
        return (
          `--runs: got ${value ?? "nothing"}; give a whole number of runs, 5 or more, ` +
          "such as --runs 7."
        );
      }
      options.runs = runs;
    } else {
      return `${arg}: not a flag of the benchmark; the flags are --json, --runs <n> and --help.`;
    }
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Start-up: ours against the baseline, interleaved

async function measureStartUp(root: string, stack: string, runs: number) {
  const ours = () => runChild(["bench/oursDriver.ts", root, stack], root);
  const baseline = () =>
    runChild(["../baselineHost.ts", root, stack], join(root, "bench", "baseline"));

  // An unmeasured run of each fills the file cache and shows that both register the same resources.
  progress(`${stack}: warm-up runs`);
  const first = await ours();
  sameResources(stack, first.report, (await baseline()).report);
  const depth = graphDepth(first.report.resources as GraphResource[]);

  const oursRuns: Run[] = [];
  const baselineRuns: Run[] = [];
  for (let run = 1; run <= runs; run++) {
    progress(`${stack}: run ${run} of ${runs}`);
    oursRuns.push(await ours());
    baselineRuns.push(await baseline());
  }

  const oursMs = median(oursRuns.map((run) => run.wallMs));
  const baselineMs = median(baselineRuns.map((run) => run.wallMs));
  return {
    oursMs: Math.round(oursMs),
    baselineMs: Math.round(baselineMs),
    speedup: round(baselineMs / oursMs, 1),
    oursRssMb: round(median(oursRuns.map((run) => run.report.maxRssKb)) / 1024, 1),
    baselineRssMb: round(median(baselineRuns.map((run) => run.report.maxRssKb)) / 1024, 1),
    depth,
  };
}

/** Ours lists resources as records, the baseline as `type::name`; both must name the same ones. */
function sameResources(stack: string, ours: RunReport, baseline: RunReport) {
  const key = (resource: GraphResource | string) =>
    typeof resource === "string" ? resource : `${resource.type}::${resource.name}`;
  const oursKeys = ours.resources.map(key).sort();
  const baselineKeys = baseline.resources.map(key).sort();
  const missing = oursKeys.filter((name) => !baselineKeys.includes(name));
  const extra = baselineKeys.filter((name) => !oursKeys.includes(name));
  if (missing.length > 0 || extra.length > 0 || oursKeys.length !== baselineKeys.length) {
    throw new Error(
      `${stack}: the baseline registers other resources than the program, so the comparison ` +
        `would be unfair. Missing from the baseline: ${missing.join(", ") || "none"}; only in ` +
        `the baseline: ${extra.join(", ") || "none"}. Align bench/baseline/index.ts with the ` +
        "program.",
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Scaling: evaluation time of tenant-B stacks with more and more role assignments

async function measureScaling(root: string, runs: number) {
  const dir = mkdtempSync(join(tmpdir(), "signalr-bench-"));
  try {
    copyFileSync(join(root, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    const names = scalingSizes.map((size) => {
      writeFileSync(
        join(dir, `Pulumi.assignments${size}.yaml`),
        stringify({ config: tenantBConfig(size) }),
      );
      return `assignments${size}`;
    });
    const evaluate = (stack: string) =>
      runChild(["bench/oursDriver.ts", dir, stack, "--evaluation-only"], root);

    progress("scaling: warm-up runs");
    const depths: number[] = [];
    for (const [index, stack] of names.entries()) {
      const { report } = await evaluate(stack);
      const assignments = (report.resources as GraphResource[]).filter(
        (resource) => resource.type === roleAssignmentType,
      );
      if (assignments.length !== scalingSizes[index]) {
        throw new Error(
          `scaling: a stack of ${scalingSizes[index]} assignments registered ` +
            `${assignments.length} role assignments; check the generated config in bench/bench.ts.`,
        );
      }
      depths.push(graphDepth(report.resources as GraphResource[]));
    }

    const times = scalingSizes.map((): number[] => []);
    for (let run = 1; run <= runs; run++) {
      progress(`scaling: run ${run} of ${runs}`);
      for (const [index, stack] of names.entries()) {
        times[index].push((await evaluate(stack)).report.evaluationMs);
      }
    }
    return {
      times: Object.fromEntries(
        scalingSizes.map((size, index) => [String(size), round(median(times[index]), 1)]),
      ) as Record<string, number>,
      depths,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A tenant-B stack config with `size` assignments, each on a SignalR resource of its own. */
function tenantBConfig(size: number): Record<string, unknown> {
  const subscription = "55555555-5555-5555-5555-555555555555";
  return {
    [`${namespace}:side`]: "tenantB",
    [`${namespace}:tenantId`]: "33333333-3333-3333-3333-333333333333",
    [`${namespace}:clientId`]: "44444444-4444-4444-4444-444444444444",
    [`${namespace}:assignments`]: Array.from({ length: size }, (_, index) => ({
      role: index % 2 === 0 ? "SignalR App Server" : "SignalR REST API Reader",
      scope:
        `/subscriptions/${subscription}/resourceGroups/chat-${index}` +
        `/providers/Microsoft.SignalRService/SignalR/chat-${index}`,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes

/** Runs a script in a fresh Node.js process; wall time from spawn to exit, and its JSON report. */
function runChild(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let wallMs = 0;
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("exit", () => (wallMs = performance.now() - started));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`node ${args.join(" ")} (in ${cwd}) exited with ${code}:\n${stderr}`));
        return;
      }
      resolve({ wallMs, report: JSON.parse(stdout) as RunReport });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Output

function table(
  results: Record<string, StackResult>,
  scaling: { times: Record<string, number>; depths: number[] },
  runs: number,
): string {
  const share = (result: StackResult) => result.oursRssMb / result.baselineRssMb;
  const percent = (value: number) => `${Math.round(value * 100)}%`;
  const rows = stacks.map((stack) => {
    const result = results[stack];
    return [
      stack,
      `${result.oursMs} ms`,
      `${result.baselineMs} ms`,
      `${result.speedup}x`,
      `${result.oursRssMb} MB`,
      `${result.baselineRssMb} MB`,
      percent(share(result)),
      String(result.depth),
    ];
  });
  const scalingRows = scalingSizes.map((size, index) => [
    String(size),
    `${scaling.times[size]} ms`,
    String(scaling.depths[index]),
  ]);

  const all = (test: (result: StackResult) => boolean) =>
    stacks.every((stack) => test(results[stack]));
  const each = (show: (result: StackResult) => string) =>
    stacks.map((stack) => `${stack} ${show(results[stack])}`).join(", ");
  const ratio = round(scaling.times["1000"] / scaling.times["100"], 1);
  const fast = all((result) => result.speedup >= goals.speedup);
  const lean = all((result) => share(result) <= goals.memoryShare);
  const shallow =
    all((result) => result.depth === goals.depth) &&
    scaling.depths.every((depth) => depth === goals.depth);
  const linear = ratio <= goals.scalingRatio;
  const verdict = (ok: boolean, detail: string) => `${ok ? "met" : "MISSED"} (${detail})`;

  return [
    `Start-up: process start to every resource registered, median of ${runs} runs, interleaved.`,
    "ours: node on index.ts with types stripped, ESM, submodule imports (bench/oursDriver.ts)",
    "baseline: ts-node with type-checking, CommonJS, root imports (bench/baseline)",
    "",
    columns([
      ["stack", "ours", "baseline", "speedup", "ours RSS", "baseline RSS", "memory", "depth"],
      ...rows,
    ]),
    "",
    `Evaluation of a tenant-B stack by number of role assignments, median of ${runs} runs.`,
    "",
    columns([["assignments", "time", "depth"], ...scalingRows]),
    "",
    columns([
      ["goal", "result"],
      [
        `speedup >= ${goals.speedup} in each stack`,
        verdict(
          fast,
          each((result) => `${result.speedup}x`),
        ),
      ],
      [
        "peak memory <= half the baseline's",
        verdict(
          lean,
          each((r) => percent(share(r))),
        ),
      ],
      [
        `graph depth ${goals.depth} in each stack`,
        verdict(
          shallow,
          `${each((result) => String(result.depth))}; generated ${scaling.depths.join(", ")}`,
        ),
      ],
      [`1000 assignments <= ${goals.scalingRatio}x the time of 100`, verdict(linear, `${ratio}x`)],
    ]),
    "",
  ].join("\n");
}

function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function progress(message: string) {
  process.stderr.write(`${message}\n`);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
