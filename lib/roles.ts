/**
 * The four SignalR data-plane roles that let a principal act on a SignalR resource, how users name
 * them in config, and how strong each is relative to the others.
 */

export interface SignalRRole {
  readonly name: string;
  readonly id: string;
  /** Data actions under `Microsoft.SignalRService/SignalR/`. */
  readonly dataActions: readonly string[];
}

export const signalrRoles: readonly SignalRRole[] = [
  {
    name: "SignalR App Server",
    id: "420fcaa2-552c-430f-98ca-3264be4806c7",
    dataActions: ["auth/accessKey/action", "serverConnection/write", "clientConnection/write"],
  },
  {
    name: "SignalR Service Owner",
    id: "7e4f1700-ea5a-4f59-8f37-079cfe29dce3",
    dataActions: ["*"],
  },
  {
    name: "SignalR REST API Owner",
    id: "fd53cd77-2268-407a-8f46-7e7863d0f521",
    dataActions: ["auth/clientToken/action", "hub/*", "group/*", "clientConnection/*", "user/*"],
  },
  {
    name: "SignalR REST API Reader",
    id: "ddde6b66-c0df-4114-a159-3618637b3035",
    dataActions: ["group/read", "clientConnection/read", "user/read"],
  },
];

/**
 * Looks a role up by display name (any case) or by GUID; `undefined` when it is not a SignalR role.
 */
export function findRole(nameOrId: string): SignalRRole | undefined {
  const wanted = nameOrId.trim().toLowerCase();
  return signalrRoles.find((role) => role.name.toLowerCase() === wanted || role.id === wanted);
}

/** The tenant-level role definition id, valid at every scope including management groups. */
export function roleDefinitionId(role: SignalRRole): string {
  return `/providers/Microsoft.Authorization/roleDefinitions/${role.id}`;
}

/** Reads the role GUID back out of a role definition id of any scope. */
export function roleFromDefinitionId(definitionId: string): SignalRRole | undefined {
  const guid = definitionId.split("/").pop() ?? "";
  return findRole(guid);
}

export function isServiceOwner(role: SignalRRole): boolean {
  return role.id === "7e4f1700-ea5a-4f59-8f37-079cfe29dce3";
}

export function isRestApiOwner(role: SignalRRole): boolean {
  return role.id === "fd53cd77-2268-407a-8f46-7e7863d0f521";
}

/**
 * Whether `to` grants a data action that `from` does not, i.e. whether replacing `from` by `to`
 * widens what the principal may do. Service Owner (`*`) covers everything.
 */
export function grantsMore(from: SignalRRole, to: SignalRRole): boolean {
  return to.dataActions.some((action) => !covers(from.dataActions, action));
}

function covers(granted: readonly string[], action: string): boolean {
  return granted.some((pattern) => {
    if (pattern === "*") return true;
    if (pattern.endsWith("/*")) return action.startsWith(pattern.slice(0, -1));
    return pattern === action;
  });
}
