/**
 * The way out of `RoleAssignmentExists`: ARM refuses a role assignment when the same principal
 * already holds the same role at the same scope under another assignment name (someone assigned it
 * by hand, or another tool did). The recovery finds that assignment's name with the Azure CLI, then
 * adopts it into the stack with `pulumi import`. Pure: it only writes the two command lines, for a
 * POSIX shell.
 */
import { roleAssignmentType } from "./resourceTypes.ts";
import { findRole } from "./roles.ts";

/** Stands in for the existing assignment's name until the Azure CLI has printed it. */
export const existingNamePlaceholder = "<existing-assignment-name>";

export interface RoleAssignmentTarget {
  /** The role: display name, GUID or role definition id. */
  readonly role: string;
  /** ARM id of the scope the role is assigned at. */
  readonly scope: string;
  /** The assignment name (a GUID) the stack gives it. */
  readonly name: string;
  /** The Pulumi resource name of the assignment in the stack. */
  readonly resourceName: string;
  /** Application (client) id of the principal; the Azure CLI finds its service principal by it. */
  readonly clientId: string;
  /** URN of the component the stack declares the assignment in; without it, the stack's root. */
  readonly parentUrn?: string;
  /** URN of the azure-native provider the stack deploys the assignment with. */
  readonly providerUrn?: string;
}

export interface ImportHint {
  /** Prints the name of the assignment that already grants the role at the scope. */
  readonly findCommand: string;
  /** Adopts that assignment as the stack's resource. */
  readonly importCommand: string;
}

/**
 * The two commands that recover from `RoleAssignmentExists` for `target`. Without `existingName`,
 * the import command holds `<existing-assignment-name>`, to be replaced by what the first one
 * prints. The import is not protected: the program does not protect role assignments either.
 */
export function roleAssignmentExistsHint(
  target: RoleAssignmentTarget,
  existingName: string = existingNamePlaceholder,
): ImportHint {
  const findCommand = [
    "az role assignment list",
    `--assignee ${quote(target.clientId)}`,
    `--role ${quote(roleArgument(target.role))}`,
    `--scope ${quote(target.scope)}`,
    "--query '[].name' --output tsv",
  ].join(" ");

  const id = `${target.scope}/providers/Microsoft.Authorization/roleAssignments/${existingName}`;
  const importCommand = [
    `pulumi import ${roleAssignmentType} ${quote(target.resourceName)} ${quote(id)}`,
    ...(target.parentUrn ? [`--parent ${quote(labelled(target.parentUrn))}`] : []),
    ...(target.providerUrn ? [`--provider ${quote(labelled(target.providerUrn))}`] : []),
    "--protect=false",
  ].join(" ");

  return { findCommand, importCommand };
}

export interface UrnParts {
  readonly stack: string;
  readonly project: string;
  /** Type token of the resource. */
  readonly type: string;
  readonly name: string;
  /** Type token of its parent component, for a resource declared inside one. */
  readonly parentType?: string;
}

/** The URN Pulumi gives a resource of the stack; children of the stack carry no parent type. */
export function resourceUrn(parts: UrnParts): string {
  const type = parts.parentType ? `${parts.parentType}$${parts.type}` : parts.type;
  return `urn:pulumi:${parts.stack}::${parts.project}::${type}::${parts.name}`;
}

/** The role's GUID when it is a SignalR role: the Azure CLI matches it exactly in every cloud. */
function roleArgument(role: string): string {
  const found = findRole(role.split("/").pop() ?? role) ?? findRole(role);
  return found ? found.id : role;
}

/** `--parent` and `--provider` take `<name>=<urn>`; the name is the URN's last part. */
function labelled(urn: string): string {
  return `${urn.split("::").pop()}=${urn}`;
}

/** A shell word: as it is when it holds only characters no shell treats specially, else quoted. */
function quote(word: string): string {
  return /^[\w./:@=,+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
