/**
 * The verify command's options: which token to check (given, in a file, or acquired now), how to
 * wait for SignalR to accept it, and, for `--acquire`, which credential gets it. Pure: files, the
 * network and the clock stay with the caller.
 */
import { cloudProfile } from "./clouds.ts";
import { ArgumentError, parseAuthorityHost, parseFlags, type OptionSpec } from "./commandLine.ts";
import { isGuid } from "./scopes.ts";
import {
  chooseCredential,
  clientSecretOf,
  stackSource,
  type StackSource,
  type TenantAOutputs,
  type TenantBOutputs,
} from "./stackOutputs.ts";
import {
  defaultBackoff,
  defaultWaitMs,
  formatDuration,
  parseDuration,
  type Backoff,
} from "./tokenCheck.ts";

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

const verifyOptionSpec: OptionSpec = {
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
  if (objectId !== undefined && !isGuid(objectId)) {
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
 * certificate then needs `--cert-path` with its private key, a federated credential
 * `--assertion-file`.
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
      "--acquire needs a credential: give tenant A's " +
        "outputs (--tenant-a FILE or --stack-a NAME), " +
        "or one of --client-secret-file, --cert-path, --assertion-file, " +
        "--managed-identity-object-id.",
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
      `--${given[0]} does not fit ${from}; drop it, or ` +
        `choose another credential with --credential.`,
    );
  }

  switch (chosen.kind) {
    case "secret":
      return { kind: "secret", from, clientSecret: clientSecretOf(tenantA, chosen.name) };
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
