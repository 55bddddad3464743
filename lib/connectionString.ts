/**
 * Reads and writes Azure SignalR connection strings by the key rules of the SignalR server SDK:
 * `;`-separated `Key=value` parts, keys compared without regard to case, each key at most once, and
 * for an Entra application (`AuthType=azure.app`) a client id, tenant B's id and either a client
 * secret or a certificate file. Secret values (access keys, client secrets) never appear in a
 * message.
 */

/** Every key the SDK reads, in the order a written connection string uses. */
export const connectionStringKeys = [
  "Endpoint",
  "Port",
  "ClientEndpoint",
  "ServerEndpoint",
  "AccessKey",
  "AuthType",
  "ClientId",
  "TenantId",
  "ClientSecret",
  "ClientCert",
  "Version",
] as const;

export type ConnectionStringKey = (typeof connectionStringKeys)[number];

const authTypes = ["azure", "azure.app", "azure.msi"] as const;

export type AuthType = (typeof authTypes)[number];

/** A parsed connection string; keys absent from the text are absent here. */
export interface SignalRConnectionString {
  readonly endpoint: string;
  readonly port?: number;
  readonly version?: string;
  readonly clientEndpoint?: string;
  readonly serverEndpoint?: string;
  readonly accessKey?: string;
  /** Lower case, as the SDK compares it. */
  readonly authType?: AuthType;
  readonly clientId?: string;
  readonly tenantId?: string;
  readonly clientSecret?: string;
  /** Path of the certificate file on the app server. */
  readonly clientCert?: string;
}

const secretKeys: ReadonlySet<ConnectionStringKey> = new Set(["AccessKey", "ClientSecret"]);

/** The field that holds a key's value: the key's name with a lower-case first letter. */
function fieldOf(key: ConnectionStringKey): Uncapitalize<ConnectionStringKey> {
  return `${key.charAt(0).toLowerCase()}${key.slice(1)}` as Uncapitalize<ConnectionStringKey>;
}

/** Every problem of one connection string, each naming the key and the fix. */
export class ConnectionStringError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(
      [`The SignalR connection string has ${count}:`, ...problems.map((p) => `  - ${p}`)].join(
        "\n",
      ),
    );
    this.name = "ConnectionStringError";
    this.problems = problems;
  }
}

/** Parses a connection string; throws a ConnectionStringError listing every problem at once. */
export function parseConnectionString(text: string): SignalRConnectionString {
  const problems: string[] = [];
  const values = new Map<ConnectionStringKey, string>();

  const parts = text.split(";");
  parts.forEach((part, index) => {
    if (part.trim() === "") return;
    const equals = part.indexOf("=");
    if (equals < 0) {
      problems.push(
        `part ${index + 1} has no "="; write every part as Key=value. A value cannot contain ";".`,
      );
      return;
    }
    const written = part.slice(0, equals).trim();
    const key = connectionStringKeys.find((known) => known.toLowerCase() === written.toLowerCase());
    if (key === undefined) {
      problems.push(
        `${describeUnknownKey(written, index)} is not a connection string key; ` +
          `allowed (in any case): ${connectionStringKeys.join(", ")}.`,
      );
      return;
    }
    if (values.has(key)) {
      problems.push(`${key} appears more than once; keep one ${key}=... part.`);
      return;
    }
    values.set(key, part.slice(equals + 1).trim());
  });

  for (const [key, value] of values) {
    if (value === "") problems.push(`${key} is empty; give it a value or remove ${key}=.`);
  }
  checkValues(values, problems);
  if (problems.length > 0) throw new ConnectionStringError(problems);

  const result: Record<string, string | number> = {};
  for (const [key, value] of values) {
    if (key === "Port") result.port = Number(value);
    else if (key === "AuthType") result.authType = value.toLowerCase();
    else result[fieldOf(key)] = value;
  }
  return result as unknown as SignalRConnectionString;
}

/**
 * Writes a connection string in the order the SignalR documentation uses, ending in `Version` and a
 * `;`, and checks it by parsing it again: what this returns, the SDK reads back unchanged.
 */
export function formatConnectionString(fields: SignalRConnectionString): string {
  const problems: string[] = [];
  const parts: string[] = [];
  for (const key of connectionStringKeys) {
    const value = fields[fieldOf(key)];
    if (value === undefined) continue;
    const text = String(value);
    if (text.includes(";") || text !== text.trim()) {
      problems.push(
        `${key} ${secretKeys.has(key) ? "(value hidden)" : `"${text}"`} contains ";" or ` +
          "surrounding spaces, which a connection string cannot hold; use another value.",
      );
    }
    parts.push(`${key}=${text}`);
  }
  if (problems.length > 0) throw new ConnectionStringError(problems);

  const text = `${parts.join(";")};`;
  parseConnectionString(text);
  return text;
}

function checkValues(values: ReadonlyMap<ConnectionStringKey, string>, problems: string[]): void {
  const endpoint = values.get("Endpoint");
  if (endpoint === undefined) {
    problems.push("Endpoint is missing; add Endpoint=https://<name>.service.signalr.net.");
  }
  for (const key of ["Endpoint", "ClientEndpoint", "ServerEndpoint"] as const) {
    const url = values.get(key);
    if (url && !isHttpUrl(url)) {
      problems.push(`${key} "${url}" is not an http:// or https:// URL; give the full URL.`);
    }
  }

  const port = values.get("Port");
  if (port && !/^\d{1,5}$/.test(port)) {
    problems.push(`Port "${port}" is not a number; give a port from 1 to 65535.`);
  } else if (port && (Number(port) < 1 || Number(port) > 65535)) {
    problems.push(`Port ${port} is out of range; give a port from 1 to 65535.`);
  }

  const written = values.get("AuthType");
  const authType = authTypes.find((type) => type === written?.toLowerCase());
  if (written && authType === undefined) {
    problems.push(`AuthType "${written}" is not known; allowed: ${authTypes.join(", ")}.`);
  }
  if (written === undefined) {
    if (!values.has("AccessKey")) {
      problems.push(
        "neither AuthType nor AccessKey is given; add AuthType=azure.app with ClientId, TenantId " +
          "and ClientSecret or ClientCert, or AccessKey=<key>.",
      );
    }
  } else if (values.has("AccessKey")) {
    problems.push(`AccessKey is not used with AuthType=${written}; remove one of them.`);
  }
  for (const key of ["ClientSecret", "ClientCert"] as const) {
    if (written && authType !== "azure.app" && values.has(key)) {
      problems.push(`${key} is only read with AuthType=azure.app; remove it or change AuthType.`);
    }
  }

  if (authType === "azure.app") {
    for (const key of ["ClientId", "TenantId"] as const) {
      if (!values.has(key)) {
        problems.push(
          `AuthType=azure.app needs ${key}; add ` +
            `${key}=<${key === "ClientId" ? "the application's client id" : "tenant B's id"}>.`,
        );
      }
    }
    const secret = values.has("ClientSecret");
    const certificate = values.has("ClientCert");
    if (!secret && !certificate) {
      problems.push(
        "AuthType=azure.app needs ClientSecret=<secret> " +
          "or ClientCert=<path of the certificate file>.",
      );
    } else if (secret && certificate) {
      problems.push("AuthType=azure.app takes ClientSecret or ClientCert, not both; remove one.");
    }
  }
}

function describeUnknownKey(written: string, index: number): string {
  // Quoted only when shaped like a key name; anything else may be a piece of a secret that held
  // ";".
  return /^[A-Za-z]{1,30}$/.test(written) ? `"${written}"` : `the key of part ${index + 1}`;
}

function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\//i.test(text)) return false;
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}
