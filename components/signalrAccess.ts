/**
 * Tenant B's half: the enterprise application (service principal) of tenant A's application, and
 * its SignalR role assignments. Every assignment depends on the enterprise application alone, so
 * all of them are created in parallel.
 */
import { RoleAssignment } from "@pulumi/azure-native/authorization/roleAssignment.js";
import { ServicePrincipal } from "@pulumi/azuread/servicePrincipal.js";
import * as pulumi from "@pulumi/pulumi";
import { slug } from "../lib/naming.ts";

export interface RoleAssignmentSpec {
  /** Role display name, for resource names and outputs. */
  readonly role: string;
  /**
   * Tenant-level role definition id, `/providers/Microsoft.Authorization/roleDefinitions/<guid>`.
   */
  readonly roleDefinitionId: string;
  /** ARM id of a management group, subscription, resource group or SignalR resource. */
  readonly scope: string;
  /** The assignment's ARM name: a GUID fixed by config, so re-runs and reorders change nothing. */
  readonly name: string;
  /**
   * Identifies the assignment among the stack's resources, from its role and scope; it stays the
   * same when `name` adopts an assignment that exists already.
   */
  readonly resourceKey: string;
}

export interface SignalRAccessArgs {
  /** Client id of the multitenant application registered in tenant A. */
  readonly clientId: pulumi.Input<string>;
  readonly assignments: readonly RoleAssignmentSpec[];
  /** Guard the enterprise application against deletion. @default true */
  readonly protect?: boolean;
  /**
   * The azure-native provider for the role assignments; the azuread one comes through `providers`.
   */
  readonly armProvider?: pulumi.ProviderResource;
}

export class SignalRAccess extends pulumi.ComponentResource {
  readonly servicePrincipal: ServicePrincipal;
  /** Object id of the enterprise application in tenant B: the `oid` of the app server's tokens. */
  readonly objectId: pulumi.Output<string>;
  readonly roleAssignments: RoleAssignment[];

  constructor(name: string, args: SignalRAccessArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("signalr-cross-tenant:tenantB:SignalRAccess", name, {}, opts);

    // useExisting adopts an enterprise application that an administrator already created by
    // consenting.
    this.servicePrincipal = new ServicePrincipal(
      name,
      { clientId: args.clientId, useExisting: true },
      { parent: this, protect: args.protect ?? true },
    );
    this.objectId = this.servicePrincipal.objectId;

    // Assignment names are GUIDs unique tenant-wide and cannot be updated in place: a changed
    // assignment is deleted before its replacement is created, or ARM rejects the duplicate.
    this.roleAssignments = args.assignments.map(
      (assignment) =>
        new RoleAssignment(
          `${name}-${slug(assignment.role)}-${assignment.resourceKey.slice(0, 8)}`,
          {
            roleAssignmentName: assignment.name,
            principalId: this.objectId,
            principalType: "ServicePrincipal",
            roleDefinitionId: assignment.roleDefinitionId,
            scope: assignment.scope,
          },
          { parent: this, provider: args.armProvider, deleteBeforeReplace: true },
        ),
    );

    this.registerOutputs({ objectId: this.objectId });
  }
}
