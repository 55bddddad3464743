/**
 * Azure Resource Manager scopes a SignalR role can be assigned at: a management group, a
 * subscription, a resource group or one SignalR resource. Parses an ARM id into its parts, writes
 * it back in canonical form, and orders scopes by breadth.
 */

export type ScopeKind = "managementGroup" | "subscription" | "resourceGroup" | "signalr";

export interface Scope {
  readonly kind: ScopeKind;
  /** The ARM id with the fixed segments in canonical casing and no trailing slash. */
  readonly id: string;
  readonly managementGroup?: string;
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
  /** SignalR resource name, for `signalr` scopes. */
  readonly resourceName?: string;
}

/** Breadth of each kind: a larger number reaches more resources. */
export const scopeBreadth: Record<ScopeKind, number> = {
  signalr: 1,
  resourceGroup: 2,
  subscription: 3,
  managementGroup: 4,
};

const scopeExamples = [
  "/providers/Microsoft.Management/managementGroups/<group id>",
  "/subscriptions/<subscription id>",
  "/subscriptions/<subscription id>/resourceGroups/<resource group>",
  "/subscriptions/<subscription id>/resourceGroups/<resource group>" +
    "/providers/Microsoft.SignalRService/SignalR/<resource name>",
];

/** A GUID (8-4-4-4-12 hex digits, any case), as regular expression source for larger patterns. */
export const guidPattern =
  "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

const wholeGuid = new RegExp(`^${guidPattern}$`);

/** Whether `text` is a GUID and nothing else. */
export function isGuid(text: string): boolean {
  return wholeGuid.test(text);
}

// Resource group names: letters, digits, `-_.()`, up to 90, not ending in a period.
const group = "[-\\w.()]{0,89}[-\\w()]";
// Management group ids: letters, digits, `-_.()`, up to 90.
const managementGroup = "[-\\w.()]{1,90}";
// SignalR resource names: 3 to 63 letters, digits and hyphens, starting with a letter.
const signalrName = "[a-zA-Z][a-zA-Z0-9-]{1,61}[a-zA-Z0-9]";

const patterns: [ScopeKind, RegExp][] = [
  [
    "managementGroup",
    new RegExp(`^/providers/Microsoft\\.Management/managementGroups/(${managementGroup})$`, "i"),
  ],
  ["subscription", new RegExp(`^/subscriptions/(${guidPattern})$`, "i")],
  ["resourceGroup", new RegExp(`^/subscriptions/(${guidPattern})/resourceGroups/(${group})$`, "i")],
  [
    "signalr",
    new RegExp(
      `^/subscriptions/(${guidPattern})/resourceGroups/(${group})` +
        `/providers/Microsoft\\.SignalRService/SignalR/(${signalrName})$`,
      "i",
    ),
  ],
];

/** Parses an ARM id; `undefined` when it is none of the four supported scope forms. */
export function parseScope(text: string): Scope | undefined {
  for (const [kind, pattern] of patterns) {
    const match = pattern.exec(text);
    if (!match) continue;
    const [, first, second, third] = match;
    switch (kind) {
      case "managementGroup":
        return scope({ kind, managementGroup: first });
      case "subscription":
        return scope({ kind, subscriptionId: first.toLowerCase() });
      case "resourceGroup":
        return scope({ kind, subscriptionId: first.toLowerCase(), resourceGroup: second });
      case "signalr":
        return scope({
          kind,
          subscriptionId: first.toLowerCase(),
          resourceGroup: second,
          resourceName: third,
        });
    }
  }
  return undefined;
}

function scope(parts: Omit<Scope, "id">): Scope {
  return { ...parts, id: formatScope(parts) };
}

function formatScope(parts: Omit<Scope, "id">): string {
  if (parts.kind === "managementGroup") {
    return `/providers/Microsoft.Management/managementGroups/${parts.managementGroup}`;
  }
  const subscription = `/subscriptions/${parts.subscriptionId}`;
  if (parts.kind === "subscription") return subscription;
  const group = `${subscription}/resourceGroups/${parts.resourceGroup}`;
  if (parts.kind === "resourceGroup") return group;
  return `${group}/providers/Microsoft.SignalRService/SignalR/${parts.resourceName}`;
}

/** A key that is equal for two ids ARM treats as the same scope (ARM ids ignore case). */
export function scopeKey(scope: Scope): string {
  return scope.id.toLowerCase();
}

/**
 * Why `text` is not a supported scope, in words a user can act on, for config errors. Recognises
 * the usual near misses: other resource types, missing leading slash, trailing slash, extra
 * segments.
 */
export function explainScope(text: string): string {
  if (!text.startsWith("/")) return "an ARM id starts with '/'";
  if (text.endsWith("/")) return "remove the trailing '/'";

  const [first, second] = text.slice(1).split("/");
  if (first.toLowerCase() === "subscriptions" && !isGuid(second ?? "")) {
    return "the subscription must be given by its id (a GUID), not its name";
  }

  const provider = /\/providers\/([^/]+\/[^/]+)/i.exec(text)?.[1];
  const known = /^(Microsoft\.SignalRService\/SignalR|Microsoft\.Management\/managementGroups)$/i;
  if (provider && !known.test(provider)) {
    return (
      `${provider} is not a SignalR resource; assign ` +
      `at the SignalR resource or a scope above it`
    );
  }
  return `use one of: ${scopeExamples.join(", ")}`;
}
