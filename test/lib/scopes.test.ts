import fc from "fast-check";
import { explainScope, parseScope, scopeBreadth, scopeKey } from "../../lib/scopes.ts";
import { subscription } from "../support/config.ts";

describe("parseScope", () => {
  it("reads each of the four scope forms", () => {
    expect(parseScope("/providers/Microsoft.Management/managementGroups/monitoring")).toEqual({
      kind: "managementGroup",
      managementGroup: "monitoring",
      id: "/providers/Microsoft.Management/managementGroups/monitoring",
    });
    expect(parseScope(`/subscriptions/${subscription}`)).toEqual({
      kind: "subscription",
      subscriptionId: subscription,
      id: `/subscriptions/${subscription}`,
    });
    expect(parseScope(`/subscriptions/${subscription}/resourceGroups/chat`)).toEqual({
      kind: "resourceGroup",
      subscriptionId: subscription,
      resourceGroup: "chat",
      id: `/subscriptions/${subscription}/resourceGroups/chat`,
    });
    expect(
      parseScope(
        `/subscriptions/${subscription}/resourceGroups/chat/providers/Microsoft.SignalRService/SignalR/chat-weu`,
      ),
    ).toEqual({
      kind: "signalr",
      subscriptionId: subscription,
      resourceGroup: "chat",
      resourceName: "chat-weu",
      id: `/subscriptions/${subscription}/resourceGroups/chat/providers/Microsoft.SignalRService/SignalR/chat-weu`,
    });
  });

  it("writes the fixed segments in canonical casing, as ARM ids ignore case", () => {
    const scope = parseScope(
      `/SUBSCRIPTIONS/${subscription.toUpperCase()}/resourcegroups/Chat/providers/microsoft.signalrservice/signalr/Chat-Weu`,
    );

    expect(scope?.id).toBe(
      `/subscriptions/${subscription}/resourceGroups/Chat/providers/Microsoft.SignalRService/SignalR/Chat-Weu`,
    );
  });

  it.each([
    ["a name instead of a subscription id", "/subscriptions/production"],
    ["no leading slash", `subscriptions/${subscription}`],
    ["a trailing slash", `/subscriptions/${subscription}/`],
    [
      "a Web PubSub resource",
      `/subscriptions/${subscription}/resourceGroups/chat/providers/Microsoft.SignalRService/WebPubSub/x`,
    ],
    [
      "an extra segment",
      `/subscriptions/${subscription}/resourceGroups/chat/providers/Microsoft.SignalRService/SignalR/x/hubs`,
    ],
    [
      "a storage account",
      `/subscriptions/${subscription}/resourceGroups/chat/providers/Microsoft.Storage/storageAccounts/x`,
    ],
    ["an empty string", ""],
  ])("rejects %s", (_, text) => {
    expect(parseScope(text)).toBeUndefined();
  });

  it("parses back every scope it writes", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{1,20}[a-z0-9]$/);
    fc.assert(
      fc.property(fc.uuid(), name, name, (id, group, resource) => {
        for (const text of [
          `/subscriptions/${id}`,
          `/subscriptions/${id}/resourceGroups/${group}`,
          `/subscriptions/${id}/resourceGroups/${group}/providers/Microsoft.SignalRService/SignalR/${resource}`,
          `/providers/Microsoft.Management/managementGroups/${group}`,
        ]) {
          const scope = parseScope(text);
          expect(scope).toBeDefined();
          expect(parseScope(scope!.id)).toEqual(scope);
        }
      }),
    );
  });
});

describe("scope helpers", () => {
  it("orders scopes from a single resource up to a management group", () => {
    expect(scopeBreadth.signalr).toBeLessThan(scopeBreadth.resourceGroup);
    expect(scopeBreadth.resourceGroup).toBeLessThan(scopeBreadth.subscription);
    expect(scopeBreadth.subscription).toBeLessThan(scopeBreadth.managementGroup);
  });

  it("gives ids that differ only in case the same key", () => {
    const a = parseScope(`/subscriptions/${subscription}/resourceGroups/Chat`)!;
    const b = parseScope(`/subscriptions/${subscription}/resourcegroups/chat`)!;

    expect(scopeKey(a)).toBe(scopeKey(b));
  });

  it.each([
    ["subscriptions/x", "an ARM id starts with '/'"],
    [`/subscriptions/${subscription}/`, "remove the trailing '/'"],
    [
      "/subscriptions/production",
      "the subscription must be given by its id (a GUID), not its name",
    ],
    [
      `/subscriptions/${subscription}/resourceGroups/chat/providers/Microsoft.Web/sites/x`,
      "Microsoft.Web/sites is not a SignalR resource; " +
        "assign at the SignalR resource or a scope above it",
    ],
  ])("explains why %s is not a scope", (text, explanation) => {
    expect(explainScope(text)).toBe(explanation);
  });
});
