/**
 * Turns the two stacks' outputs into the app server's configuration: joins tenant B's outputs with
 * the tenant-A credential the app server signs in with, and writes them as an appsettings.json
 * fragment, environment variables or plain JSON, secrets hidden unless asked for; also the
 * export-config command's options. Reading and checking the outputs is `lib/stackOutputs.ts`.
 * Pure: files, the pulumi CLI and the clock stay with the caller.
 */
import { cloudProfile, type CloudName } from "./clouds.ts";
import {
  ArgumentError,
  isHttpsUrl,
  parseAuthorityHost,
  parseFlags,
  type OptionSpec,
} from "./commandLine.ts";
import { formatConnectionString } from "./connectionString.ts";
import {
  clientSecretOf,
  stackSource,
  type CredentialSummary,
  type Endpoint,
  type StackSource,
  type TenantAOutputs,
  type TenantBOutputs,
} from "./stackOutputs.ts";

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
      const { name, keyId, endDate } = credential;
      return { name, kind: "secret", keyId, endDate, clientSecret: clientSecretOf(tenantA, name) };
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

const exportFormats = ["dotnet", "env", "json"] as const;

export type ExportFormat = (typeof exportFormats)[number];

/** Stands in for a secret value unless `--show-secrets` is given. */
export const hiddenSecret = "<hidden: add --show-secrets>";

/** Section of the app server's configuration that carries a federated credential's values. */
const federatedSection = "SignalRCrossTenant";

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
function connectionStrings(
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

const exportOptionSpec: OptionSpec = {
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
