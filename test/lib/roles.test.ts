import {
  findRole,
  grantsMore,
  roleDefinitionId,
  roleFromDefinitionId,
  signalrRoles,
} from "../../lib/roles.ts";

const [appServer, serviceOwner, restOwner, restReader] = signalrRoles;

describe("SignalR roles", () => {
  it("finds each role by name in any case and by GUID", () => {
    expect(findRole("signalr app server")).toBe(appServer);
    expect(findRole("  SIGNALR SERVICE OWNER ")).toBe(serviceOwner);
    expect(findRole("FD53CD77-2268-407A-8F46-7E7863D0F521")).toBe(restOwner);
    expect(findRole("ddde6b66-c0df-4114-a159-3618637b3035")).toBe(restReader);
  });

  it("knows no other role, not even the control-plane SignalR contributor", () => {
    expect(findRole("SignalR/Web PubSub Contributor")).toBeUndefined();
    expect(findRole("8cf5e20a-e4b2-4e9d-b3a1-5ceb692c2761")).toBeUndefined();
    expect(findRole("Owner")).toBeUndefined();
  });

  it("writes the tenant-level role definition id and reads it back from any scope", () => {
    expect(roleDefinitionId(appServer)).toBe(
      "/providers/Microsoft.Authorization/roleDefinitions/420fcaa2-552c-430f-98ca-3264be4806c7",
    );
    const scoped =
      "/subscriptions/55555555-5555-5555-5555-555555555555/providers/Microsoft.Authorization" +
      "/roleDefinitions/7e4f1700-ea5a-4f59-8f37-079cfe29dce3";
    expect(roleFromDefinitionId(scoped)).toBe(serviceOwner);
  });

  it("ranks Service Owner above every other role and Reader below every other role", () => {
    for (const role of [appServer, restOwner, restReader]) {
      expect(grantsMore(role, serviceOwner)).toBe(true);
      expect(grantsMore(serviceOwner, role)).toBe(false);
    }
    for (const role of [appServer, serviceOwner, restOwner]) {
      expect(grantsMore(restReader, role)).toBe(true);
    }
    expect(grantsMore(restOwner, restReader)).toBe(false);
  });

  it("treats App Server and REST API Owner as granting something the other lacks", () => {
    expect(grantsMore(appServer, restOwner)).toBe(true);
    expect(grantsMore(restOwner, appServer)).toBe(true);
  });
});
