/**
 * Draws the cross-tenant setup of a set of stack plans as a Mermaid flowchart, for pull-request
 * comments and the README: per stack a box for its tenant; in tenant A the application and the
 * credentials it trusts, in tenant B the enterprise application and an arrow per role to each
 * scope. Pure: plans in, Markdown out.
 */
import { unknownMarker } from "./markers.ts";
import {
  applicationType,
  certificateType,
  federatedCredentialType,
  passwordType,
} from "./resourceTypes.ts";
import { grantsOf } from "./roleDiff.ts";
import { parseScope } from "./scopes.ts";
import type { PlannedResource, StackPlan } from "../tools/evaluate.ts";

export interface DiagramStack {
  readonly plan: StackPlan;
  /** The stack in the diagram whose application this stack's enterprise application stands for. */
  readonly applicationStack?: string;
}

const credentialLabels: Record<string, (resource: PlannedResource) => string[]> = {
  [passwordType]: (resource) => [`Client secret ${text(resource.inputs.displayName)}`],
  [certificateType]: (resource) => [`Certificate ${resource.name}`],
  [federatedCredentialType]: (resource) => [
    `Federated credential ${text(resource.inputs.displayName)}`,
    `subject ${text(resource.inputs.subject)}`,
  ],
};

/** A fenced `mermaid` block. */
export function mermaidDiagram(stacks: readonly DiagramStack[]): string {
  const lines = ["```mermaid", "flowchart LR"];
  const applications = new Map<string, { node: string; clientId: string }>();
  const principals: { node: string; clientId: string; applicationStack?: string }[] = [];

  stacks.forEach(({ plan, applicationStack }, index) => {
    const id = `s${index}`;
    const tenant = plan.side === "tenantA" ? "tenant A" : "tenant B";
    lines.push(`  subgraph ${id}["${label([`${plan.stack}: ${tenant} ${plan.tenantId}`])}"]`);

    if (plan.side === "tenantA") {
      const application = plan.resources.find((resource) => resource.type === applicationType);
      const clientId = String(plan.outputs.clientId);
      const node = `${id}_app`;
      lines.push(
        `    ${node}["${label([
          `Application ${text(application?.inputs.displayName)}`,
          `client id ${text(clientId)}`,
        ])}"]`,
      );
      applications.set(plan.stack, { node, clientId });
      plan.resources
        .filter((resource) => resource.type in credentialLabels)
        .forEach((resource, credential) => {
          const labelLines = credentialLabels[resource.type](resource);
          lines.push(`    ${id}_cred${credential}(["${label(labelLines)}"]) --> ${node}`);
        });
    } else {
      const grants = grantsOf(plan);
      const clientId = grants[0]?.principal ?? String(plan.outputs.clientId);
      const node = `${id}_sp`;
      lines.push(
        `    ${node}["${label(["Enterprise application", `client id ${text(clientId)}`])}"]`,
      );
      principals.push({ node, clientId, applicationStack });

      const scopes = new Map<string, string>();
      for (const grant of grants) {
        const key = grant.scope.toLowerCase();
        let scopeNode = scopes.get(key);
        if (!scopeNode) {
          scopeNode = `${id}_scope${scopes.size}`;
          scopes.set(key, scopeNode);
          lines.push(`    ${scopeNode}["${label(scopeLabel(grant.scope))}"]`);
        }
        lines.push(`    ${node} -->|"${label([grant.role])}"| ${scopeNode}`);
      }
    }
    lines.push("  end");
  });

  // Tenant A's application is the one tenant B provisions: by reference, or by a known client id.
  for (const principal of principals) {
    const byReference = principal.applicationStack
      ? applications.get(principal.applicationStack)
      : undefined;
    const byClientId = [...applications.values()].find(
      (application) =>
        application.clientId !== unknownMarker &&
        application.clientId.toLowerCase() === principal.clientId.toLowerCase(),
    );
    const application = byReference ?? byClientId;
    if (application)
      lines.push(`  ${application.node} -.->|"provisioned in tenant B"| ${principal.node}`);
  }

  lines.push("```");
  return `${lines.join("\n")}\n`;
}

function scopeLabel(scope: string): string[] {
  const parsed = parseScope(scope);
  switch (parsed?.kind) {
    case "managementGroup":
      return [`Management group ${parsed.managementGroup}`];
    case "subscription":
      return [`Subscription ${parsed.subscriptionId}`];
    case "resourceGroup":
      return [`Resource group ${parsed.resourceGroup}`, `subscription ${parsed.subscriptionId}`];
    case "signalr":
      return [
        `SignalR ${parsed.resourceName}`,
        `resource group ${parsed.resourceGroup}`,
        `subscription ${parsed.subscriptionId}`,
      ];
    default:
      return [scope];
  }
}

/** Lines of a node or edge label, escaping what Mermaid's quoted labels cannot hold. */
function label(lines: readonly string[]): string {
  return lines
    .map((line) =>
      line
        .replace(/&/g, "#amp;")
        .replace(/"/g, "#quot;")
        .replace(/</g, "#lt;")
        .replace(/>/g, "#gt;"),
    )
    .join("<br/>");
}

function text(value: unknown): string {
  if (value === unknownMarker) return "known after apply";
  return typeof value === "string" ? value : (JSON.stringify(value) ?? "");
}
