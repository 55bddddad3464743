import * as pulumi from "@pulumi/pulumi";
import type { CrossTenantApplicationArgs } from "../../components/crossTenantApplication.ts";
import { secretMarker, unknownMarker } from "../../lib/markers.ts";
import { evaluateStack } from "../../tools/evaluate.ts";
import { rawConfig, tenantAValues } from "../support/config.ts";
import { fakeOutputs } from "../support/fakes.ts";

const dayMs = 86_400_000;
const passwordType = "azuread:index/applicationPassword:ApplicationPassword";
const staticType = "time:index/static:Static";

/** When the time resource says rotation began. */
const startedAt = "2026-01-10T15:42:00Z";

const credentials: CrossTenantApplicationArgs["credentials"] = [
  { kind: "secret", name: "primary", validDays: 180, rotateEveryDays: 30, overlapDays: 7 },
];

/** Azure's answers, with the time resource's recorded moment fixed. */
function outputsAt(recorded: string) {
  return (type: string, name: string, inputs: Record<string, unknown>) =>
    type === staticType
      ? { rfc3339: recorded, id: recorded, ...inputs }
      : {
          ...fakeOutputs(type, name, inputs),
          ...(type === passwordType && { endDate: inputs.endDate }),
        };
}

/** The component alone, evaluated as a program with its clock set to `now`. */
async function evaluateAt(now: string, recorded = startedAt) {
  return evaluateStack({
    stack: "tenantA",
    config: {},
    preview: false,
    fakeOutputs: outputsAt(recorded),
    loadProgram: async () => {
      const { CrossTenantApplication } = await import("../../components/crossTenantApplication.ts");
      return {
        default: () => {
          const application = new CrossTenantApplication("application", {
            displayName: "contoso-chat-server",
            credentials,
            clock: () => new Date(now),
          });
          return {
            credentials: application.credentials,
            clientSecrets: application.clientSecrets,
          };
        },
      };
    },
  });
}

function rotatingResources(aEnd: string, bEnd: string) {
  return [
    {
      type: "signalr-cross-tenant:tenantA:CrossTenantApplication",
      name: "application",
      inputs: {},
      dependsOn: [],
      options: {},
    },
    {
      type: "azuread:index/application:Application",
      name: "application",
      parent: "application",
      inputs: { displayName: "contoso-chat-server", signInAudience: "AzureADMultipleOrgs" },
      dependsOn: [],
      options: { protect: true },
    },
    {
      type: staticType,
      name: "application-primary-rotation",
      parent: "application",
      inputs: { triggers: { overlapDays: "7", rotateEveryDays: "30" } },
      dependsOn: [],
      options: {},
    },
    {
      type: passwordType,
      name: "application-primary@a",
      parent: "application",
      inputs: { applicationId: "application-id", displayName: "primary@a", endDate: aEnd },
      dependsOn: ["application", "application-primary-rotation"],
      options: {},
    },
    {
      type: passwordType,
      name: "application-primary@b",
      parent: "application",
      inputs: { applicationId: "application-id", displayName: "primary@b", endDate: bEnd },
      dependsOn: ["application", "application-primary-rotation"],
      options: {},
    },
  ];
}

describe("a rotating client secret", () => {
  it("registers the recorded start and two slots, with the calendar's end dates", async () => {
    const { resources } = await evaluateAt("2026-01-10T15:42:01Z");

    expect(resources).toEqual(rotatingResources("2026-02-17T00:00:00Z", "2026-01-18T00:00:00Z"));
  });

  it("lists both slots with key ids and end dates, and keeps the values secret", async () => {
    const { outputs, secretOutputs } = await evaluateAt("2026-01-10T15:42:01Z");

    expect(outputs).toEqual({
      credentials: [
        {
          name: "primary@a",
          kind: "secret",
          keyId: "application-primary@a-key-id",
          endDate: "2026-02-17T00:00:00Z",
        },
        {
          name: "primary@b",
          kind: "secret",
          keyId: "application-primary@b-key-id",
          endDate: "2026-01-18T00:00:00Z",
        },
      ],
      clientSecrets: secretMarker,
    });
    expect(secretOutputs).toEqual(["clientSecrets"]);
  });

  it("hands out each slot's value under its key, and only as a secret", async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => ({
          id: `${args.name}-id`,
          state: { ...args.inputs, ...outputsAt(startedAt)(args.type, args.name, args.inputs) },
        }),
        call: (args) => {
          throw new Error(`The component made an unexpected call to ${args.token}.`);
        },
      },
      "signalr-cross-tenant",
      "tenantA",
      false,
    );
    const { CrossTenantApplication } = await import("../../components/crossTenantApplication.ts");

    const application = new CrossTenantApplication("chat", {
      displayName: "chat",
      credentials,
      clock: () => new Date("2026-01-11T00:00:00Z"),
    });
    const values = await new Promise((resolve) =>
      pulumi.unsecret(application.clientSecrets).apply(resolve),
    );

    expect(await pulumi.isSecret(application.clientSecrets)).toBe(true);
    expect(values).toEqual({
      "primary@a": "chat-primary@a-secret-value",
      "primary@b": "chat-primary@b-secret-value",
    });
  });

  it("changes only slot b's end date on the first day of period 1", async () => {
    const before = await evaluateAt("2026-02-08T23:59:59Z");
    const after = await evaluateAt("2026-02-09T06:00:00Z");

    expect(before.resources).toEqual(
      rotatingResources("2026-02-17T00:00:00Z", "2026-01-18T00:00:00Z"),
    );
    expect(after.resources).toEqual(
      rotatingResources("2026-02-17T00:00:00Z", "2026-03-19T00:00:00Z"),
    );
  });

  it("registers the same inputs on a re-run the same day", async () => {
    const morning = await evaluateAt("2026-03-11T00:00:01Z");
    const evening = await evaluateAt("2026-03-11T23:59:59Z");

    expect(evening.resources).toEqual(morning.resources);
    expect(morning.resources).toEqual(
      rotatingResources("2026-04-18T00:00:00Z", "2026-03-19T00:00:00Z"),
    );
  });
});

describe("a rotating client secret in the tenant A stack", () => {
  const rotating = tenantAValues({
    credentials: [
      { kind: "secret", name: "primary", rotateEveryDays: 90, overlapDays: 14 },
      { kind: "secret", name: "fixed", validDays: 30 },
    ],
  });

  it("leaves end dates to apply in a preview of the first deployment", async () => {
    const { resources } = await evaluateStack({
      stack: "tenantA",
      config: rawConfig(rotating),
      preview: true,
    });

    expect(
      resources
        .filter((resource) => resource.parent === "application")
        .map(({ type, name, inputs, dependsOn }) => ({ type, name, inputs, dependsOn })),
    ).toEqual([
      {
        type: "azuread:index/application:Application",
        name: "application",
        inputs: { displayName: "contoso-chat-server", signInAudience: "AzureADMultipleOrgs" },
        dependsOn: [],
      },
      {
        type: staticType,
        name: "application-primary-rotation",
        inputs: { triggers: { overlapDays: "14", rotateEveryDays: "90" } },
        dependsOn: [],
      },
      {
        type: passwordType,
        name: "application-primary@a",
        inputs: { applicationId: unknownMarker, displayName: "primary@a", endDate: unknownMarker },
        dependsOn: ["application", "application-primary-rotation"],
      },
      {
        type: passwordType,
        name: "application-primary@b",
        inputs: { applicationId: unknownMarker, displayName: "primary@b", endDate: unknownMarker },
        dependsOn: ["application", "application-primary-rotation"],
      },
      {
        type: "time:index/offset:Offset",
        name: "application-fixed-end",
        inputs: { offsetDays: 30, triggers: { validDays: "30" } },
        dependsOn: [],
      },
      {
        type: passwordType,
        name: "application-fixed",
        inputs: { applicationId: unknownMarker, displayName: "fixed", endDate: unknownMarker },
        dependsOn: ["application", "application-fixed-end"],
      },
    ]);
  });

  it("reads the system clock against the recorded start, in the middle of period 1", async () => {
    const today = Math.floor(Date.now() / dayMs);
    // Started 135 days ago at noon: day 135 of a 90-day calendar, far from either boundary.
    const startDay = today - 135;
    const recorded = new Date(startDay * dayMs + dayMs / 2).toISOString();

    const { resources } = await evaluateStack({
      stack: "tenantA",
      config: rawConfig(rotating),
      preview: false,
      fakeOutputs: outputsAt(recorded),
    });

    const ends = Object.fromEntries(
      resources
        .filter((resource) => resource.type === passwordType)
        .map((resource) => [resource.name, resource.inputs.endDate]),
    );
    const midnight = (day: number) => new Date(day * dayMs).toISOString().replace(".000Z", "Z");
    expect(ends).toEqual({
      "application-primary@a": midnight(startDay + 90 + 14 + 1),
      "application-primary@b": midnight(startDay + 180 + 14 + 1),
      "application-fixed": "2027-06-01T00:00:00Z",
    });
  });
});
