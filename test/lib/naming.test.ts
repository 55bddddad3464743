import fc from "fast-check";
import { roleAssignmentName, slug } from "../../lib/naming.ts";

const identity = {
  tenantId: "33333333-3333-3333-3333-333333333333",
  principal: "44444444-4444-4444-4444-444444444444",
  roleId: "420fcaa2-552c-430f-98ca-3264be4806c7",
  scope: "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/chat",
};

describe("roleAssignmentName", () => {
  it("is a fixed version 5 UUID for the same tenant, principal, role and scope", () => {
    expect(roleAssignmentName(identity)).toBe(roleAssignmentName({ ...identity }));
    expect(roleAssignmentName(identity)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("ignores case, as ARM does", () => {
    expect(roleAssignmentName({ ...identity, scope: identity.scope.toUpperCase() })).toBe(
      roleAssignmentName(identity),
    );
  });

  it("differs when any part differs", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("tenantId", "principal", "roleId", "scope"),
        fc.uuid(),
        (part, other) => {
          fc.pre(other !== identity[part as keyof typeof identity]);
          expect(roleAssignmentName({ ...identity, [part]: other })).not.toBe(
            roleAssignmentName(identity),
          );
        },
      ),
    );
  });
});

describe("slug", () => {
  it("turns a role name into a resource-name word", () => {
    expect(slug("SignalR REST API Owner")).toBe("signalr-rest-api-owner");
  });
});
