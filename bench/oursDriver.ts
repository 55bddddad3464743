/**
 * One measured run of this project's program, started by the benchmark as a fresh Node.js process:
 * reads the stack's config as the offline plan does (Pulumi.yaml defaults, then the stack file),
 * evaluates the program on it under Pulumi's mock runtime, waits until every resource registration
 * has been answered, prints one line of JSON and exits.
 *
 * Usage: node bench/oursDriver.ts <project folder> <stack> [--evaluation-only]
 * With --evaluation-only the program's modules are loaded before the clock starts, so that
 * `evaluationMs` is the evaluation alone.
 */
import * as pulumi from "@pulumi/pulumi";
import { evaluateStack } from "../tools/evaluate.ts";
import { readStack } from "./stackConfig.ts";

const [dir, stack, mode] = process.argv.slice(2);
const { config, secretKeys } = readStack(dir, stack);
if (mode === "--evaluation-only") await import("../index.ts");

const started = performance.now();
const evaluation = await evaluateStack({ stack, config, secretKeys, preview: true });
await pulumi.runtime.disconnect();
const evaluationMs = performance.now() - started;

const report = {
  resources: evaluation.resources.map(({ type, name, parent, dependsOn }) => ({
    type,
    name,
    parent,
    dependsOn,
  })),
  evaluationMs,
  maxRssKb: process.resourceUsage().maxRSS,
};
process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
