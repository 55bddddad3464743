/**
 * `npm run verify`: checks the token the app server would present to SignalR against tenant B's
 * outputs, getting it first with `--acquire` through @azure/identity if asked, and with `--wait`
 * polls the SignalR endpoint until the role assignment lets the token in. Results go to stdout,
 * progress and errors to stderr; the token itself only with `--show-token`.
 */
import type { TokenCredential } from "@azure/identity";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { cloudProfile } from "../lib/clouds.ts";
import { ArgumentError } from "../lib/commandLine.ts";
import {
  checkStacksAgree,
  loadStackOutputs,
  readTenantAOutputs,
  readTenantBOutputs,
  StackOutputsError,
  type TenantBOutputs,
} from "../lib/stackOutputs.ts";
import {
  accessKeyAdvice,
  accessKeyUrl,
  backoffDelay,
  checkClaims,
  classifyAccessKeyStatus,
  decodeToken,
  expectedToken,
  formatDuration,
  formatReport,
  type AccessKeyAnswer,
  type ExpectedToken,
} from "../lib/tokenCheck.ts";
import {
  parseVerifyArgs,
  planAcquisition,
  verifyUsage,
  type AcquisitionPlan,
  type VerifyOptions,
  type WaitOptions,
} from "../lib/verifyOptions.ts";
import { outputsReader } from "./outputsReader.ts";

const exitVerified = 0;
const exitClaimsWrong = 1;
const exitBadArguments = 2;
const exitUnauthorized = 3;

/** Gets the token to check; called again on every attempt while waiting, so it can renew. */
type TokenSupplier = () => Promise<string>;

async function main(argv: readonly string[]): Promise<number> {
  let options: VerifyOptions | "help";
  let prepared: Prepared;
  try {
    options = parseVerifyArgs(argv);
    if (options === "help") {
      process.stdout.write(verifyUsage);
      return exitVerified;
    }
    prepared = await prepare(options);
  } catch (error) {
    return reportInputError(error);
  }
  const { tenantB, expected, supplier, endpoint, flag } = prepared;

  let token: string;
  try {
    token = await supplier();
  } catch (error) {
    process.stdout.write(`No token: ${(error as Error).message}\n`);
    return exitClaimsWrong;
  }
  if (options.showToken) process.stdout.write(`${token}\n`);

  let claims;
  try {
    claims = decodeToken(token, flag);
  } catch (error) {
    return reportInputError(error);
  }
  const report = checkClaims(claims, expected, new Date());
  process.stdout.write(formatReport(report));
  if (!report.ok) return exitClaimsWrong;

  if (options.wait === undefined || endpoint === undefined) return exitVerified;
  try {
    return await waitForAccess(endpoint, supplier, options.wait, tenantB, flag);
  } catch (error) {
    return reportInputError(error);
  }
}

interface Prepared {
  readonly tenantB: TenantBOutputs;
  readonly expected: ExpectedToken;
  readonly supplier: TokenSupplier;
  /** The SignalR endpoint to poll, when waiting. */
  readonly endpoint?: string;
  /** The flag the token came from, for messages. */
  readonly flag: string;
}

/** Everything that can fail because of the arguments, checked before any token is requested. */
async function prepare(options: VerifyOptions): Promise<Prepared> {
  const tenantB = readTenantBOutputs(
    await loadStackOutputs(options.tenantB, outputsReader),
    options.tenantB,
  );
  const tenantA = options.tenantA
    ? readTenantAOutputs(await loadStackOutputs(options.tenantA, outputsReader), options.tenantA)
    : undefined;
  if (tenantA) checkStacksAgree(tenantA, tenantB);
  const expected = expectedToken(tenantB, tenantA);
  const endpoint = options.wait ? chooseEndpoint(options.wait, tenantB) : undefined;

  switch (options.token.kind) {
    case "inline": {
      const value = options.token.value;
      return { tenantB, expected, endpoint, flag: "--token", supplier: async () => value };
    }
    case "file": {
      const path = options.token.path;
      let value: string;
      try {
        value = (await readFile(path, "utf8")).trim();
      } catch (error) {
        throw new ArgumentError(
          `--token-file ${path}: cannot read the file (${(error as Error).message}).`,
        );
      }
      return { tenantB, expected, endpoint, flag: "--token-file", supplier: async () => value };
    }
    case "acquire": {
      const plan = planAcquisition(options, tenantA, tenantB, new Date());
      const authorityHost = options.authorityHost ?? cloudProfile(tenantB.cloud).authorityHost;
      const credential = await makeCredential(plan, tenantB, authorityHost, options);
      process.stderr.write(
        `Asking ${authorityHost} (tenant B ${tenantB.tenantId}) for ${tenantB.tokenScope} as ` +
          `client ${tenantB.clientId}, with ${plan.from}.\n`,
      );
      const supplier = async () => {
        const accessToken = await credential.getToken(tenantB.tokenScope);
        if (!accessToken) throw new Error("the credential returned no token.");
        return accessToken.token;
      };
      return { tenantB, expected, endpoint, flag: "--acquire", supplier };
    }
  }
}

/** `--endpoint` as a URL or one of tenant B's endpoint names; without it, tenant B's only one. */
function chooseEndpoint(wait: WaitOptions, tenantB: TenantBOutputs): string {
  const names = tenantB.endpoints.map((endpoint) => endpoint.name).join(", ") || "none";
  if (wait.endpoint === undefined) {
    if (tenantB.endpoints.length === 1) return tenantB.endpoints[0].url;
    throw new ArgumentError(
      `--wait needs --endpoint URL: tenant B's outputs list ${tenantB.endpoints.length} ` +
        `endpoints (${names}).`,
    );
  }
  if (/^https?:\/\//i.test(wait.endpoint)) {
    try {
      new URL(wait.endpoint);
      return wait.endpoint;
    } catch {
      throw new ArgumentError(`--endpoint ${wait.endpoint}: not a valid URL.`);
    }
  }
  const named = tenantB.endpoints.find((endpoint) => endpoint.name === wait.endpoint);
  if (named) return named.url;
  throw new ArgumentError(
    `--endpoint ${wait.endpoint}: neither a URL nor one of tenant B's endpoints (${names}); give ` +
      "https://<name>.service.signalr.net or one of those names.",
  );
}

/**
 * Builds the @azure/identity credential for the plan. A given authority host is not in Entra's
 * instance discovery list (a private cloud, or a local test authority), so discovery is skipped.
 */
async function makeCredential(
  plan: AcquisitionPlan,
  tenantB: TenantBOutputs,
  authorityHost: string,
  options: VerifyOptions,
): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  const { tenantId, clientId } = tenantB;
  const common = { authorityHost, disableInstanceDiscovery: options.authorityHost !== undefined };

  switch (plan.kind) {
    case "secret":
      return new identity.ClientSecretCredential(tenantId, clientId, plan.clientSecret, common);
    case "secretFile": {
      let secret: string;
      try {
        secret = (await readFile(plan.path, "utf8")).trim();
      } catch (error) {
        throw new ArgumentError(
          `--client-secret-file ${plan.path}: cannot read the file (${(error as Error).message}).`,
        );
      }
      return new identity.ClientSecretCredential(tenantId, clientId, secret, common);
    }
    case "certificate":
      return new identity.ClientCertificateCredential(
        tenantId,
        clientId,
        { certificatePath: plan.certificatePath },
        common,
      );
    case "assertionFile": {
      // Read on every request: projected tokens (Kubernetes, CI) are renewed in place.
      const path = plan.assertionFile;
      return new identity.ClientAssertionCredential(
        tenantId,
        clientId,
        async () => (await readFile(path, "utf8")).trim(),
        common,
      );
    }
    case "managedIdentity": {
      const managedIdentity = new identity.ManagedIdentityCredential({ objectId: plan.objectId });
      const scope = plan.assertionScope;
      return new identity.ClientAssertionCredential(
        tenantId,
        clientId,
        async () => (await managedIdentity.getToken(scope)).token,
        common,
      );
    }
  }
}

/**
 * Polls `GET <endpoint>/api/v1/auth/accessKey` with the token until SignalR answers 2xx. 401 and
 * 403 mean the role has not reached SignalR yet; throttling, server errors and network failures are
 * tried again; anything else means the URL is not a SignalR endpoint. The answer's body holds an
 * access key, so it is never read.
 */
async function waitForAccess(
  endpoint: string,
  supplier: TokenSupplier,
  wait: WaitOptions,
  tenantB: TenantBOutputs,
  flag: string,
): Promise<number> {
  const url = accessKeyUrl(endpoint);
  const started = Date.now();
  const deadline = started + wait.timeoutMs;
  // Whether SignalR ever answered 401 or 403: without one, the endpoint is what is wrong.
  let refused = false;

  for (let attempt = 0; ; attempt++) {
    let token: string;
    try {
      token = await supplier();
    } catch (error) {
      process.stdout.write(`No token while waiting: ${(error as Error).message}\n`);
      return exitClaimsWrong;
    }
    const expiry = decodeToken(token, flag).exp;
    if (typeof expiry === "number" && expiry * 1000 <= Date.now()) {
      process.stdout.write(
        "The token expired while waiting; use --acquire, which renews it, or a fresh token.\n",
      );
      return exitClaimsWrong;
    }

    let outcome: string;
    let answer: AccessKeyAnswer;
    try {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(30_000),
      });
      await response.body?.cancel();
      answer = classifyAccessKeyStatus(response.status);
      outcome = `${response.status} ${response.statusText}`.trim();
    } catch (error) {
      answer = "retry";
      const cause = (error as { cause?: { code?: string } }).cause;
      outcome = `no answer (${cause?.code ?? (error as Error).message})`;
    }

    const elapsed = formatDuration(Date.now() - started);
    if (answer === "authorized") {
      process.stdout.write(
        `SignalR accepts the token at ${url} (attempt ${attempt + 1}, ${elapsed}).\n`,
      );
      return exitVerified;
    }
    if (answer === "wrongEndpoint") {
      process.stderr.write(
        `verify: ${url} answered ${outcome}: this is not a SignalR endpoint. Check --endpoint.\n`,
      );
      return exitBadArguments;
    }

    refused ||= answer === "notYet";
    const remaining = deadline - Date.now();
    if (remaining <= 0 && !refused) {
      process.stderr.write(
        `verify: ${url} never answered with 401 or 403 in ${elapsed} (${attempt + 1} attempts, ` +
          `last ${outcome}). Check --endpoint, and that this machine reaches it.\n`,
      );
      return exitBadArguments;
    }
    if (remaining <= 0) {
      process.stdout.write(
        `SignalR still refuses the token at ${url} after ${elapsed} (${attempt + 1} attempts, ` +
          `last answer ${outcome}). ${accessKeyAdvice(tenantB)}\n`,
      );
      return exitUnauthorized;
    }
    const pause = Math.min(backoffDelay(attempt, wait.backoff), remaining);
    const meaning = answer === "notYet" ? "the role has not reached SignalR yet" : "trying again";
    process.stderr.write(
      `attempt ${attempt + 1}: ${outcome} from ${url}; ${meaning}. Next try in ` +
        `${formatDuration(pause)} (${formatDuration(remaining)} left).\n`,
    );
    await sleep(pause);
  }
}

function reportInputError(error: unknown): number {
  if (error instanceof ArgumentError || error instanceof StackOutputsError) {
    process.stderr.write(`verify: ${error.message}\n`);
    return exitBadArguments;
  }
  throw error;
}

process.exitCode = await main(process.argv.slice(2));
