/**
 * Builds the raw config map Pulumi hands the program from plain values: namespaced keys, strings as
 * they are, objects and lists as JSON text.
 */
export function rawConfig(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [
        `signalr-cross-tenant:${key}`,
        typeof value === "string" ? value : JSON.stringify(value),
      ]),
  );
}

export const tenantA = "11111111-1111-1111-1111-111111111111";
export const tenantB = "33333333-3333-3333-3333-333333333333";
export const clientId = "44444444-4444-4444-4444-444444444444";
export const subscription = "55555555-5555-5555-5555-555555555555";
export const identityPrincipal = "22222222-2222-2222-2222-222222222222";

export const signalrScope =
  `/subscriptions/${subscription}/resourceGroups/chat` +
  "/providers/Microsoft.SignalRService/SignalR/chat-weu";

/** A valid tenant-A config with one credential of each kind but certificates; override any key. */
export function tenantAValues(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    side: "tenantA",
    tenantId: tenantA,
    application: { displayName: "contoso-chat-server" },
    credentials: [
      { kind: "secret", name: "primary", validDays: 180 },
      { kind: "managedIdentity", name: "chat-server-identity", principalId: identityPrincipal },
      {
        kind: "federated",
        name: "github-prod",
        issuer: "https://token.actions.githubusercontent.com",
        subject: "repo:contoso/chat:environment:prod",
      },
    ],
    ...overrides,
  };
}

/** A valid tenant-B config assigning App Server on one SignalR resource; override any key. */
export function tenantBValues(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    side: "tenantB",
    tenantId: tenantB,
    clientId,
    assignments: [{ role: "SignalR App Server", scope: signalrScope }],
    ...overrides,
  };
}
