import * as pulumi from "@pulumi/pulumi";
import { fakeOutputs } from "../support/fakes.ts";

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => pulumi.unsecret(output).apply(resolve));
}

function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(output);
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        id: `${args.name}-id`,
        state: { ...args.inputs, ...fakeOutputs(args.type, args.name, args.inputs) },
      }),
      call: (args) => {
        throw new Error(`unexpected call to ${args.token}`);
      },
    },
    "signalr-cross-tenant",
    "test",
    false,
  );
});

describe("CrossTenantApplication", () => {
  it("maps each client secret to its credential name, as a secret output", async () => {
    const { CrossTenantApplication } = await import("../../components/crossTenantApplication.ts");

    const application = new CrossTenantApplication("chat", {
      displayName: "chat",
      credentials: [
        { kind: "secret", name: "primary", validDays: 90 },
        { kind: "secret", name: "backup", endDate: "2027-03-01T00:00:00Z" },
      ],
    });

    expect(await isSecret(application.clientSecrets)).toBe(true);
    expect(await valueOf(application.clientSecrets)).toEqual({
      primary: "chat-primary-secret-value",
      backup: "chat-backup-secret-value",
    });
  });

  it("defaults to a multitenant audience", async () => {
    const { CrossTenantApplication } = await import("../../components/crossTenantApplication.ts");

    const application = new CrossTenantApplication("defaults", {
      displayName: "chat",
      credentials: [{ kind: "secret", name: "primary", validDays: 30 }],
    });

    expect(await valueOf(application.application.signInAudience)).toBe("AzureADMultipleOrgs");
    expect(await valueOf(application.clientId)).toBe("defaults-client-id");
  });
});
