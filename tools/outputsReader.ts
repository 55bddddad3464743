/**
 * How export-config and verify read stack outputs on this machine: a file through node:fs, and
 * `pulumi stack output` through execFile, so that no shell ever sees a stack name.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import type { OutputsReader } from "../lib/stackOutputs.ts";

const run = promisify(execFile);

export const outputsReader: OutputsReader = {
  readFile: (path) => readFile(path, "utf8"),
  runPulumi: async (args) =>
    (await run("pulumi", args, { maxBuffer: 16 * 1024 * 1024, encoding: "utf8" })).stdout,
};
