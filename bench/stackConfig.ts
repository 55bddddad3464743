/**
 * Reads one stack's config for a benchmark run as the offline plan does: the project's defaults
 * from `Pulumi.yaml`, then `Pulumi.<stack>.yaml`, through lib/stackFiles.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  parseProjectFile,
  parseStackFile,
  stackFileName,
  type StackFile,
} from "../lib/stackFiles.ts";

export function readStack(dir: string, stack: string): StackFile {
  const project = parseProjectFile(readFileSync(join(dir, "Pulumi.yaml"), "utf8"), "Pulumi.yaml");
  const name = stackFileName(stack);
  return parseStackFile(stack, readFileSync(join(dir, name), "utf8"), name, project);
}
