/**
 * One measured run of the baseline program (bench/baseline), started by the benchmark as a fresh
 * Node.js process in that folder. It loads the program as Pulumi's language host loads a CommonJS
 * TypeScript project: ts-node registered with type-checking and the compiler options of the
 * project's tsconfig.json, then `require` of the entry point, inside the stack resource. Pulumi's
 * mock runtime stands in for the engine. Prints one line of JSON and exits.
 *
 * Usage (from bench/baseline): node ../baselineHost.ts <project folder> <stack>
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { register } from "ts-node";
import ts from "typescript";
import { readStack } from "./stackConfig.ts";

const [dir, stack] = process.argv.slice(2);
const { config, secretKeys } = readStack(dir, stack);

await pulumi.runtime.setMocks(
  {
    newResource: (args) => ({ id: undefined, state: args.inputs }),
    call: (args) => {
      throw new Error(`The baseline program made an unexpected call to ${args.token}.`);
    },
  },
  "signalr-cross-tenant",
  stack,
  true,
);
pulumi.runtime.setAllConfig(config, [...secretKeys]);

// The language host's defaults, overridden by the project's own compiler options.
const tsconfig = "tsconfig.json";
const parsed = ts.parseConfigFileTextToJson(tsconfig, readFileSync(tsconfig, "utf8"));
register({
  compiler: "typescript",
  typeCheck: true,
  project: tsconfig,
  compilerOptions: {
    target: "ES2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: "true",
    ...(parsed.config?.compilerOptions ?? {}),
  },
});

const started = performance.now();
const registered: string[] = [];
const load = createRequire(resolve("index.ts"));
await pulumi.runtime.runInPulumiStack(async () => {
  pulumi.runtime.registerStackTransformation((args) => {
    if (args.type !== "pulumi:pulumi:StackReference") registered.push(`${args.type}::${args.name}`);
    return undefined;
  });
  return load("./index.ts");
});
await pulumi.runtime.disconnect();

const report = {
  resources: registered,
  evaluationMs: performance.now() - started,
  maxRssKb: process.resourceUsage().maxRSS,
};
process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
