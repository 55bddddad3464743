/**
 * Turns the two stacks' outputs into the app server's configuration. Reads and checks what
 * `pulumi stack output --json --show-secrets` prints for tenant A and tenant B, picks the credential
 * the app server signs in with, and writes it as an appsettings.json fragment, environment variables
 * or plain JSON, secrets hidden unless asked for. Pure: files, the pulumi CLI and the clock stay with
 * the caller.
 */
import { parseArgs } from "node:util";
import { closest } from "fastest-levenshtein";
import { z } from "zod";
import { cloudNames, cloudProfile, type CloudName } from "./clouds.ts";
import { formatConnectionString } from "./connectionString.ts";

/** Bad flags or flag values: the command cannot run as written. */
export class ArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArgumentError";
  }
}

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
export function describeSource(source: StackSource): string {
  return `${sourceFlags[source.side].label}'s outputs (${source.flag} ${source.value})`;
}

/** The arguments for `pulumi`, as an array for execFile: no shell ever sees the stack name. */
export function pulumiStackOutputArgs(stack: string): string[] {
  return ["stack", "output", "--json", "--show-secrets", "--stack", stack];
}

/** Why running the pulumi CLI failed, in words that say what to do instead. */
export function describePulumiFailure(
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

/** What loading outputs needs from the outside world; the tools pass node's file and process APIs. */
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
export function parseOutputsText(text: string, source: StackSource): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StackOutputsError(`${describeSource(source)} cannot be used:`, [
      `it is not JSON (${(error as Error).message}); give what ` +
        "`pulumi stack output --json --show-secrets` prints, unchanged.",
    ]);
  }
}

// ---------------------------------------------------------------------------------------------
// The outputs of both stacks

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What `pulumi stack output --json` prints for a secret output without `--show-secrets`. */
const hiddenBySecrets = "[secret]";

const guid = z
  .string({ error: "must be a GUID" })
  .regex(guidPattern, { error: "must be a GUID (8-4-4-4-12 hex digits)" });
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
        `applicationObjectId ${tenantA.applicationObjectId}: the enterprise application in tenant B ` +
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

// ---------------------------------------------------------------------------------------------
// The app server's settings

/** The credential as the app server uses it; `clientSecret` holds the value itself. */
export type ExportedCredential =
  | {
      readonly kind: "secret";
      readonly name: string;
      readonly keyId: string;
      readonly endDate: string;
      readonly clientSecret: string;
    }
  | {
      readonly kind: "certificate";
      readonly name: string;
      readonly keyId: string;
      readonly endDate: string;
      /** Where the app server finds the PEM holding the certificate and its private key. */
      readonly certificatePath?: string;
    }
  | {
      readonly kind: "managedIdentity" | "federated";
      readonly name: string;
      readonly issuer: string;
      /** For a managed identity: its principal (object) id in tenant A. */
      readonly subject: string;
      /** The audience the assertion must carry; the token-exchange audience of the cloud. */
      readonly tokenExchangeAudience: string;
    };

export interface AppServerSettings {
  readonly cloud: CloudName;
  readonly authorityHost: string;
  /** Tenant B: the tenant the app server asks for its SignalR token. */
  readonly tenantId: string;
  readonly clientId: string;
  readonly servicePrincipalObjectId: string;
  readonly tokenScope: string;
  readonly endpoints: readonly Endpoint[];
  readonly credential: ExportedCredential;
}

export interface SettingsInput {
  readonly tenantA: TenantAOutputs;
  readonly tenantB: TenantBOutputs;
  readonly credential: CredentialSummary;
  /** Replaces tenant B's endpoints, for role assignments above a single SignalR resource. */
  readonly endpoints?: readonly Endpoint[];
  /** Replaces the cloud's authority host, for a private cloud. */
  readonly authorityHost?: string;
  readonly certificatePath?: string;
}

/** Joins both stacks' outputs and the chosen credential into what the app server needs. */
export function buildAppServerSettings(input: SettingsInput): AppServerSettings {
  const { tenantA, tenantB, credential } = input;
  const profile = cloudProfile(tenantB.cloud);

  const endpoints = input.endpoints ?? tenantB.endpoints;
  if (endpoints.length === 0) {
    throw new ArgumentError(
      "tenant B's outputs list no SignalR endpoint (its role assignments are above a single " +
        "SignalR resource); name it with --endpoint https://<name>." +
        `${profile.signalrHostSuffix}.`,
    );
  }
  if (input.certificatePath !== undefined && credential.kind !== "certificate") {
    throw new ArgumentError(
      `--cert-path ${input.certificatePath}: the credential ${credential.name} is a ` +
        `${credential.kind}, not a certificate; drop --cert-path or choose a certificate with ` +
        "--credential NAME.",
    );
  }

  return {
    cloud: tenantB.cloud,
    authorityHost: input.authorityHost ?? profile.authorityHost,
    tenantId: tenantB.tenantId,
    clientId: tenantB.clientId,
    servicePrincipalObjectId: tenantB.servicePrincipalObjectId,
    tokenScope: tenantB.tokenScope,
    endpoints,
    credential: exportedCredential(tenantA, credential, input.certificatePath),
  };
}

function exportedCredential(
  tenantA: TenantAOutputs,
  credential: CredentialSummary,
  certificatePath: string | undefined,
): ExportedCredential {
  switch (credential.kind) {
    case "secret": {
      const value = tenantA.clientSecrets[credential.name];
      if (value === undefined || value === "") {
        throw new StackOutputsError(`Tenant A's credential ${credential.name} cannot be used:`, [
          `clientSecrets has no value for ${credential.name}; print tenant A's outputs with ` +
            "`pulumi stack output --json --show-secrets`.",
        ]);
      }
      const { name, keyId, endDate } = credential;
      return { name, kind: "secret", keyId, endDate, clientSecret: value };
    }
    case "certificate": {
      const { name, keyId, endDate } = credential;
      return certificatePath === undefined
        ? { name, kind: "certificate", keyId, endDate }
        : { name, kind: "certificate", keyId, endDate, certificatePath };
    }
    case "managedIdentity":
    case "federated":
      return {
        name: credential.name,
        kind: credential.kind,
        issuer: credential.issuer,
        subject: credential.subject,
        tokenExchangeAudience: credential.audiences[0],
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Formats

export const exportFormats = ["dotnet", "env", "json"] as const;

export type ExportFormat = (typeof exportFormats)[number];

/** Stands in for a secret value unless `--show-secrets` is given. */
export const hiddenSecret = "<hidden: add --show-secrets>";

/** Section of the app server's configuration that carries a federated credential's values. */
export const federatedSection = "SignalRCrossTenant";

export interface Rendered {
  /** The configuration itself, for stdout or `--out`. */
  readonly text: string;
  /** What the user must know or do besides, for stderr. */
  readonly notes: readonly string[];
}

export function renderSettings(
  settings: AppServerSettings,
  format: ExportFormat,
  options: { readonly showSecrets: boolean },
): Rendered {
  const notes: string[] = [];
  const federated =
    settings.credential.kind === "managedIdentity" || settings.credential.kind === "federated";
  const outsidePublic = settings.authorityHost !== cloudProfile("public").authorityHost;

  if (federated) {
    notes.push(
      `The ${settings.credential.kind} credential ${settings.credential.name} cannot be written ` +
        "as a connection string: build a ClientAssertionCredential in code from tenant B's id, " +
        "the client id, the authority host and the token-exchange audience written here.",
    );
  }
  if (settings.credential.kind === "secret" && !options.showSecrets) {
    notes.push(`The client secret is written as ${hiddenSecret}; add --show-secrets to write it.`);
  }
  if (settings.credential.kind === "certificate" && format !== "json") {
    if (settings.credential.certificatePath === undefined) {
      throw new ArgumentError(
        `the credential ${settings.credential.name} is a certificate: give --cert-path with the ` +
          "path of the PEM file (certificate and private key) on the app server.",
      );
    }
  }
  if (format === "dotnet" && outsidePublic && !federated) {
    notes.push(
      "A connection string cannot carry the authority host: set " +
        `AZURE_AUTHORITY_HOST=${settings.authorityHost} in the app server's environment.`,
    );
  }

  switch (format) {
    case "dotnet":
      return { text: renderDotnet(settings, options.showSecrets), notes };
    case "env": {
      const variables = environmentVariables(settings, options.showSecrets, outsidePublic);
      const unsettable = variables.filter(([name]) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
      if (unsettable.length > 0) {
        notes.push(
          `${unsettable.map(([name]) => name).join(", ")}: a POSIX shell cannot export a name ` +
            "with '-'; set these through systemd, Docker, Kubernetes or the app's host instead.",
        );
      }
      const lines = variables.map(([name, value]) => `${name}=${shellQuote(value)}`);
      return { text: `${lines.join("\n")}\n`, notes };
    }
    case "json":
      return {
        text: `${JSON.stringify(jsonDocument(settings, options.showSecrets), null, 2)}\n`,
        notes,
      };
  }
}

/** One connection string per endpoint, for key credentials (secret or certificate). */
export function connectionStrings(
  settings: AppServerSettings,
  showSecrets: boolean,
): { name: string; value: string }[] {
  const credential = settings.credential;
  if (credential.kind !== "secret" && credential.kind !== "certificate") return [];
  return settings.endpoints.map(({ name, url }) => ({
    name,
    value: formatConnectionString({
      endpoint: url,
      authType: "azure.app",
      clientId: settings.clientId,
      tenantId: settings.tenantId,
      ...(credential.kind === "secret"
        ? { clientSecret: showSecrets ? credential.clientSecret : hiddenSecret }
        : { clientCert: credential.certificatePath }),
      version: "1.0",
    }),
  }));
}

function renderDotnet(settings: AppServerSettings, showSecrets: boolean): string {
  const strings = connectionStrings(settings, showSecrets);
  const document =
    strings.length === 0
      ? { [federatedSection]: federatedValues(settings) }
      : {
          Azure: {
            SignalR: {
              ConnectionString:
                strings.length === 1
                  ? strings[0].value
                  : Object.fromEntries(strings.map(({ name, value }) => [name, value])),
            },
          },
        };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The values a ClientAssertionCredential needs, by .NET configuration key. */
function federatedValues(settings: AppServerSettings): Record<string, unknown> {
  const credential = settings.credential as ExportedCredential & {
    kind: "managedIdentity" | "federated";
  };
  return {
    Cloud: settings.cloud,
    AuthorityHost: settings.authorityHost,
    TenantId: settings.tenantId,
    ClientId: settings.clientId,
    TokenExchangeAudience: credential.tokenExchangeAudience,
    ...(credential.kind === "managedIdentity" && { ManagedIdentityObjectId: credential.subject }),
    Endpoints: Object.fromEntries(settings.endpoints.map(({ name, url }) => [name, url])),
  };
}

function environmentVariables(
  settings: AppServerSettings,
  showSecrets: boolean,
  outsidePublic: boolean,
): [string, string][] {
  const variables: [string, string][] = [];
  if (outsidePublic) variables.push(["AZURE_AUTHORITY_HOST", settings.authorityHost]);

  const strings = connectionStrings(settings, showSecrets);
  if (strings.length === 1) {
    variables.push(["Azure__SignalR__ConnectionString", strings[0].value]);
  } else {
    for (const { name, value } of strings) {
      variables.push([`Azure__SignalR__ConnectionString__${name}`, value]);
    }
  }
  if (strings.length === 0) {
    for (const [key, value] of Object.entries(federatedValues(settings))) {
      if (typeof value === "string") variables.push([`${federatedSection}__${key}`, value]);
      else {
        for (const [name, url] of Object.entries(value as Record<string, string>)) {
          variables.push([`${federatedSection}__${key}__${name}`, url]);
        }
      }
    }
  }
  return variables;
}

function jsonDocument(settings: AppServerSettings, showSecrets: boolean): Record<string, unknown> {
  const credential = settings.credential;
  return {
    cloud: settings.cloud,
    authorityHost: settings.authorityHost,
    tenantId: settings.tenantId,
    clientId: settings.clientId,
    servicePrincipalObjectId: settings.servicePrincipalObjectId,
    tokenScope: settings.tokenScope,
    endpoints: settings.endpoints,
    credential:
      credential.kind === "secret"
        ? { ...credential, clientSecret: showSecrets ? credential.clientSecret : hiddenSecret }
        : credential,
  };
}

/** Quotes a value for a POSIX shell, systemd and dotenv files alike; plain values stay bare. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:@%+,=-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------------------
// Command line

export interface ExportOptions {
  readonly tenantA: StackSource;
  readonly tenantB: StackSource;
  readonly credential?: string;
  readonly format: ExportFormat;
  readonly certificatePath?: string;
  readonly endpoints?: readonly Endpoint[];
  readonly authorityHost?: string;
  readonly showSecrets: boolean;
  readonly out?: string;
}

export type OptionSpec = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;

/**
 * Parses flags strictly: unknown flags, positional arguments and a single-value flag given twice
 * are errors, each naming the flag.
 */
export function parseFlags(
  argv: readonly string[],
  options: OptionSpec,
): Record<string, string | boolean | string[] | undefined> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: false,
      tokens: true,
    });
  } catch (error) {
    throw new ArgumentError(`${(error as Error).message.replace(/\.?$/, ".")} See --help.`);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option" || options[token.name].multiple) continue;
    if (seen.has(token.name)) {
      throw new ArgumentError(`--${token.name} is given more than once; give it once.`);
    }
    seen.add(token.name);
  }
  return parsed.values as Record<string, string | boolean | string[] | undefined>;
}

/** Reads `--tenant-x FILE` or `--stack-x NAME`; exactly one when required, at most one otherwise. */
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

export const exportOptionSpec: OptionSpec = {
  "tenant-a": { type: "string" },
  "stack-a": { type: "string" },
  "tenant-b": { type: "string" },
  "stack-b": { type: "string" },
  credential: { type: "string" },
  format: { type: "string" },
  "cert-path": { type: "string" },
  endpoint: { type: "string", multiple: true },
  "authority-host": { type: "string" },
  "show-secrets": { type: "boolean" },
  out: { type: "string" },
  help: { type: "boolean" },
};

/** The export command's options, or "help" when `--help` is given. */
export function parseExportArgs(argv: readonly string[]): ExportOptions | "help" {
  const values = parseFlags(argv, exportOptionSpec);
  if (values.help) return "help";

  const format = (values.format as string | undefined) ?? "dotnet";
  if (!(exportFormats as readonly string[]).includes(format)) {
    throw new ArgumentError(
      `--format ${format} is not known; use one of ${exportFormats.join(", ")}.`,
    );
  }
  const certificatePath = values["cert-path"] as string | undefined;
  if (certificatePath !== undefined && (certificatePath.includes(";") || certificatePath === "")) {
    throw new ArgumentError(
      `--cert-path ${certificatePath}: a connection string cannot hold an empty path or ";"; ` +
        "give the path of the PEM file without it.",
    );
  }
  const endpointFlags = values.endpoint as string[] | undefined;
  const authorityHost = values["authority-host"] as string | undefined;

  return {
    tenantA: stackSource(values, "tenantA", true) as StackSource,
    tenantB: stackSource(values, "tenantB", true) as StackSource,
    credential: values.credential as string | undefined,
    format: format as ExportFormat,
    certificatePath,
    endpoints: endpointFlags?.map(parseEndpointFlag),
    authorityHost: authorityHost === undefined ? undefined : parseAuthorityHost(authorityHost),
    showSecrets: values["show-secrets"] === true,
    out: values.out as string | undefined,
  };
}

/**
 * Reads `--endpoint URL` or `--endpoint NAME=URL`. Without a name, the first label of the host
 * names the endpoint, as SignalR resource names do.
 */
export function parseEndpointFlag(value: string): Endpoint {
  const match = /^([A-Za-z0-9-]+)=(.*)$/.exec(value);
  const url = (match ? match[2] : value).replace(/\/+$/, "");
  if (!isHttpsUrl(url)) {
    throw new ArgumentError(
      `--endpoint ${value}: not an https:// URL; give https://<name>.service.signalr.net or ` +
        "NAME=https://<name>.service.signalr.net.",
    );
  }
  const host = new URL(url).hostname;
  const name = match ? match[1] : /^[\d.]+$/.test(host) ? host : host.split(".")[0];
  return { name, url };
}

/** Reads `--authority-host URL`: an https:// origin, returned without a trailing slash. */
export function parseAuthorityHost(value: string): string {
  if (!isHttpsUrl(value) || new URL(value).pathname.replace(/\/+$/, "") !== "") {
    throw new ArgumentError(
      `--authority-host ${value}: not an https:// host; give the authority host alone, such as ` +
        "https://login.microsoftonline.us.",
    );
  }
  return value.replace(/\/+$/, "");
}

export const exportUsage = `Usage: npm run export-config -- [options]

Writes the app server's SignalR configuration from the two stacks' outputs.

Outputs (one of each pair):
  --tenant-a FILE        tenant A's \`pulumi stack output --json --show-secrets\`
  --stack-a NAME         or run that command for stack NAME (organization/project/stack)
  --tenant-b FILE        tenant B's outputs, likewise
  --stack-b NAME

Options:
  --format FORMAT        dotnet (default), env or json
  --credential NAME      tenant A's credential to use (default: the only one, else the client
                         secret that expires last among those still valid)
  --cert-path PATH       where the app server finds the certificate's PEM (certificate and key)
  --endpoint [NAME=]URL  a SignalR endpoint, instead of tenant B's; repeat for several
  --authority-host URL   Entra authority host, instead of the cloud's (private clouds)
  --show-secrets         write the client secret instead of a placeholder
  --out FILE             write to FILE (mode 0600) instead of stdout
  --help                 show this text

Exit status: 0 written, 1 outputs missing or inconsistent, 2 bad arguments.
`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isHttpsUrl(value: string): boolean {
  if (!/^https:\/\//i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
