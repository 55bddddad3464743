/**
 * Compares the role assignments of two sets of stack plans (a pull request's base and head) and
 * writes the Markdown report reviewers approve: per stack, the assignments added, removed and
 * changed, escalations first. An escalation lets the enterprise application do more than before:
 * a role that grants data actions the old one did not, a broader scope, or access it had nowhere.
 * An assignment already covered by one the base holds (same or containing scope, at least the same
 * data actions) is no escalation. Pure: plans in, text out.
 */
import { unknownMarker } from "./markers.ts";
import { roleAssignmentType, servicePrincipalType } from "./resourceTypes.ts";
import { findRole, grantsMore, roleFromDefinitionId, type SignalRRole } from "./roles.ts";
import { parseScope, scopeBreadth, scopeKey, type Scope } from "./scopes.ts";
import type { StackPlan } from "../tools/evaluate.ts";

/** A role assignment with the principal it is for. */
export interface Grant {
  /** The enterprise application's client id, or `[known after apply]`. */
  readonly principal: string;
  readonly role: string;
  readonly roleDefinitionId: string;
  readonly scope: string;
}

export type Escalation = "stronger role" | "broader scope" | "other scope" | "new access";

export type RoleChange =
  | { readonly kind: "added"; readonly after: Grant; readonly escalation: readonly Escalation[] }
  | { readonly kind: "removed"; readonly before: Grant; readonly escalation: readonly [] }
  | {
      readonly kind: "changed";
      readonly before: Grant;
      readonly after: Grant;
      readonly escalation: readonly Escalation[];
    };

export interface StackRoleDiff {
  readonly stack: string;
  /** Whether the stack exists on both sides, only in the head, or only in the base. */
  readonly presence: "both" | "added" | "removed";
  /** Escalations first, then additions, changes and removals. */
  readonly changes: readonly RoleChange[];
}

export interface RoleDiff {
  /** Every stack compared, sorted. */
  readonly stacks: readonly string[];
  /** Only the stacks whose role assignments changed. */
  readonly changed: readonly StackRoleDiff[];
}

/**
 * The role assignments of a plan with their principal: the client id of the enterprise application
 * under the same parent as the assignment's resource.
 */
export function grantsOf(plan: StackPlan): Grant[] {
  return plan.roleAssignments.map((assignment) => {
    const resource = plan.resources.find(
      (candidate) =>
        candidate.type === roleAssignmentType &&
        candidate.inputs.roleAssignmentName === assignment.name,
    );
    const principal = plan.resources.find(
      (candidate) =>
        candidate.type === servicePrincipalType && candidate.parent === resource?.parent,
    );
    const clientId = principal?.inputs.clientId;
    return {
      principal: typeof clientId === "string" ? clientId : unknownMarker,
      role: assignment.role,
      roleDefinitionId: assignment.roleDefinitionId,
      scope: assignment.scope,
    };
  });
}

export function diffRoles(base: readonly StackPlan[], head: readonly StackPlan[]): RoleDiff {
  const baseByStack = new Map(base.map((plan) => [plan.stack, plan]));
  const headByStack = new Map(head.map((plan) => [plan.stack, plan]));
  const stacks = [...new Set([...baseByStack.keys(), ...headByStack.keys()])].sort();

  const changed = stacks.flatMap((stack): StackRoleDiff[] => {
    const before = baseByStack.get(stack);
    const after = headByStack.get(stack);
    const changes = diffGrants(before ? grantsOf(before) : [], after ? grantsOf(after) : []);
    if (changes.length === 0) return [];
    const presence = before && after ? "both" : after ? "added" : "removed";
    return [{ stack, presence, changes }];
  });
  return { stacks, changed };
}

export function hasEscalation(diff: RoleDiff): boolean {
  return diff.changed.some((stack) => stack.changes.some((change) => change.escalation.length > 0));
}

/** Pairs the base's and head's assignments of one stack into additions, removals and changes. */
function diffGrants(base: readonly Grant[], head: readonly Grant[]): RoleChange[] {
  const removed = base.filter((grant) => !head.some((other) => sameGrant(grant, other)));
  const added = head.filter((grant) => !base.some((other) => sameGrant(grant, other)));
  const pairs: [Grant, Grant][] = [];

  // A role changed at one scope, then a scope changed for one role, related scopes preferred.
  const pair = (matches: (before: Grant, after: Grant) => boolean) => {
    for (const before of [...removed]) {
      const after = added.find((candidate) => matches(before, candidate));
      if (!after) continue;
      removed.splice(removed.indexOf(before), 1);
      added.splice(added.indexOf(after), 1);
      pairs.push([before, after]);
    }
  };
  pair((before, after) => samePrincipal(before, after) && sameScope(before, after));
  pair(
    (before, after) =>
      samePrincipal(before, after) &&
      sameRole(before, after) &&
      scopeRelation(before.scope, after.scope) !== "other",
  );
  pair((before, after) => samePrincipal(before, after) && sameRole(before, after));

  const covered = (grant: Grant) =>
    base.some(
      (held) =>
        samePrincipal(held, grant) && within(grant.scope, held.scope) && !strongerRole(held, grant),
    );
  const changes: RoleChange[] = [
    ...added.map((after): RoleChange => {
      return { kind: "added", after, escalation: covered(after) ? [] : ["new access"] };
    }),
    ...pairs.map(([before, after]): RoleChange => {
      const reasons: Escalation[] = [];
      if (strongerRole(before, after)) reasons.push("stronger role");
      const relation = scopeRelation(before.scope, after.scope);
      if (relation === "broader") reasons.push("broader scope");
      if (relation === "other") reasons.push("other scope");
      return { kind: "changed", before, after, escalation: covered(after) ? [] : reasons };
    }),
    ...removed.map((before): RoleChange => ({ kind: "removed", before, escalation: [] })),
  ];

  // Stable: escalations first, each group in the order above.
  return [
    ...changes.filter((change) => change.escalation.length > 0),
    ...changes.filter((change) => change.escalation.length === 0),
  ];
}

/**
 * How `after` relates to `before`. The ids of subscriptions, resource groups and SignalR resources
 * show which contains which, so two of them that are not nested are unrelated ("other"), unless the
 * new one is of a broader kind. Which subscriptions a management group holds is not in any plan, so
 * a management group is judged by breadth alone.
 */
export function scopeRelation(
  before: string,
  after: string,
): "same" | "broader" | "narrower" | "other" {
  const from = parseScope(before);
  const to = parseScope(after);
  if (!from || !to) return before.toLowerCase() === after.toLowerCase() ? "same" : "other";
  if (scopeKey(from) === scopeKey(to)) return "same";
  if (contains(to, from)) return "broader";
  if (contains(from, to)) return "narrower";

  const difference = scopeBreadth[to.kind] - scopeBreadth[from.kind];
  if (difference > 0) return "broader";
  const groups = from.kind === "managementGroup" || to.kind === "managementGroup";
  return groups && difference < 0 ? "narrower" : "other";
}

/** Whether `inner` is `outer` or lies below it, as far as the ids show. */
function within(inner: string, outer: string): boolean {
  const from = parseScope(outer);
  const to = parseScope(inner);
  if (!from || !to) return inner.toLowerCase() === outer.toLowerCase();
  return scopeKey(from) === scopeKey(to) || contains(from, to);
}

function contains(outer: Scope, inner: Scope): boolean {
  return scopeKey(inner).startsWith(`${scopeKey(outer)}/`);
}

function roleOf(grant: Grant): SignalRRole | undefined {
  return roleFromDefinitionId(grant.roleDefinitionId) ?? findRole(grant.role);
}

/** Whether `after`'s role grants a data action `before`'s does not; an unknown role always does. */
function strongerRole(before: Grant, after: Grant): boolean {
  const from = roleOf(before);
  const to = roleOf(after);
  if (!from || !to) return !sameRole(before, after);
  return grantsMore(from, to);
}

function samePrincipal(a: Grant, b: Grant): boolean {
  return a.principal.toLowerCase() === b.principal.toLowerCase();
}

function sameRole(a: Grant, b: Grant): boolean {
  return roleKey(a) === roleKey(b);
}

function roleKey(grant: Grant): string {
  return (grant.roleDefinitionId.split("/").pop() ?? grant.roleDefinitionId).toLowerCase();
}

function sameScope(a: Grant, b: Grant): boolean {
  return scopeRelation(a.scope, b.scope) === "same";
}

function sameGrant(a: Grant, b: Grant): boolean {
  return samePrincipal(a, b) && sameRole(a, b) && sameScope(a, b);
}

// ---------------------------------------------------------------------------------------------
// Markdown

/** The report for a pull-request comment; one line when no role assignment changed. */
export function formatRoleDiff(diff: RoleDiff): string {
  if (diff.changed.length === 0) {
    const count = diff.stacks.length === 1 ? "1 stack" : `${diff.stacks.length} stacks`;
    const names = diff.stacks.length > 0 ? ` (${diff.stacks.join(", ")})` : "";
    return `No role assignment changes in ${count}${names}.\n`;
  }

  const escalations = diff.changed.flatMap((stack) =>
    stack.changes.filter((change) => change.escalation.length > 0),
  ).length;
  const summary =
    escalations === 0
      ? "No escalations: no stronger role, broader scope or new access."
      : `⚠️ **${escalations === 1 ? "1 escalation" : `${escalations} escalations`}** ` +
        "(marked below): review each before approving.";

  const sections = diff.changed.map((stack) => {
    const note = { both: "", added: " (new stack)", removed: " (stack removed)" }[stack.presence];
    const rows = stack.changes.map((change) => `| ${formatRow(change).join(" | ")} |`);
    return [
      `#### ${stack.stack}${note}`,
      "",
      "| Escalation | Change | Principal (client id) | Role | Scope |",
      "| --- | --- | --- | --- | --- |",
      ...rows,
    ].join("\n");
  });
  return ["### Role assignment changes", "", summary, "", sections.join("\n\n"), ""].join("\n");
}

function formatRow(change: RoleChange): string[] {
  const escalation = change.escalation.length > 0 ? `⚠️ **${change.escalation.join(", ")}**` : "";
  switch (change.kind) {
    case "added":
    case "removed": {
      const grant = change.kind === "added" ? change.after : change.before;
      return [escalation, change.kind, principal(grant), grant.role, code(grant.scope)];
    }
    case "changed": {
      // Paired changes keep either the scope or the role.
      const { before, after } = change;
      const relation = scopeRelation(before.scope, after.scope);
      if (relation === "same") {
        const roles = `${before.role} → ${after.role}`;
        return [escalation, "role changed", principal(after), roles, code(after.scope)];
      }
      const word = { broader: "widened", narrower: "narrowed", other: "moved" }[relation];
      const scopes = `${code(before.scope)} → ${code(after.scope)}`;
      return [escalation, `scope ${word}`, principal(after), after.role, scopes];
    }
  }
}

function principal(grant: Grant): string {
  return grant.principal === unknownMarker ? "known after apply" : code(grant.principal);
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "")}\``;
}
