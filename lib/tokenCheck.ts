/**
 * Checks the token an app server would present to SignalR: decodes it, compares its tenant, object
 * id, client id, audience and lifetime with what tenant B's stack expects, and explains each
 * mismatch in plain words. Also what waiting for a role to take effect needs: durations, a capped
 * exponential backoff and the meaning of SignalR's answers. Pure: no network, no clock of its own.
 */
import { decodeJwt, type JWTPayload } from "jose";
import { cloudNames, cloudProfile, signalrAudience } from "./clouds.ts";
import { ArgumentError } from "./commandLine.ts";
import { roleFromDefinitionId } from "./roles.ts";
import type { TenantAOutputs, TenantBOutputs } from "./stackOutputs.ts";

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
  const advice =
    "give the access token itself, three base64url parts " +
    "separated by dots, without a 'Bearer ' prefix.";
  // The payload decodes even behind a prefix, which would then be sent twice to SignalR.
  if (/^\s*bearer\s/i.test(token)) {
    throw new ArgumentError(`${flag}: starts with 'Bearer '; ${advice}`);
  }
  try {
    return decodeJwt(token.trim());
  } catch (error) {
    throw new ArgumentError(`${flag}: not a JWT (${(error as Error).message}); ${advice}`);
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
      : `${failed === 1 ? "1 claim is" : `${failed} claims are`} ` +
          `wrong; fix the credential and get a new token.`,
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
      `${flag} ${text}: not a duration; write a number ` +
        `with a unit, such as 30m, 1h30m, 45s or 250ms.`,
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
