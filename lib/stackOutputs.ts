/**
 * The two stacks' outputs as the export-config and verify commands take them: the flags that name
 * them, loading what `pulumi stack output --json --show-secrets` prints for tenant A and tenant B
 * (from a file or from the pulumi CLI), checking each stack's outputs and that both fit together,
 * and picking the tenant-A credential the app server signs in with. Pure: files, the pulumi CLI
 * and the clock stay with the caller.
 */
import { closest } from "fastest-levenshtein";
import { z } from "zod";
import { cloudNames } from "./clouds.ts";
import { ArgumentError, isHttpsUrl } from "./commandLine.ts";
import { guidPattern } from "./scopes.ts";

/** Stack outputs that are missing, malformed or contradict each other; every problem at once. */
export class StackOutputsError extends Error {
  readonly problems: readonly string[];

  constructor(heading: string, problems: readonly string[]) {
    super([heading, ...problems.map((problem) => `  - ${problem}`)].join("\n"));
    this.name = "StackOutputsError";
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------------------------
// Where the outputs come from

export type Side = "tenantA" | "tenantB";

/** A stack's outputs, either a file holding what pulumi printed or a stack to ask the CLI about. */
export interface StackSource {
  readonly side: Side;
  readonly kind: "file" | "stack";
  /** The flag the user gave, for messages: `--tenant-a` or `--stack-b`. */
  readonly flag: string;
  readonly value: string;
}

const sourceFlags: Record<Side, { file: string; stack: string; label: string }> = {
  tenantA: { file: "tenant-a", stack: "stack-a", label: "tenant A" },
  tenantB: { file: "tenant-b", stack: "stack-b", label: "tenant B" },
};

/** How a message names a source: `tenant B's outputs (--stack-b org/chat/tenantB)`. */
function describeSource(source: StackSource): string {
  return `${sourceFlags[source.side].label}'s outputs (${source.flag} ${source.value})`;
}

/** The arguments for `pulumi`, as an array for execFile: no shell ever sees the stack name. */
function pulumiStackOutputArgs(stack: string): string[] {
  return ["stack", "output", "--json", "--show-secrets", "--stack", stack];
}

/** Why running the pulumi CLI failed, in words that say what to do instead. */
function describePulumiFailure(
  source: StackSource,
  failure: { code?: unknown; stderr?: string },
): string {
  const command = `pulumi ${pulumiStackOutputArgs(source.value).join(" ")}`;
  const fileFlag = `--${sourceFlags[source.side].file}`;
  if (failure.code === "ENOENT") {
    return (
      `${source.flag} ${source.value}: the pulumi CLI is not on PATH. Install it ` +
      `(https://www.pulumi.com/docs/install/), or run \`${command}\` where it is ` +
      `installed and pass the saved output with ${fileFlag} FILE.`
    );
  }
  const detail = failure.stderr?.trim() || `exit status ${String(failure.code)}`;
  return (
    `${source.flag} ${source.value}: \`${command}\` failed: ${detail}. Check the stack name ` +
    `(organization/project/stack) and \`pulumi login\`, or pass ${fileFlag} FILE.`
  );
}

/**
 * What loading outputs needs from the outside world; the tools pass node's file and process APIs.
 */
export interface OutputsReader {
  readonly readFile: (path: string) => Promise<string>;
  /** Runs `pulumi` with these arguments, no shell involved, and resolves to its stdout. */
  readonly runPulumi: (args: string[]) => Promise<string>;
}

/** Loads a stack's outputs from its file or from the pulumi CLI, and parses them. */
export async function loadStackOutputs(
  source: StackSource,
  reader: OutputsReader,
): Promise<unknown> {
  let text: string;
  if (source.kind === "file") {
    try {
      text = await reader.readFile(source.value);
    } catch (error) {
      throw new ArgumentError(
        `${source.flag} ${source.value}: cannot read the file (${(error as Error).message}).`,
      );
    }
  } else {
    try {
      text = await reader.runPulumi(pulumiStackOutputArgs(source.value));
    } catch (error) {
      throw new ArgumentError(
        describePulumiFailure(source, error as { code?: unknown; stderr?: string }),
      );
    }
  }
  return parseOutputsText(text, source);
}

/** Parses the text of an outputs file or of the CLI's answer. */
function parseOutputsText(text: string, source: StackSource): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StackOutputsError(`${describeSource(source)} cannot be used:`, [
      `it is not JSON (${(error as Error).message}); give what ` +
        "`pulumi stack output --json --show-secrets` prints, unchanged.",
    ]);
  }
}

/**
 * Reads `--tenant-x FILE` or `--stack-x NAME`; exactly one when required, at most one otherwise.
 */
export function stackSource(
  values: Record<string, unknown>,
  side: Side,
  required: boolean,
): StackSource | undefined {
  const { file, stack, label } = sourceFlags[side];
  const fileValue = values[file] as string | undefined;
  const stackValue = values[stack] as string | undefined;
  if (fileValue !== undefined && stackValue !== undefined) {
    throw new ArgumentError(
      `--${file} ${fileValue} and --${stack} ${stackValue} both name ${label}'s outputs; give one.`,
    );
  }
  if (fileValue !== undefined) return { side, kind: "file", flag: `--${file}`, value: fileValue };
  if (stackValue !== undefined)
    return { side, kind: "stack", flag: `--${stack}`, value: stackValue };
  if (required) {
    throw new ArgumentError(
      `${label}'s outputs are missing: give --${file} FILE (what \`pulumi stack output --json ` +
        `--show-secrets\` printed) or --${stack} NAME (organization/project/stack).`,
    );
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The outputs of both stacks

/** What `pulumi stack output --json` prints for a secret output without `--show-secrets`. */
const hiddenBySecrets = "[secret]";

const guid = z
  .string({ error: "must be a GUID" })
  .regex(new RegExp(`^${guidPattern}$`), { error: "must be a GUID (8-4-4-4-12 hex digits)" });
const nonEmpty = z.string({ error: "must be text" }).min(1, { error: "must not be empty" });
const isoDate = z
  .string({ error: "must be an ISO 8601 date" })
  .refine((value) => !Number.isNaN(Date.parse(value)), { error: "must be an ISO 8601 date" });
const httpsUrl = z
  .string({ error: "must be an https:// URL" })
  .refine(isHttpsUrl, { error: "must be an https:// URL" });
const cloudName = z.enum(cloudNames, { error: `must be one of ${cloudNames.join(", ")}` });

const keyCredential = z.object({
  name: nonEmpty,
  kind: z.enum(["secret", "certificate"]),
  keyId: nonEmpty,
  endDate: isoDate,
});
const trustCredential = z.object({
  name: nonEmpty,
  kind: z.enum(["managedIdentity", "federated"]),
  issuer: httpsUrl,
  subject: nonEmpty,
  audiences: z.array(nonEmpty, { error: "must be a list" }).min(1, { error: "must not be empty" }),
});
const credential = z.discriminatedUnion("kind", [keyCredential, trustCredential], {
  error: "must be secret, certificate, managedIdentity or federated",
});

const tenantASchema = z.object({
  clientId: guid,
  applicationObjectId: guid,
  tenantId: guid,
  cloud: cloudName,
  credentials: z
    .array(credential, { error: "must be a list" })
    .min(1, { error: "must list at least one credential" }),
  clientSecrets: z.record(z.string(), z.string({ error: "must be text" }), {
    error: "must map credential names to values",
  }),
});

const endpoint = z.object({ name: nonEmpty, url: httpsUrl });

const tenantBSchema = z.object({
  clientId: guid,
  tenantId: guid,
  cloud: cloudName,
  servicePrincipalObjectId: guid,
  roleAssignments: z.array(
    z.object({ role: nonEmpty, roleDefinitionId: nonEmpty, scope: nonEmpty, name: nonEmpty }),
    { error: "must be a list" },
  ),
  tokenScope: httpsUrl.refine((value) => value.endsWith("/.default"), {
    error: "must end in /.default",
  }),
  expectedClaims: z.object({ tid: guid, oid: guid, appid: guid }, { error: "must be an object" }),
  endpoints: z.array(endpoint, { error: "must be a list" }),
  adminConsentUrl: httpsUrl,
});

export type CredentialSummary = z.output<typeof credential>;
export type TenantAOutputs = z.output<typeof tenantASchema>;
export type TenantBOutputs = z.output<typeof tenantBSchema>;
export type Endpoint = z.output<typeof endpoint>;

/** Checks tenant A's outputs; throws a StackOutputsError naming every missing or malformed key. */
export function readTenantAOutputs(raw: unknown, source: StackSource): TenantAOutputs {
  const problems: string[] = [];
  if (isRecord(raw) && raw.clientSecrets === hiddenBySecrets) {
    problems.push(
      'clientSecrets is "[secret]": the outputs were printed without --show-secrets. Run ' +
        "`pulumi stack output --json --show-secrets` again.",
    );
  }
  const parsed = tenantASchema.safeParse(raw);
  if (!parsed.success) problems.push(...explain(parsed.error, raw, problems.length > 0));
  if (problems.length > 0) throw outputsError(source, problems);
  return parsed.data as TenantAOutputs;
}

/** Checks tenant B's outputs, including that its expected claims agree with its other outputs. */
export function readTenantBOutputs(raw: unknown, source: StackSource): TenantBOutputs {
  const parsed = tenantBSchema.safeParse(raw);
  if (!parsed.success) throw outputsError(source, explain(parsed.error, raw, false));

  const outputs = parsed.data;
  const claims = outputs.expectedClaims;
  const pairs: [string, string, string, string][] = [
    ["expectedClaims.tid", claims.tid, "tenantId", outputs.tenantId],
    [
      "expectedClaims.oid",
      claims.oid,
      "servicePrincipalObjectId",
      outputs.servicePrincipalObjectId,
    ],
    ["expectedClaims.appid", claims.appid, "clientId", outputs.clientId],
  ];
  const problems = pairs
    .filter(([, claim, , value]) => claim.toLowerCase() !== value.toLowerCase())
    .map(
      ([claimKey, claim, key, value]) =>
        `${claimKey} is ${claim} but ${key} is ${value}; the file was edited or mixes two ` +
        "deployments. Print the outputs of one tenant B stack again.",
    );
  if (problems.length > 0) throw outputsError(source, problems);
  return outputs;
}

/**
 * Checks that the two stacks describe the same application in the same cloud. Each message names
 * both values, so the user sees which side is off.
 */
export function checkStacksAgree(tenantA: TenantAOutputs, tenantB: TenantBOutputs): void {
  const problems: string[] = [];
  if (tenantA.clientId.toLowerCase() !== tenantB.clientId.toLowerCase()) {
    problems.push(
      `tenant B's clientId ${tenantB.clientId} differs from tenant A's clientId ` +
        `${tenantA.clientId}: tenant B's enterprise application belongs to another application. ` +
        "Set tenant B's clientId (or applicationStack) to tenant A's application and run " +
        "`pulumi up` there, or pass the outputs of the matching tenant A stack.",
    );
  }
  if (tenantA.cloud !== tenantB.cloud) {
    problems.push(
      `tenant A's cloud is ${tenantA.cloud} and tenant B's cloud is ${tenantB.cloud}: sign-in ` +
        "and federation do not cross clouds. Deploy both stacks to the same cloud.",
    );
  }
  if (
    tenantA.applicationObjectId.toLowerCase() === tenantB.servicePrincipalObjectId.toLowerCase()
  ) {
    problems.push(
      `tenant B's servicePrincipalObjectId ${tenantB.servicePrincipalObjectId} equals tenant A's ` +
        `applicationObjectId ${tenantA.applicationObjectId}: ` +
        `the enterprise application in tenant B ` +
        "is a different object. Print tenant B's outputs again.",
    );
  }
  if (problems.length > 0) {
    throw new StackOutputsError("The tenant A and tenant B outputs do not fit together:", problems);
  }
}

function outputsError(source: StackSource, problems: readonly string[]): StackOutputsError {
  return new StackOutputsError(
    `${describeSource(source)} cannot be used; give what \`pulumi stack output --json ` +
      "--show-secrets\` prints for this project's stack:",
    problems,
  );
}

/** One line per zod issue: the key path, what it must be, and what it was (never a secret). */
function explain(error: z.ZodError, raw: unknown, secretsReported: boolean): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String);
    if (secretsReported && path[0] === "clientSecrets") continue;
    const key = formatPath(issue.path);
    const value = valueAt(raw, issue.path);
    if (value === undefined) {
      lines.push(`${key} is missing.`);
    } else if (path[0] === "clientSecrets") {
      lines.push(`${key} ${issue.message} (value hidden).`);
    } else if (typeof value === "object" && value !== null) {
      // A list or object may hold the secrets themselves (a whole outputs file, say): name its
      // kind.
      const kind = Array.isArray(value) ? "a list" : "an object";
      lines.push(`${key || "(top)"} ${issue.message}; got ${kind} (not shown).`);
    } else if (issue.path.length === 0) {
      lines.push(`(top) ${issue.message}; got ${typeof value} (not shown).`);
    } else {
      lines.push(`${key} ${issue.message}; got ${JSON.stringify(value)}.`);
    }
  }
  return lines;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current = raw;
  for (const part of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// The credential

/**
 * Picks the credential the app server signs in with. A name picks that one; the name of a rotating
 * secret (whose slots tenant A lists as `<name>@a` and `<name>@b`) picks the slot that expires last
 * among those still valid. Without a name: the only credential, or else the client secret that
 * expires last among those still valid, so that during a rotation the new secret wins over the one
 * about to expire.
 */
export function chooseCredential(
  tenantA: TenantAOutputs,
  name: string | undefined,
  now: Date,
): CredentialSummary {
  const credentials = tenantA.credentials;
  const list = credentials.map((c) => `${c.name} (${c.kind})`).join(", ");

  if (name !== undefined) {
    const found = credentials.find((c) => c.name === name);
    if (found) return usable(found, now);
    const rotating = credentials.filter((c) => c.name.startsWith(`${name}@`));
    if (rotating.length > 0) {
      const newest = newestLiveSecret(rotating, now);
      if (newest) return newest;
      throw new StackOutputsError(`Tenant A's rotating secret ${name} cannot be used:`, [
        `every slot (${rotating.map((c) => c.name).join(", ")}) has expired. Run \`pulumi up\` ` +
          "on the tenant A stack to make a new secret.",
      ]);
    }
    const suggestion = closest(
      name,
      credentials.map((c) => c.name.replace(/@[^@]*$/, "")),
    );
    throw new ArgumentError(
      `--credential ${name}: tenant A has no credential of that name; it has ${list}. ` +
        `Did you mean --credential ${suggestion}?`,
    );
  }

  if (credentials.length === 1) return usable(credentials[0], now);

  const newest = newestLiveSecret(credentials, now);
  if (newest) return newest;
  throw new ArgumentError(
    `tenant A has ${credentials.length} credentials, ${list}, and no client secret that is ` +
      "still valid; choose one with --credential NAME.",
  );
}

function newestLiveSecret(
  credentials: readonly CredentialSummary[],
  now: Date,
): CredentialSummary | undefined {
  let newest: (CredentialSummary & { endDate: string }) | undefined;
  for (const c of credentials) {
    if (c.kind !== "secret" || Date.parse(c.endDate) <= now.getTime()) continue;
    if (newest === undefined || Date.parse(c.endDate) > Date.parse(newest.endDate)) newest = c;
  }
  return newest;
}

function usable(credential: CredentialSummary, now: Date): CredentialSummary {
  if (
    (credential.kind === "secret" || credential.kind === "certificate") &&
    Date.parse(credential.endDate) <= now.getTime()
  ) {
    throw new StackOutputsError(`Tenant A's credential ${credential.name} cannot be used:`, [
      `the ${credential.kind} expired on ${credential.endDate}. Rotate it (\`pulumi up\` on the ` +
        "tenant A stack) or choose another with --credential NAME.",
    ]);
  }
  return credential;
}

/** The value of tenant A's client secret `name`; a StackOutputsError when the outputs hold none. */
export function clientSecretOf(tenantA: TenantAOutputs, name: string): string {
  const value = tenantA.clientSecrets[name];
  if (!value) {
    throw new StackOutputsError(`Tenant A's credential ${name} cannot be used:`, [
      `clientSecrets has no value for ${name}; print tenant A's outputs with ` +
        "`pulumi stack output --json --show-secrets`.",
    ]);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
