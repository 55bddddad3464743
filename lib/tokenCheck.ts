/**
 * Checks the token an app server would present to SignalR: decodes it, compares its tenant, object
 * id, client id, audience and lifetime with what tenant B's stack expects, and explains each
 * mismatch in plain words. Also what waiting for a role to take effect needs: durations, a capped
 * exponential backoff and the meaning of SignalR's answers. Pure: no network, no clock of its own.
 */
import { decodeJwt, type JWTPayload } from "jose";
import {
  ArgumentError,
  chooseCredential,
  parseAuthorityHost,
  parseFlags,
  stackSource,
  StackOutputsError,
  type OptionSpec,
  type StackSource,
  type TenantAOutputs,
  type TenantBOutputs,
} from "./appConfig.ts";
import { cloudNames, cloudProfile, signalrAudience } from "./clouds.ts";
import { roleFromDefinitionId } from "./roles.ts";

// ---------------------------------------------------------------------------------------------
// Claims

/** What a right token says, from tenant B's outputs (and tenant A's, when known). */
export interface ExpectedToken {
  /** Tenant B. */
  readonly tenantId: string;
  /** The enterprise application's object id in tenant B. */
  readonly objectId: string;
  readonly clientId: string;
  readonly tokenScope: string;
  /** Tenant A, to recognise a token that tenant A issued. */
  readonly tenantAId?: string;
}

export interface ClaimCheck {
  readonly claim: string;
  readonly ok: boolean;
  /** Plain words: what the claim holds and, when wrong, why and what to change. */
  readonly message: string;
}

export interface TokenReport {
  readonly ok: boolean;
  readonly checks: readonly ClaimCheck[];
  /** From `exp`, when present. */
  readonly expiresAt?: Date;
}

/** The expectations tenant B's outputs (and optionally tenant A's) set for a token. */
export function expectedToken(tenantB: TenantBOutputs, tenantA?: TenantAOutputs): ExpectedToken {
  return {
    tenantId: tenantB.expectedClaims.tid,
    objectId: tenantB.expectedClaims.oid,
    clientId: tenantB.expectedClaims.appid,
    tokenScope: tenantB.tokenScope,
    ...(tenantA && { tenantAId: tenantA.tenantId }),
  };
}

/** Decodes a JWT without checking its signature: SignalR checks that, this checks what it says. */
export function decodeToken(token: string, flag: string): JWTPayload {
  try {
    return decodeJwt(token.trim());
  } catch (error) {
    throw new ArgumentError(
      `${flag}: not a JWT (${(error as Error).message}); give the access token itself, three ` +
        "base64url parts separated by dots, without a 'Bearer ' prefix.",
    );
  }
}

/** Compares every claim that decides whether SignalR accepts the app server; one check each. */
export function checkClaims(claims: JWTPayload, expected: ExpectedToken, now: Date): TokenReport {
  const checks: ClaimCheck[] = [];
  const tenantOk = same(claims.tid, expected.tenantId);

  checks.push(checkTenant(claims.tid, expected));
  checks.push(checkObjectId(claims.oid, expected, tenantOk));
  checks.push(checkClient(claims, expected));
  const delegated = checkDelegated(claims);
  if (delegated) checks.push(delegated);
  checks.push(checkAudience(claims.aud, expected));
  const lifetime = checkLifetime(claims, now);
  checks.push(...lifetime);

  return {
    ok: checks.every((check) => check.ok),
    checks,
    ...(typeof claims.exp === "number" && { expiresAt: new Date(claims.exp * 1000) }),
  };
}

function checkTenant(tid: unknown, expected: ExpectedToken): ClaimCheck {
  if (typeof tid !== "string") {
    return fail(
      "tid",
      "missing: this is not an Entra access token. Get one with the app server's credential.",
    );
  }
  if (same(tid, expected.tenantId)) return pass("tid", `${tid} is tenant B.`);
  if (expected.tenantAId !== undefined && same(tid, expected.tenantAId)) {
    return fail(
      "tid",
      `${tid} is tenant A: the credential asked tenant A for the token. Use tenant B's id ` +
        `${expected.tenantId} as the tenant (TenantId= in the connection string).`,
    );
  }
  return fail(
    "tid",
    `${tid} is not tenant B (${expected.tenantId}): another tenant issued the token. Use tenant ` +
      `B's id ${expected.tenantId} as the tenant (TenantId= in the connection string).`,
  );
}

function checkObjectId(oid: unknown, expected: ExpectedToken, tenantOk: boolean): ClaimCheck {
  if (typeof oid !== "string") {
    return fail("oid", "missing: the token names no principal. Get an app-only token.");
  }
  if (same(oid, expected.objectId)) {
    return pass("oid", `${oid} is the enterprise application in tenant B.`);
  }
  if (!tenantOk) {
    return fail(
      "oid",
      `${oid} is not the enterprise application ${expected.objectId} in tenant B; it is likely ` +
        "tenant A's service principal of the application, which holds no SignalR role. Fix tid.",
    );
  }
  return fail(
    "oid",
    `${oid} is not the enterprise application ${expected.objectId} that tenant B's role ` +
      "assignments name; the enterprise application was likely deleted and created again (for " +
      "example by a new admin consent). Run `pulumi up` on the tenant B stack.",
  );
}

function checkClient(claims: JWTPayload, expected: ExpectedToken): ClaimCheck {
  const claim = claims.appid !== undefined ? "appid" : "azp";
  const client = claims.appid ?? claims.azp;
  if (typeof client !== "string") {
    return fail(
      "appid",
      "missing (neither appid nor azp): the token names no application. Get it with the " +
        "application's credential.",
    );
  }
  if (same(client, expected.clientId)) return pass(claim, `${client} is the application.`);
  return fail(
    claim,
    `${client} is not the application ${expected.clientId}: the credential used another ` +
      `application's client id. Use ${expected.clientId} (ClientId= in the connection string).`,
  );
}

function checkDelegated(claims: JWTPayload): ClaimCheck | undefined {
  if (claims.scp === undefined && claims.idtyp !== "user") return undefined;
  return fail(
    claims.scp !== undefined ? "scp" : "idtyp",
    "this is a user's (delegated) token: the app server needs an app-only token that its own " +
      "credential gets, without a user signing in.",
  );
}

function checkAudience(aud: unknown, expected: ExpectedToken): ClaimCheck {
  const wanted = signalrAudience(expected.tokenScope);
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud.map(String) : [];
  if (audiences.length === 0) {
    return fail("aud", `missing: ask Entra for the scope ${expected.tokenScope}.`);
  }
  if (audiences.some((value) => sameUrl(value, wanted))) {
    return pass("aud", `${wanted} is SignalR.`);
  }

  const shown = audiences.join(", ");
  const exchange = cloudNames.some((name) =>
    audiences.some((value) => sameUrl(value, cloudProfile(name).tokenExchangeAudience)),
  );
  if (exchange) {
    return fail(
      "aud",
      `${shown} is the token-exchange audience: this is the assertion a managed identity or ` +
        "external issuer hands to Entra, not the SignalR token. Exchange it with a " +
        `ClientAssertionCredential for ${expected.tokenScope}.`,
    );
  }
  const service = knownService(audiences);
  return fail(
    "aud",
    `${shown} is not SignalR (${wanted})${service ? `; it is ${service}` : ""}: the token was ` +
      `requested for the wrong scope. Ask for ${expected.tokenScope}.`,
  );
}

function knownService(audiences: readonly string[]): string | undefined {
  for (const name of cloudNames) {
    const profile = cloudProfile(name);
    if (audiences.some((value) => sameUrl(value, profile.graphEndpoint))) return "Microsoft Graph";
    if (audiences.some((value) => sameUrl(value, profile.armEndpoint))) {
      return "Azure Resource Manager";
    }
  }
  return undefined;
}

/** Tolerated clock difference between this machine and Entra for `nbf`. */
const clockSkewMs = 5 * 60 * 1000;

function checkLifetime(claims: JWTPayload, now: Date): ClaimCheck[] {
  const checks: ClaimCheck[] = [];
  if (typeof claims.nbf === "number" && claims.nbf * 1000 > now.getTime() + clockSkewMs) {
    checks.push(
      fail(
        "nbf",
        `not valid before ${isoSeconds(claims.nbf)}: this machine's clock or the issuer's is ` +
          "off. Correct the clock and get a new token.",
      ),
    );
  }
  if (typeof claims.exp !== "number") {
    checks.push(fail("exp", "missing: Entra tokens always expire. Get a token from Entra."));
  } else if (claims.exp * 1000 <= now.getTime()) {
    checks.push(fail("exp", `expired at ${isoSeconds(claims.exp)}. Get a new token.`));
  } else {
    checks.push(pass("exp", `valid until ${isoSeconds(claims.exp)}.`));
  }
  return checks;
}

/** The report as lines: `ok   tid: ...` or `FAIL tid: ...`, then a verdict. */
export function formatReport(report: TokenReport): string {
  const lines = report.checks.map(
    (check) => `${check.ok ? "ok  " : "FAIL"} ${check.claim}: ${check.message}`,
  );
  const failed = report.checks.filter((check) => !check.ok).length;
  lines.push(
    failed === 0
      ? "The token is right for SignalR."
      : `${failed === 1 ? "1 claim is" : `${failed} claims are`} wrong; fix the credential and get a new token.`,
  );
  return `${lines.join("\n")}\n`;
}

function pass(claim: string, message: string): ClaimCheck {
  return { claim, ok: true, message };
}

function fail(claim: string, message: string): ClaimCheck {
  return { claim, ok: false, message };
}

function same(actual: unknown, expected: string): boolean {
  return typeof actual === "string" && actual.toLowerCase() === expected.toLowerCase();
}

function sameUrl(actual: string, expected: string): boolean {
  return actual.replace(/\/+$/, "").toLowerCase() === expected.replace(/\/+$/, "").toLowerCase();
}

function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.000Z$/, "Z");
}

// ---------------------------------------------------------------------------------------------
// Waiting for the role

/** Parses `30m`, `1h30m`, `45s`, `250ms` or `0` into milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (text === "0") return 0;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) {
    throw new ArgumentError(
      `${flag} ${text}: not a duration; write a number with a unit, such as 30m, 1h30m, 45s or 250ms.`,
    );
  }
  let total = 0;
  for (const [, amount, , unit] of text.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(amount) * units[unit];
  }
  return Math.round(total);
}

/** Writes milliseconds the way parseDuration reads them: `29m50s`, `10s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000);
  const parts = [
    [Math.floor(seconds / 3600), "h"],
    [Math.floor((seconds % 3600) / 60), "m"],
    [seconds % 60, "s"],
  ] as const;
  return parts
    .filter(([amount]) => amount > 0)
    .map(([amount, unit]) => `${amount}${unit}`)
    .join("");
}

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const defaultBackoff: Backoff = { initialMs: 5_000, maxMs: 60_000 };
export const defaultWaitMs = 30 * 60_000;

/** The pause after the attempt numbered `attempt` (from 0): doubling from the first, capped. */
export function backoffDelay(attempt: number, backoff: Backoff): number {
  return Math.min(backoff.initialMs * 2 ** Math.min(attempt, 30), backoff.maxMs);
}

/** What an answer of `GET <endpoint>/api/v1/auth/accessKey` means for the wait. */
export type AccessKeyAnswer = "authorized" | "notYet" | "retry" | "wrongEndpoint";

export function classifyAccessKeyStatus(status: number): AccessKeyAnswer {
  if (status >= 200 && status < 300) return "authorized";
  if (status === 401 || status === 403) return "notYet";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "wrongEndpoint";
}

/** The URL the SignalR server SDK calls with the app server's token. */
export function accessKeyUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, "")}/api/v1/auth/accessKey`;
}

/**
 * Why SignalR may still refuse a right token: the role assignments in tenant B's outputs that grant
 * `auth/accessKey`, or the lack of any.
 */
export function accessKeyAdvice(tenantB: TenantBOutputs): string {
  const granting = tenantB.roleAssignments.filter((assignment) => {
    const role = roleFromDefinitionId(assignment.roleDefinitionId);
    return role?.dataActions.some((action) => action === "*" || action === "auth/accessKey/action");
  });
  if (granting.length === 0) {
    return (
      "None of tenant B's role assignments grants auth/accessKey: assign SignalR App Server (or " +
      "SignalR Service Owner) at a scope that holds the resource, and run `pulumi up` on tenant B."
    );
  }
  const list = granting.map((assignment) => `${assignment.role} at ${assignment.scope}`).join("; ");
  return (
    `Tenant B assigns ${list}. A new assignment usually takes minutes to reach SignalR, at ` +
    "management-group scope it can take hours; check that the endpoint lies within the scope."
  );
}

// ---------------------------------------------------------------------------------------------
// Command line

export type TokenSource =
  | { readonly kind: "inline"; readonly value: string }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "acquire" };

export interface WaitOptions {
  readonly timeoutMs: number;
  /** A URL, or the name of one of tenant B's endpoints; absent means tenant B's only endpoint. */
  readonly endpoint?: string;
  readonly backoff: Backoff;
}

export interface VerifyOptions {
  readonly tenantB: StackSource;
  readonly tenantA?: StackSource;
  readonly token: TokenSource;
  readonly credential?: string;
  readonly clientSecretFile?: string;
  readonly certificatePath?: string;
  readonly assertionFile?: string;
  readonly managedIdentityObjectId?: string;
  readonly authorityHost?: string;
  readonly showToken: boolean;
  readonly wait?: WaitOptions;
}

export const verifyOptionSpec: OptionSpec = {
  "tenant-b": { type: "string" },
  "stack-b": { type: "string" },
  "tenant-a": { type: "string" },
  "stack-a": { type: "string" },
  token: { type: "string" },
  "token-file": { type: "string" },
  acquire: { type: "boolean" },
  credential: { type: "string" },
  "client-secret-file": { type: "string" },
  "cert-path": { type: "string" },
  "assertion-file": { type: "string" },
  "managed-identity-object-id": { type: "string" },
  "authority-host": { type: "string" },
  "show-token": { type: "boolean" },
  wait: { type: "string" },
  endpoint: { type: "string" },
  "initial-delay": { type: "string" },
  "max-delay": { type: "string" },
  help: { type: "boolean" },
};

const credentialFlags = [
  "client-secret-file",
  "cert-path",
  "assertion-file",
  "managed-identity-object-id",
] as const;

/** The verify command's options, or "help" when `--help` is given. */
export function parseVerifyArgs(argv: readonly string[]): VerifyOptions | "help" {
  const values = parseFlags(argv, verifyOptionSpec);
  if (values.help) return "help";

  const tokenFlags = (["token", "token-file", "acquire"] as const).filter(
    (flag) => values[flag] !== undefined,
  );
  if (tokenFlags.length !== 1) {
    throw new ArgumentError(
      tokenFlags.length === 0
        ? "no token: give --token JWT, --token-file FILE or --acquire."
        : `${tokenFlags.map((flag) => `--${flag}`).join(" and ")} each give a token; give one.`,
    );
  }
  const token: TokenSource =
    tokenFlags[0] === "token"
      ? { kind: "inline", value: values.token as string }
      : tokenFlags[0] === "token-file"
        ? { kind: "file", path: values["token-file"] as string }
        : { kind: "acquire" };

  const acquiring = token.kind === "acquire";
  for (const flag of [...credentialFlags, "credential", "authority-host"] as const) {
    if (values[flag] !== undefined && !acquiring) {
      throw new ArgumentError(`--${flag} is used with --acquire; add --acquire or drop --${flag}.`);
    }
  }
  const tenantA = stackSource(values, "tenantA", false);
  if (values.credential !== undefined && tenantA === undefined) {
    throw new ArgumentError(
      `--credential ${String(values.credential)} picks one of tenant A's credentials; add ` +
        "--tenant-a FILE or --stack-a NAME.",
    );
  }
  const objectId = values["managed-identity-object-id"] as string | undefined;
  if (objectId !== undefined && !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(objectId)) {
    throw new ArgumentError(
      `--managed-identity-object-id ${objectId}: not a GUID; give the managed identity's ` +
        "principal (object) id.",
    );
  }

  const waiting = values.wait !== undefined || values.endpoint !== undefined;
  for (const flag of ["initial-delay", "max-delay"] as const) {
    if (values[flag] !== undefined && !waiting) {
      throw new ArgumentError(`--${flag} is used with --wait or --endpoint; add one or drop it.`);
    }
  }
  const duration = (flag: string, fallback: number) =>
    values[flag] === undefined ? fallback : parseDuration(values[flag] as string, `--${flag}`);
  const backoff = {
    initialMs: duration("initial-delay", defaultBackoff.initialMs),
    maxMs: duration("max-delay", defaultBackoff.maxMs),
  };
  if (waiting && (backoff.initialMs <= 0 || backoff.maxMs < backoff.initialMs)) {
    throw new ArgumentError(
      `--initial-delay ${formatDuration(backoff.initialMs)} and --max-delay ` +
        `${formatDuration(backoff.maxMs)}: the first pause must be above 0 and at most the cap.`,
    );
  }

  const authorityHost = values["authority-host"] as string | undefined;
  return {
    tenantB: stackSource(values, "tenantB", true) as StackSource,
    tenantA,
    token,
    credential: values.credential as string | undefined,
    clientSecretFile: values["client-secret-file"] as string | undefined,
    certificatePath: values["cert-path"] as string | undefined,
    assertionFile: values["assertion-file"] as string | undefined,
    managedIdentityObjectId: objectId,
    authorityHost: authorityHost === undefined ? undefined : parseAuthorityHost(authorityHost),
    showToken: values["show-token"] === true,
    ...(waiting && {
      wait: {
        timeoutMs: duration("wait", defaultWaitMs),
        endpoint: values.endpoint as string | undefined,
        backoff,
      },
    }),
  };
}

/** How `--acquire` gets its token; secrets stay in files or in tenant A's outputs. */
export type AcquisitionPlan =
  | { readonly kind: "secret"; readonly from: string; readonly clientSecret: string }
  | { readonly kind: "secretFile"; readonly from: string; readonly path: string }
  | { readonly kind: "certificate"; readonly from: string; readonly certificatePath: string }
  | { readonly kind: "assertionFile"; readonly from: string; readonly assertionFile: string }
  | {
      readonly kind: "managedIdentity";
      readonly from: string;
      readonly objectId: string;
      /** Scope the managed identity asks for: the token-exchange audience plus `/.default`. */
      readonly assertionScope: string;
    };

/**
 * Decides the credential for `--acquire`. A credential flag alone names it. Otherwise tenant A's
 * outputs do, as export chooses (`--credential`, the only one, or the newest valid secret); a
 * certificate then needs `--cert-path` with its private key, a federated credential `--assertion-file`.
 */
export function planAcquisition(
  options: VerifyOptions,
  tenantA: TenantAOutputs | undefined,
  tenantB: TenantBOutputs,
  now: Date,
): AcquisitionPlan {
  const given = credentialFlags.filter((flag) => flagValue(options, flag) !== undefined);
  if (given.length > 1) {
    throw new ArgumentError(
      `${given.map((flag) => `--${flag}`).join(" and ")} each name a credential; give one.`,
    );
  }
  const defaultAudience = cloudProfile(tenantB.cloud).tokenExchangeAudience;

  if (given.length === 1 && options.credential === undefined) {
    return planFromFlag(options, given[0], defaultAudience);
  }
  if (tenantA === undefined) {
    throw new ArgumentError(
      "--acquire needs a credential: give tenant A's outputs (--tenant-a FILE or --stack-a NAME), " +
        "or one of --client-secret-file, --cert-path, --assertion-file, --managed-identity-object-id.",
    );
  }

  const chosen = chooseCredential(tenantA, options.credential, now);
  const from = `tenant A's ${chosen.kind} credential ${chosen.name}`;
  const needed = {
    secret: undefined,
    certificate: "cert-path",
    federated: "assertion-file",
    managedIdentity: undefined,
  }[chosen.kind];
  if (given.length === 1 && given[0] !== needed) {
    throw new ArgumentError(
      `--${given[0]} does not fit ${from}; drop it, or choose another credential with --credential.`,
    );
  }

  switch (chosen.kind) {
    case "secret": {
      const clientSecret = tenantA.clientSecrets[chosen.name];
      if (!clientSecret) {
        throw new StackOutputsError(`Tenant A's credential ${chosen.name} cannot be used:`, [
          `clientSecrets has no value for ${chosen.name}; print tenant A's outputs with ` +
            "`pulumi stack output --json --show-secrets`.",
        ]);
      }
      return { kind: "secret", from, clientSecret };
    }
    case "certificate":
      if (given.length === 0) {
        throw new ArgumentError(
          `${from} needs --cert-path FILE: a PEM file holding the certificate and its private key.`,
        );
      }
      return { kind: "certificate", from, certificatePath: options.certificatePath as string };
    case "federated":
      if (given.length === 0) {
        throw new ArgumentError(
          `${from} needs --assertion-file FILE: the token its issuer (${chosen.issuer}) gave for ` +
            "the subject the credential trusts.",
        );
      }
      return { kind: "assertionFile", from, assertionFile: options.assertionFile as string };
    case "managedIdentity":
      return {
        kind: "managedIdentity",
        from,
        objectId: chosen.subject,
        assertionScope: `${chosen.audiences[0]}/.default`,
      };
  }
}

function planFromFlag(
  options: VerifyOptions,
  flag: (typeof credentialFlags)[number],
  tokenExchangeAudience: string,
): AcquisitionPlan {
  const value = flagValue(options, flag) as string;
  const from = `--${flag} ${value}`;
  switch (flag) {
    case "client-secret-file":
      return { kind: "secretFile", from, path: value };
    case "cert-path":
      return { kind: "certificate", from, certificatePath: value };
    case "assertion-file":
      return { kind: "assertionFile", from, assertionFile: value };
    case "managed-identity-object-id":
      return {
        kind: "managedIdentity",
        from: `the managed identity ${value}`,
        objectId: value,
        assertionScope: `${tokenExchangeAudience}/.default`,
      };
  }
}

function flagValue(options: VerifyOptions, flag: (typeof credentialFlags)[number]) {
  return {
    "client-secret-file": options.clientSecretFile,
    "cert-path": options.certificatePath,
    "assertion-file": options.assertionFile,
    "managed-identity-object-id": options.managedIdentityObjectId,
  }[flag];
}

export const verifyUsage = `Usage: npm run verify -- [options]

Checks the token the app server would present to SignalR, and optionally waits until SignalR
accepts it.

Tenant B's outputs (one of):
  --tenant-b FILE        tenant B's \`pulumi stack output --json --show-secrets\`
  --stack-b NAME         or run that command for stack NAME (organization/project/stack)

Token (one of):
  --token JWT            a token the app server got
  --token-file FILE      a file holding one
  --acquire              get one now for the cloud's SignalR scope, with:
    --tenant-a FILE | --stack-a NAME   tenant A's outputs; their credential, as export chooses it
    --credential NAME                  which of tenant A's credentials
    --client-secret-file FILE          a client secret kept in a file
    --cert-path FILE                   a PEM file with the certificate and its private key
    --assertion-file FILE              a federated credential's assertion (e.g. a projected token)
    --managed-identity-object-id ID    a user-assigned managed identity of tenant A, exchanged
    --authority-host URL               Entra authority host instead of the cloud's

Options:
  --show-token           print the token too
  --wait DURATION        wait until SignalR accepts the token (default 30m when --endpoint is given)
  --endpoint URL|NAME    the SignalR endpoint to ask (default: tenant B's only endpoint)
  --initial-delay D      first pause between attempts (default 5s); doubles up to --max-delay
  --max-delay D          longest pause (default 60s)
  --help                 show this text

Exit status: 0 verified, 1 claims wrong (or no token), 2 bad arguments, 3 still unauthorized at
the timeout.
`;
