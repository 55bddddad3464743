/**
 * Names that must be the same on every run and on every machine: role assignment GUIDs (ARM names,
 * unique tenant-wide) and the Pulumi resource names derived from them. Both come from config values
 * only, never from list positions, so reordering config never replaces anything.
 */
import { v5 as uuidv5 } from "uuid";

// A fixed namespace for this project's name-based UUIDs; changing it would rename every assignment.
const assignmentNamespace = "6c1f4a52-3b2e-5d0a-9e47-0c8a1d2b7f35";

export interface AssignmentIdentity {
  /** Tenant B, where the assignment lives. */
  readonly tenantId: string;
  /**
   * What identifies the principal in config: its client id, or the stack its client id comes from.
   */
  readonly principal: string;
  readonly roleId: string;
  /** Canonical scope id; compared without regard to case, as ARM does. */
  readonly scope: string;
}

/** The role assignment's ARM name: a version 5 UUID of tenant, principal, role and scope. */
export function roleAssignmentName(identity: AssignmentIdentity): string {
  const key = [identity.tenantId, identity.principal, identity.roleId, identity.scope]
    .map((part) => part.toLowerCase())
    .join("|");
  return uuidv5(key, assignmentNamespace);
}

/** Lower-case words joined by hyphens: `SignalR App Server` becomes `signalr-app-server`. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
