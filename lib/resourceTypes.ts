/**
 * The Pulumi type tokens of the resources the stacks register, for the code that reads an
 * evaluation or a plan: the guardrails, the role diff, the diagram, the recovery hints and the
 * benchmark. The policy pack loads this module as it is, so it holds plain strings only.
 */

export const applicationType = "azuread:index/application:Application";
export const passwordType = "azuread:index/applicationPassword:ApplicationPassword";
export const certificateType = "azuread:index/applicationCertificate:ApplicationCertificate";
export const federatedCredentialType =
  "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential";
export const servicePrincipalType = "azuread:index/servicePrincipal:ServicePrincipal";
export const roleAssignmentType = "azure-native:authorization:RoleAssignment";
export const offsetType = "time:index/offset:Offset";
export const stackReferenceType = "pulumi:pulumi:StackReference";
