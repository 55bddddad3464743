import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

const root = process.cwd();
const pullRequest = join(root, ".github", "workflows", "pull-request.yml");
const deploy = join(root, ".github", "workflows", "deploy.yml");

/**
 * Parses and converts workflow files with GitHub's own parser, @actions/workflow-parser, in a
 * Node.js process of its own: the package is ECMAScript-only and imports its JSON schema without
 * an import attribute, which the load hook below supplies.
 */
const validator = `
import { registerHooks } from "node:module";
import { readFileSync } from "node:fs";
registerHooks({
  load(url, context, nextLoad) {
    if (!url.endsWith(".json")) return nextLoad(url, context);
    return { format: "json", source: readFileSync(new URL(url)), shortCircuit: true };
  },
});
const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } = await import(
  "@actions/workflow-parser"
);
const report = {};
for (const path of process.argv.slice(1)) {
  const file = { name: path, content: readFileSync(path, "utf8") };
  const parsed = parseWorkflow(file, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((error) => error.message);
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  errors.push(...(template.errors ?? []).map((error) => error.Message));
  const jobs = (template.jobs ?? []).map((job) => ({
    id: job.id.value,
    needs: (job.needs ?? []).map((need) => need.value),
  }));
  report[path] = { errors: [...new Set(errors)], jobs };
}
console.log(JSON.stringify(report));
`;

type Report = Record<string, { errors: string[]; jobs: { id: string; needs: string[] }[] }>;

function validate(...paths: string[]): Promise<Report> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ["--input-type=module", "-e", validator, ...paths],
      { cwd: root },
      (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(JSON.parse(stdout))),
    ),
  );
}

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

function workflow(path: string): {
  jobs: Record<string, { needs?: string | string[]; environment?: string; steps: Step[] }>;
} {
  return parse(readFileSync(path, "utf8"));
}

describe("the workflow files", () => {
  it("parse and convert without errors", async () => {
    const report = await validate(pullRequest, deploy);

    expect(report).toEqual({
      [pullRequest]: {
        errors: [],
        jobs: [
          { id: "test", needs: [] },
          { id: "plan", needs: ["test"] },
          { id: "preview", needs: ["plan"] },
        ],
      },
      [deploy]: {
        errors: [],
        jobs: [
          { id: "plan", needs: [] },
          { id: "tenant-a", needs: ["plan"] },
          { id: "tenant-b", needs: ["plan", "tenant-a"] },
        ],
      },
    });
  });

  it("are checked by a parser that does report a broken workflow", async () => {
    const dir = mkdtempSync(join(tmpdir(), "workflows-"));
    const broken = join(dir, "broken.yml");
    writeFileSync(
      broken,
      [
        "on: push",
        "jobs:",
        "  build:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "        run: npm test",
      ].join("\n"),
    );
    try {
      const report = await validate(broken);

      expect(report[broken]).toEqual({
        errors: [`${broken} (Line: 7, Col: 9): Unexpected value 'run'`],
        jobs: [],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the pull-request workflow", () => {
  const { jobs } = workflow(pullRequest);

  it("installs and tests with the commands of the README", () => {
    expect(jobs.test.steps.map((step) => step.run ?? step.uses)).toEqual([
      "actions/checkout@v4",
      "actions/setup-node@v4",
      "npm ci",
      "npm test",
    ]);
    expect(jobs.test.steps[1].with).toEqual({ "node-version": 22, cache: "npm" });
  });

  it("plans the base and the head each with its own program, and diffs their roles", () => {
    const runs = jobs.plan.steps.map((step) => step.run ?? "").join("\n");

    expect(jobs.plan.steps.slice(0, 2).map((step) => step.with)).toEqual([
      { path: "head" },
      { ref: "${{ github.event.pull_request.base.sha }}", path: "base" },
    ]);
    expect(runs).toContain('npm run --silent plan -- --json > "$RUNNER_TEMP/head-plan.json"');
    expect(runs).toContain('npm run --silent plan -- --json > "$RUNNER_TEMP/base-plan.json"');
    expect(runs).toContain(
      'npm run --silent role-diff -- "$RUNNER_TEMP/base-plan.json" "$RUNNER_TEMP/head-plan.json"',
    );
    expect(runs).toContain('npm run --silent plan -- --format mermaid > "$RUNNER_TEMP/diagram.md"');
  });

  it("reports guardrail violations in the comment, then fails on a mandatory one", () => {
    const runs = jobs.plan.steps.map((step) => step.run ?? "").join("\n");
    const names = jobs.plan.steps.map((step) => step.name);
    const failing = jobs.plan.steps.find(
      (step) => step.name === "Fail on mandatory guardrail violations",
    )!;

    expect(runs).toContain(
      'if [ "$status" -ne 0 ] && [ "$status" -ne 4 ]; then exit "$status"; fi',
    );
    expect(runs).toContain('--guardrails > "$RUNNER_TEMP/role-diff.md"');
    expect(failing.if).toBe("steps.head.outputs.guardrails == '4'");
    expect(names.at(-1)).toBe("Fail on mandatory guardrail violations");
  });

  it("updates one marked comment rather than posting another", () => {
    const comment = jobs.plan.steps.find((step) => step.uses === "actions/github-script@v7")!;
    const script = String(comment.with?.script);

    expect(comment.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(script).toContain("github.rest.issues.updateComment");
    expect(script).toContain("comment.body?.startsWith(marker)");
    expect(jobs.plan.steps.map((step) => step.run ?? "").join("\n")).toContain(
      "echo '<!-- signalr-cross-tenant:offline-plan -->'",
    );
  });

  it("previews each stack with OIDC only when credentials are configured", () => {
    const preview = jobs.preview as unknown as {
      if: string;
      permissions: Record<string, string>;
      steps: Step[];
    };
    const login = preview.steps.find((step) => step.uses === "azure/login@v2")!;
    const pulumi = preview.steps.find((step) => step.uses === "pulumi/actions@v6")!;

    expect(preview.if).toBe("needs.plan.outputs.credentials == 'true'");
    expect(preview.permissions["id-token"]).toBe("write");
    expect(Object.keys(login.with!)).not.toContain("creds");
    expect(pulumi.with).toMatchObject({
      command: "preview",
      diff: true,
      policyPacks: "policy",
      "comment-on-pr": true,
    });
    expect(pulumi.env).toEqual({ PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" });
  });

  it("says with a notice why the preview is skipped", () => {
    const check = jobs.plan.steps.find((step) => step.name === "Check for cloud credentials")!;

    expect(check.run).toContain("::notice title=pulumi preview skipped::");
    expect(check.env).toEqual({
      SAME_REPOSITORY: "${{ github.event.pull_request.head.repo.full_name == github.repository }}",
      PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
      TENANT_A_CLIENT_ID: "${{ vars.AZURE_CLIENT_ID_TENANT_A }}",
      TENANT_B_CLIENT_ID: "${{ vars.AZURE_CLIENT_ID_TENANT_B }}",
    });
  });
});

describe("the deploy workflow", () => {
  const { jobs } = workflow(deploy);

  it("deploys tenant A before tenant B, each behind its protected environment", () => {
    expect([jobs["tenant-a"].environment, jobs["tenant-b"].environment]).toEqual([
      "tenant-a",
      "tenant-b",
    ]);
    expect(jobs["tenant-b"].needs).toEqual(["plan", "tenant-a"]);
    const commands = ["tenant-a", "tenant-b"].map(
      (id) => jobs[id].steps.find((step) => step.uses === "pulumi/actions@v6")!.with!.command,
    );
    expect(commands).toEqual(["up", "up"]);
  });

  it("tests and plans before anything is deployed", () => {
    expect(jobs.plan.steps.slice(0, 5).map((step) => step.run ?? step.uses)).toEqual([
      "actions/checkout@v4",
      "actions/setup-node@v4",
      "npm ci",
      "npm test",
      "npm run plan",
    ]);
  });
});
