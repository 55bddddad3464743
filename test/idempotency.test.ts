import { evaluateStack, type RegisteredResource } from "../tools/evaluate.ts";
import { certificatePem } from "./support/certificates.ts";
import {
  clientId,
  identityPrincipal,
  rawConfig,
  signalrScope,
  subscription,
  tenantAValues,
  tenantBValues,
} from "./support/config.ts";
import { fakeOutputs } from "./support/fakes.ts";

const dayMs = 86_400_000;

// Rotation began 135 days ago at noon: the middle of a 90-day calendar's period 1, so two runs of
// this file's tests fall in the same period even across midnight.
const rotationStarted = new Date((Math.floor(Date.now() / dayMs) - 135) * dayMs + dayMs / 2);

function outputs(type: string, name: string, inputs: Record<string, unknown>) {
  if (type === "time:index/static:Static") {
    return { rfc3339: rotationStarted.toISOString(), ...inputs };
  }
  return fakeOutputs(type, name, inputs);
}

/** Every resource by type and name: what `pulumi up` compares between two runs. */
function byResource(resources: readonly RegisteredResource[]): Map<string, RegisteredResource> {
  const map = new Map(
    resources.map((resource) => [`${resource.type}::${resource.name}`, resource]),
  );
  expect(map.size).toBe(resources.length);
  return map;
}

async function evaluate(values: Record<string, unknown>, preview: boolean) {
  return evaluateStack({
    stack: String(values.side),
    config: rawConfig(values),
    preview,
    fakeOutputs: outputs,
  });
}

// A fixed end date some 60 days out, the same in every run of this file's tests.
const fixedEnd = new Date((Math.floor(Date.now() / dayMs) + 60) * dayMs)
  .toISOString()
  .replace(".000Z", "Z");

let certificate: string;

beforeAll(async () => {
  certificate = (await certificatePem(new Date(), new Date(Date.now() + 200 * dayMs))).cert;
});

function credentials() {
  return [
    { kind: "secret", name: "rotating", rotateEveryDays: 90, overlapDays: 14 },
    { kind: "secret", name: "primary", validDays: 180 },
    { kind: "secret", name: "fixed-date", endDate: fixedEnd },
    { kind: "certificate", name: "server-cert", certificate },
    { kind: "managedIdentity", name: "chat-server-identity", principalId: identityPrincipal },
    {
      kind: "federated",
      name: "github-prod",
      issuer: "https://token.actions.githubusercontent.com",
      subject: "repo:contoso/chat:environment:prod",
    },
  ];
}

const assignments = [
  { role: "SignalR App Server", scope: signalrScope },
  { role: "SignalR REST API Reader", scope: `/subscriptions/${subscription}/resourceGroups/chat` },
  { role: "SignalR Service Owner", scope: signalrScope },
  {
    role: "SignalR REST API Owner",
    scope: "/providers/Microsoft.Management/managementGroups/monitoring",
  },
];

describe.each([
  ["a preview", true],
  ["an update", false],
])("re-running %s", (_mode, preview) => {
  it("registers the same tenant A resources with the same inputs", async () => {
    const values = tenantAValues({ credentials: credentials() });

    const first = await evaluate(values, preview);
    const second = await evaluate(values, preview);

    expect(second.resources).toEqual(first.resources);
    expect(first.resources).toHaveLength(12);
  });

  it("registers the same tenant A resources with the credentials in another order", async () => {
    const listed = await evaluate(tenantAValues({ credentials: credentials() }), preview);
    const reordered = await evaluate(
      tenantAValues({ credentials: [...credentials()].reverse() }),
      preview,
    );

    expect(byResource(reordered.resources)).toEqual(byResource(listed.resources));
  });

  it("registers the same tenant B resources, also with the assignments reordered", async () => {
    const first = await evaluate(tenantBValues({ assignments }), preview);
    const second = await evaluate(tenantBValues({ assignments }), preview);
    const reordered = await evaluate(
      tenantBValues({
        assignments: [assignments[2], assignments[0], assignments[3], assignments[1]],
      }),
      preview,
    );

    expect(second.resources).toEqual(first.resources);
    expect(byResource(reordered.resources)).toEqual(byResource(first.resources));
    expect(first.resources).toHaveLength(8);
  });
});

describe("protection", () => {
  function protectOf(resources: readonly RegisteredResource[]) {
    return Object.fromEntries(
      resources
        .filter((resource) => resource.options.protect !== undefined)
        .map((resource) => [`${resource.type}::${resource.name}`, resource.options.protect]),
    );
  }

  it("protects the application and nothing else in tenant A by default", async () => {
    const { resources } = await evaluate(tenantAValues({ credentials: credentials() }), true);

    expect(protectOf(resources)).toEqual({
      "azuread:index/application:Application::application": true,
    });
  });

  it("protects the enterprise application and nothing else in tenant B by default", async () => {
    const { resources } = await evaluate(tenantBValues({ assignments }), true);

    expect(protectOf(resources)).toEqual({
      "azuread:index/servicePrincipal:ServicePrincipal::enterprise-application": true,
    });
  });

  it.each([
    ["tenant A", tenantAValues, "azuread:index/application:Application::application"],
    [
      "tenant B",
      tenantBValues,
      "azuread:index/servicePrincipal:ServicePrincipal::enterprise-application",
    ],
  ])("lifts the protection in %s when protect is false", async (_side, values, identity) => {
    const { resources } = await evaluate(values({ protect: false }), true);

    expect(protectOf(resources)).toEqual({ [identity]: false });
  });

  it("reads protect set with `pulumi config set` as the text false", async () => {
    const { resources } = await evaluateStack({
      stack: "tenantB",
      config: { ...rawConfig(tenantBValues()), "signalr-cross-tenant:protect": "false" },
      preview: true,
    });

    expect(protectOf(resources)).toEqual({
      "azuread:index/servicePrincipal:ServicePrincipal::enterprise-application": false,
    });
  });

  it("adopts an enterprise application that already exists", async () => {
    const { resources } = await evaluate(tenantBValues(), true);

    expect(
      resources.find((resource) => resource.type.endsWith("servicePrincipal:ServicePrincipal")),
    ).toEqual({
      type: "azuread:index/servicePrincipal:ServicePrincipal",
      name: "enterprise-application",
      parent: "enterprise-application",
      inputs: { clientId, useExisting: true },
      dependsOn: [],
      options: { protect: true, provider: "tenant-b" },
    });
  });
});
