/**
 * What Azure would report for each resource once created, for tests that follow values end to end
 * under the mock runtime. Derived from the resource's name, so every value can be predicted.
 */
export function fakeOutputs(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  switch (type) {
    case "azuread:index/application:Application":
      return { clientId: `${name}-client-id`, objectId: `${name}-object-id` };
    case "azuread:index/servicePrincipal:ServicePrincipal":
      return { objectId: `${name}-object-id` };
    case "azuread:index/applicationPassword:ApplicationPassword":
      return { keyId: `${name}-key-id`, value: `${name}-secret-value` };
    case "azuread:index/applicationCertificate:ApplicationCertificate":
      return { keyId: `${name}-key-id` };
    case "time:index/offset:Offset":
      return { rfc3339: `2027-06-01T00:00:00Z`, id: `${name}-offset`, ...inputs };
    default:
      return {};
  }
}
