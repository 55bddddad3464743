/**
 * Runs a command-line tool as `npm run` does, `node tools/<name>.ts` in a child process of the Node
 * running the tests, so that its exit code, stdout and stderr are the real ones. The child sees
 * PATH and the variables given, nothing else of the test's environment.
 */
import { execFile } from "node:child_process";

export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runTool(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: process.cwd(), env: { PATH: process.env.PATH ?? "", ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
