/**
 * The guardrail rules: for each, a stack that passes and one that fails, through `checkPlan` (what
 * the offline plan calls) and through the pack's policies called the way the policy SDK calls them;
 * then policy config, and `checkPlan` on stacks evaluated by the real program.
 */
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import * as policySdk from "@pulumi/policy";
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  StackValidationArgs,
} from "@pulumi/policy";
import { unknownValue as engineUnknown } from "@pulumi/pulumi/runtime/rpc.js";
import {
  checkPlan,
  GuardrailConfigError,
  guardrailRules,
  type GuardedResource,
  type Violation,
} from "../../lib/guardrails.ts";
import { secretMarker, unknownMarker as unknownValue } from "../../lib/markers.ts";
import { parseProjectFile, parseStackFile } from "../../lib/stackFiles.ts";
import { configSchema, policyFor } from "../../policy/rules-adapter.ts";
import { evaluateStack } from "../../tools/evaluate.ts";
import { certificatePem } from "../support/certificates.ts";
import { rawConfig, subscription as subscriptionId, tenantAValues } from "../support/config.ts";

const now = new Date("2026-01-01T00:00:00Z");
const subscription = `/subscriptions/${subscriptionId}`;
const resourceGroup = `${subscription}/resourceGroups/chat`;
const signalr = `${resourceGroup}/providers/Microsoft.SignalRService/SignalR/chat-weu`;
const managementGroup = "/providers/Microsoft.Management/managementGroups/contoso";

const roles = {
  appServer: "420fcaa2-552c-430f-98ca-3264be4806c7",
  serviceOwner: "7e4f1700-ea5a-4f59-8f37-079cfe29dce3",
  restApiOwner: "fd53cd77-2268-407a-8f46-7e7863d0f521",
  restApiReader: "ddde6b66-c0df-4114-a159-3618637b3035",
  contributor: "8cf5e20a-e4b2-4e9d-b3a1-5ceb692c2761",
  other: "99999999-9999-9999-9999-999999999999",
};

const types = {
  assignment: "azure-native:authorization:RoleAssignment",
  application: "azuread:index/application:Application",
  password: "azuread:index/applicationPassword:ApplicationPassword",
  certificate: "azuread:index/applicationCertificate:ApplicationCertificate",
  federated:
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
  offset: "time:index/offset:Offset",
  azuread: "pulumi:providers:azuread",
};

function assignment(name: string, role: string, scope: string, inputs = {}): GuardedResource {
  return {
    type: types.assignment,
    name,
    inputs: {
      principalId: unknownValue,
      principalType: "ServicePrincipal",
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${role}`,
      scope,
      ...inputs,
    },
  };
}

function provider(environment: string): GuardedResource {
  return { type: types.azuread, name: "tenant-a", inputs: { environment } };
}

function application(signInAudience?: string, environment = "public"): GuardedResource[] {
  return [
    provider(environment),
    {
      type: types.application,
      name: "application",
      inputs: { displayName: "contoso-chat-server", signInAudience },
      options: { provider: "tenant-a" },
    },
  ];
}

function password(inputs: Record<string, unknown>, offset?: Record<string, unknown>) {
  const offsets: GuardedResource[] = offset
    ? [{ type: types.offset, name: "application-primary-end", inputs: offset }]
    : [];
  return [
    ...offsets,
    {
      type: types.password,
      name: "application-primary",
      inputs: { applicationId: unknownValue, displayName: "primary", ...inputs },
      dependsOn: ["application", ...offsets.map((resource) => resource.name)],
      options: { provider: "tenant-a" },
    },
  ];
}

function certificate(value: string, inputs = {}): GuardedResource {
  return {
    type: types.certificate,
    name: "application-signing",
    inputs: { applicationId: unknownValue, type: "AsymmetricX509Cert", value, ...inputs },
  };
}

function federated(name: string, inputs = {}): GuardedResource {
  return {
    type: types.federated,
    name,
    inputs: {
      applicationId: unknownValue,
      audiences: ["api://AzureADTokenExchange"],
      displayName: name,
      issuer: "https://token.actions.githubusercontent.com",
      subject: `repo:contoso/chat:environment:${name}`,
      ...inputs,
    },
    dependsOn: ["application"],
    options: { provider: "tenant-a" },
  };
}

function federatedStack(count: number, environment = "public"): GuardedResource[] {
  const credentials = Array.from({ length: count }, (_, index) => federated(`env-${index + 1}`));
  return [...application("AzureADMultipleOrgs", environment), ...credentials];
}

function violation(
  rule: string,
  resource: GuardedResource,
  message: string,
  fix: string,
  level: Violation["level"] = "mandatory",
): Violation {
  return { rule, level, resource: resource.name, type: resource.type, message, fix };
}

const ownerFix =
  "Assign SignalR App Server if the app server only connects, or assign at a resource group or a " +
  "single SignalR resource; if this scope is intended, add it to allowBroadOwnerScopes.";
const managementGroupFix =
  "Assign at the subscription or below when the app server needs access soon; keep this scope " +
  "only if hours of delay are acceptable.";
const secretFix =
  "Give the secret at most 180 days (validDays in this project's stack config; elsewhere its " +
  "endDate or the offset of its time Offset) and rotate it before it ends, or use a federated " +
  "credential, which has no secret to leak.";
const certificateFix =
  "Issue a certificate valid for at most 365 days, or set endDate to end the credential sooner, " +
  "and rotate it before then.";
const audienceFix = 'Set signInAudience: "AzureADMultipleOrgs".';

interface Case {
  readonly rule: string;
  readonly title: string;
  readonly passing: readonly GuardedResource[];
  readonly failing: readonly GuardedResource[];
  readonly expected: (failing: readonly GuardedResource[]) => Violation[];
}

const last = (resources: readonly GuardedResource[]) => resources[resources.length - 1];

/** Certificates made before the tests run; the case table reads them only inside tests. */
const pems = { valid: "", validBase64: "", long: "", expired: "" };

beforeAll(async () => {
  const at = (days: number) => new Date(now.getTime() + days * 86_400_000);
  pems.valid = (await certificatePem(at(-1), at(200))).cert;
  pems.validBase64 = Buffer.from(new X509Certificate(pems.valid).raw).toString("base64");
  pems.long = (await certificatePem(at(-1), at(400))).cert;
  pems.expired = (await certificatePem(at(-100), at(-2))).cert;
});

const expiry = (pem: string) => new Date(new X509Certificate(pem).validTo).toISOString();

const cases = (): Case[] => [
  {
    rule: "signalr-roles-only",
    title: "a control-plane role",
    passing: [assignment("app-server", roles.appServer, signalr)],
    failing: [assignment("contributor", roles.contributor, signalr)],
    expected: ([resource]) => [
      violation(
        "signalr-roles-only",
        resource,
        `assigns role /providers/Microsoft.Authorization/roleDefinitions/${roles.contributor} ` +
          "(SignalR/Web PubSub Contributor, a control-plane role without data actions that " +
          "cannot connect an app server).",
        "Assign the SignalR data-plane role the app server needs (SignalR App Server, SignalR " +
          "Service Owner, SignalR REST API Owner, SignalR REST API Reader); if this program must " +
          `grant ${roles.contributor}, list it in additionalRoleIds.`,
      ),
    ],
  },
  {
    rule: "signalr-roles-only",
    title: "a role of another service",
    passing: [assignment("reader", roles.restApiReader, resourceGroup)],
    failing: [assignment("other", roles.other, signalr)],
    expected: ([resource]) => [
      violation(
        "signalr-roles-only",
        resource,
        `assigns role /providers/Microsoft.Authorization/roleDefinitions/${roles.other} ` +
          "(not a SignalR data-plane role).",
        "Assign the SignalR data-plane role the app server needs (SignalR App Server, SignalR " +
          "Service Owner, SignalR REST API Owner, SignalR REST API Reader); if this program must " +
          `grant ${roles.other}, list it in additionalRoleIds.`,
      ),
    ],
  },
  {
    rule: "broad-owner-scope",
    title: "Service Owner on a subscription",
    passing: [assignment("owner", roles.serviceOwner, resourceGroup)],
    failing: [assignment("owner", roles.serviceOwner, subscription)],
    expected: ([resource]) => [
      violation(
        "broad-owner-scope",
        resource,
        `assigns SignalR Service Owner at subscription scope ${subscription}: it grants every ` +
          "SignalR data action on every SignalR resource below it.",
        ownerFix,
      ),
    ],
  },
  {
    rule: "broad-owner-scope",
    title: "REST API Owner on a management group",
    passing: [assignment("rest-owner", roles.restApiOwner, signalr)],
    failing: [assignment("rest-owner", roles.restApiOwner, managementGroup)],
    expected: ([resource]) => [
      violation(
        "broad-owner-scope",
        resource,
        `assigns SignalR REST API Owner at management group scope ${managementGroup}: it grants ` +
          "client tokens and control of hubs, groups, users and client connections on every " +
          "SignalR resource below it.",
        ownerFix,
      ),
      violation(
        "management-group-data-plane",
        resource,
        `assigns SignalR REST API Owner at management group scope ${managementGroup}: data-plane ` +
          "roles at management-group scope can take hours to apply.",
        managementGroupFix,
        "advisory",
      ),
    ],
  },
  {
    rule: "management-group-data-plane",
    title: "App Server on a management group",
    passing: [assignment("app-server", roles.appServer, subscription)],
    failing: [assignment("app-server", roles.appServer, managementGroup)],
    expected: ([resource]) => [
      violation(
        "management-group-data-plane",
        resource,
        `assigns SignalR App Server at management group scope ${managementGroup}: data-plane ` +
          "roles at management-group scope can take hours to apply.",
        managementGroupFix,
        "advisory",
      ),
    ],
  },
  {
    rule: "principal-type-service-principal",
    title: "no principalType",
    passing: [assignment("app-server", roles.appServer, signalr)],
    failing: [assignment("app-server", roles.appServer, signalr, { principalType: undefined })],
    expected: ([resource]) => [
      violation(
        "principal-type-service-principal",
        resource,
        "has no principalType, so ARM assumes User; an enterprise application created moments " +
          "earlier then fails with PrincipalNotFound or UnmatchedPrincipalType.",
        'Set principalType: "ServicePrincipal".',
      ),
    ],
  },
  {
    rule: "principal-type-service-principal",
    title: "principalType User",
    passing: [assignment("app-server", roles.appServer, signalr)],
    failing: [assignment("app-server", roles.appServer, signalr, { principalType: "User" })],
    expected: ([resource]) => [
      violation(
        "principal-type-service-principal",
        resource,
        'has principalType "User"; an enterprise application created moments earlier then ' +
          "fails with PrincipalNotFound or UnmatchedPrincipalType.",
        'Set principalType: "ServicePrincipal".',
      ),
    ],
  },
  {
    rule: "multitenant-audience",
    title: "the provider's single-tenant default",
    passing: application("AzureADMultipleOrgs"),
    failing: application(undefined),
    expected: (failing) => [
      violation(
        "multitenant-audience",
        last(failing),
        "signInAudience is AzureADMyOrg (the provider's default): only its home tenant can use " +
          "it, so tenant B cannot provision it.",
        audienceFix,
      ),
    ],
  },
  {
    rule: "multitenant-audience",
    title: "personal accounts in the china cloud",
    passing: application("AzureADandPersonalMicrosoftAccount", "public"),
    failing: application("AzureADandPersonalMicrosoftAccount", "china"),
    expected: (failing) => [
      violation(
        "multitenant-audience",
        last(failing),
        "signInAudience is AzureADandPersonalMicrosoftAccount: personal Microsoft accounts are " +
          "not supported in the china cloud.",
        audienceFix,
      ),
    ],
  },
  {
    rule: "client-secret-lifetime",
    title: "an explicit endDate half a day past the limit",
    passing: password({ endDate: "2026-06-30T00:00:00Z" }),
    failing: password({ endDate: "2026-06-30T12:00:00Z" }),
    expected: (failing) => [
      violation(
        "client-secret-lifetime",
        last(failing),
        "ends 2026-06-30T12:00:00.000Z, 181 days from now; client secrets may live at most 180 " +
          "days (maxSecretDays).",
        secretFix,
      ),
    ],
  },
  {
    rule: "client-secret-lifetime",
    title: "a time Offset of two years",
    passing: password({ endDate: unknownValue }, { offsetDays: 180 }),
    failing: password({ endDate: unknownValue }, { offsetDays: 730 }),
    expected: (failing) => [
      violation(
        "client-secret-lifetime",
        last(failing),
        "ends 2028-01-01T00:00:00.000Z, 730 days from now (time Offset application-primary-end: " +
          "offsetDays 730); client secrets may live at most 180 days (maxSecretDays).",
        secretFix,
      ),
    ],
  },
  {
    rule: "client-secret-lifetime",
    title: "an endDateRelative of a year, and no end date at all",
    passing: password({ endDateRelative: "4320h" }),
    failing: [
      ...password({ endDateRelative: "8760h" }),
      { ...password({})[0], name: "application-backup" },
    ],
    expected: (failing) => [
      violation(
        "client-secret-lifetime",
        failing[0],
        "ends 2027-01-01T00:00:00.000Z, 365 days from now (endDateRelative 8760h); client " +
          "secrets may live at most 180 days (maxSecretDays).",
        secretFix,
      ),
      violation(
        "client-secret-lifetime",
        failing[1],
        "has no endDate, so Entra chooses how long it " +
          "lives and maxSecretDays (180) cannot hold it.",
        secretFix,
      ),
    ],
  },
  {
    rule: "certificate-lifetime",
    title: "a certificate valid for 400 days",
    passing: [certificate(pems.valid)],
    failing: [certificate(pems.long)],
    expected: ([resource]) => [
      violation(
        "certificate-lifetime",
        resource,
        `ends ${expiry(pems.long)}, 400 days from now ` +
          "(the certificate's expiry); certificate credentials may stay valid at most 365 days " +
          "(maxCertificateDays).",
        certificateFix,
      ),
    ],
  },
  {
    rule: "certificate-lifetime",
    title: "an expired certificate, and an explicit endDate beyond the limit",
    passing: [certificate(pems.long, { endDate: "2026-12-01T00:00:00Z" })],
    failing: [
      certificate(pems.expired),
      { ...certificate(pems.valid, { endDate: "2027-02-01T00:00:00Z" }), name: "application-ca" },
    ],
    expected: ([expired, late]) => [
      violation(
        "certificate-lifetime",
        expired,
        `expired on ${expiry(pems.expired)} (the ` +
          "certificate's expiry); the app server cannot sign in with it.",
        "Issue a new certificate and give its public PEM.",
      ),
      violation(
        "certificate-lifetime",
        late,
        "ends 2027-02-01T00:00:00.000Z, 396 days from now; certificate credentials may stay " +
          "valid at most 365 days (maxCertificateDays).",
        certificateFix,
      ),
    ],
  },
  {
    rule: "certificate-lifetime",
    title: "a value that is no certificate",
    passing: [certificate(pems.validBase64, { encoding: "base64" })],
    failing: [certificate("not a certificate")],
    expected: ([resource]) => [
      violation(
        "certificate-lifetime",
        resource,
        "value cannot be read as an X.509 certificate (encoding pem), so its end date cannot be " +
          "checked.",
        "Give the public certificate in the format encoding names: pem, base64 or hex (DER).",
      ),
    ],
  },
  {
    rule: "federated-credential-https-issuer",
    title: "an http issuer",
    passing: [federated("prod")],
    failing: [federated("prod", { issuer: "http://token.actions.githubusercontent.com" })],
    expected: ([resource]) => [
      violation(
        "federated-credential-https-issuer",
        resource,
        "issuer http://token.actions.githubusercontent.com is not an https:// URL; Entra trusts " +
          "only https issuers.",
        "Use the issuer's https:// address, exactly as the iss claim of its tokens carries it.",
      ),
    ],
  },
  {
    rule: "federated-credential-audience",
    title: "the public audience on an application in the china cloud",
    passing: [
      provider("china"),
      federated("prod", { audiences: ["api://AzureADTokenExchangeChina"] }),
    ],
    failing: [provider("china"), federated("prod")],
    expected: (failing) => [
      violation(
        "federated-credential-audience",
        last(failing),
        "audience api://AzureADTokenExchange is the public cloud's token-exchange audience; in " +
          "the china cloud it must be api://AzureADTokenExchangeChina. Entra accepts the " +
          "credential, and every token exchange fails.",
        'Set audiences to ["api://AzureADTokenExchangeChina"].',
      ),
    ],
  },
  {
    rule: "federated-credential-audience",
    title: "an audience of no cloud",
    passing: [
      provider("usgovernmentl4"),
      federated("prod", { audiences: ["api://AzureADTokenExchangeUSGov"] }),
    ],
    failing: [provider("global"), federated("prod", { audiences: ["api://chat-server"] })],
    expected: (failing) => [
      violation(
        "federated-credential-audience",
        last(failing),
        "audience api://chat-server is no cloud's token-exchange audience; in the public cloud " +
          "it must be api://AzureADTokenExchange. Entra accepts the credential, and every token " +
          "exchange fails.",
        'Set audiences to ["api://AzureADTokenExchange"].',
      ),
    ],
  },
  {
    rule: "federated-credential-limit",
    title: "21 credentials on one application",
    passing: federatedStack(20),
    failing: federatedStack(21),
    expected: (failing) => [
      violation(
        "federated-credential-limit",
        failing[1],
        "has 21 federated identity credentials; an application takes at most 20.",
        "Remove 1 of them, or register a second application for the rest.",
      ),
    ],
  },
];

describe("the rules", () => {
  it("have these ids, levels and options", () => {
    expect(
      guardrailRules.map((rule) => [rule.id, rule.enforcementLevel, rule.options.join(" ")]),
    ).toEqual([
      ["signalr-roles-only", "mandatory", "additionalRoleIds"],
      ["broad-owner-scope", "mandatory", "allowBroadOwnerScopes"],
      ["management-group-data-plane", "advisory", ""],
      ["principal-type-service-principal", "mandatory", ""],
      ["multitenant-audience", "mandatory", "cloud"],
      ["client-secret-lifetime", "mandatory", "maxSecretDays"],
      ["certificate-lifetime", "mandatory", "maxCertificateDays"],
      ["federated-credential-https-issuer", "mandatory", ""],
      ["federated-credential-audience", "mandatory", "cloud"],
      ["federated-credential-limit", "mandatory", ""],
    ]);
  });
});

describe.each(cases().map((testCase, index) => [`${testCase.rule}: ${testCase.title}`, index]))(
  "%s",
  (_, index) => {
    const testCase = () => cases()[index];

    it("passes through checkPlan", () => {
      expect(checkPlan(testCase().passing, { now })).toEqual([]);
    });

    it("fails through checkPlan with the exact violations", () => {
      const { failing, expected } = testCase();
      expect(checkPlan(failing, { now })).toEqual(expected(failing));
    });

    it("passes as a policy called the way the SDK calls it", () => {
      expect(runPolicies(testCase().passing)).toEqual([]);
    });

    it("reports the same violations as a policy called the way the SDK calls it", () => {
      const { failing, expected } = testCase();
      expect(runPolicies(failing)).toEqual(
        expected(failing).map((v) => ({
          policy: v.rule,
          resource: v.resource,
          message: `${v.message}\nFix: ${v.fix}`,
        })),
      );
    });
  },
);

describe("policy config", () => {
  const owner = assignment("owner", roles.serviceOwner, subscription);
  const ownerViolation = (level: Violation["level"]) =>
    violation(
      "broad-owner-scope",
      owner,
      `assigns SignalR Service Owner at subscription scope ${subscription}: it grants every ` +
        "SignalR data action on every SignalR resource below it.",
      ownerFix,
      level,
    );

  it("changes a rule's level, or every rule's with all", () => {
    expect(checkPlan([owner], { now, config: { "broad-owner-scope": "advisory" } })).toEqual([
      ownerViolation("advisory"),
    ]);
    expect(checkPlan([owner], { now, config: { all: "advisory" } })).toEqual([
      ownerViolation("advisory"),
    ]);
    expect(
      checkPlan([owner], {
        now,
        config: { all: "disabled", "broad-owner-scope": { enforcementLevel: "mandatory" } },
      }),
    ).toEqual([ownerViolation("mandatory")]);
  });

  it("turns a rule off with disabled", () => {
    expect(checkPlan([owner], { now, config: { "broad-owner-scope": "disabled" } })).toEqual([]);
  });

  it("allows an owner role at a listed scope, whatever its casing", () => {
    const config = {
      "broad-owner-scope": { allowBroadOwnerScopes: [subscription.toUpperCase()] },
    };

    expect(checkPlan([owner], { now, config })).toEqual([]);
    expect(runPolicies([owner], config)).toEqual([]);
  });

  it("accepts other roles listed in additionalRoleIds", () => {
    const contributor = assignment("contributor", roles.contributor, signalr);
    const config = { "signalr-roles-only": { additionalRoleIds: [roles.contributor] } };

    expect(checkPlan([contributor], { now, config })).toEqual([]);
    expect(runPolicies([contributor], config)).toEqual([]);
  });

  it("measures secrets and certificates against the configured days", () => {
    const stack = [
      ...password({ endDate: unknownValue }, { offsetDays: 730 }),
      certificate(pems.long),
    ];
    const config = {
      "client-secret-lifetime": { maxSecretDays: 730 },
      "certificate-lifetime": { maxCertificateDays: 400 },
    };

    expect(checkPlan(stack, { now, config })).toEqual([]);
    expect(runPolicies(stack, config)).toEqual([]);
  });

  it("takes the cloud from the option when the resource's provider names none", () => {
    const stack = [federated("prod")];
    const expected = violation(
      "federated-credential-audience",
      stack[0],
      "audience api://AzureADTokenExchange is the public cloud's token-exchange audience; in " +
        "the usgovernment cloud it must be api://AzureADTokenExchangeUSGov. Entra accepts the " +
        "credential, and every token exchange fails.",
      'Set audiences to ["api://AzureADTokenExchangeUSGov"].',
    );

    expect(checkPlan(stack, { now, cloud: "usgovernment" })).toEqual([expected]);
    expect(
      checkPlan(stack, {
        now,
        config: { "federated-credential-audience": { cloud: "usgovernment" } },
      }),
    ).toEqual([expected]);
    expect(
      runPolicies(stack, { "federated-credential-audience": { cloud: "usgovernment" } }),
    ).toEqual([
      {
        policy: expected.rule,
        resource: expected.resource,
        message: `${expected.message}\nFix: ${expected.fix}`,
      },
    ]);
  });

  it("rejects what it cannot use, naming the key, the value and what is allowed", () => {
    const config = {
      "broad-owner-scopes": "mandatory",
      all: "warn",
      "client-secret-lifetime": { maxSecretDays: "90", enforcementLevel: "remediate" },
      "principal-type-service-principal": { maxSecretDays: 90 },
      "federated-credential-audience": { cloud: "azurechinacloud" },
    };

    expect(() => checkPlan([], { now, config })).toThrow(
      new GuardrailConfigError([
        '"broad-owner-scopes": not a rule of this pack. Rules: signalr-roles-only, ' +
          "broad-owner-scope, management-group-data-plane, principal-type-service-principal, " +
          "multitenant-audience, client-secret-lifetime, certificate-lifetime, " +
          "federated-credential-https-issuer, federated-credential-audience, " +
          'federated-credential-limit; "all" sets every rule\'s level.',
        '"all": got "warn"; allowed: mandatory, advisory, disabled.',
        '"principal-type-service-principal".maxSecretDays: not an option of this rule (it has ' +
          "none); remove it.",
        '"client-secret-lifetime".enforcementLevel: got "remediate"; allowed: mandatory, ' +
          "advisory, disabled.",
        '"client-secret-lifetime".maxSecretDays: got "90"; must be a whole number of days, 1 or ' +
          "more.",
        '"federated-credential-audience".cloud: got "azurechinacloud"; must be one of public, ' +
          "china, usgovernment.",
      ]),
    );
  });

  it("describes each rule's options to the pack, with their defaults", () => {
    const schemas = Object.fromEntries(
      guardrailRules.map((rule) => [rule.id, configSchema(rule).properties]),
    );

    expect(schemas["client-secret-lifetime"]).toEqual({
      maxSecretDays: {
        type: "integer",
        minimum: 1,
        default: 180,
        description: "Longest a client secret may stay valid, in days from now.",
      },
    });
    expect(schemas["broad-owner-scope"]).toEqual({
      allowBroadOwnerScopes: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          "ARM ids of subscriptions or management groups where SignalR Service Owner and " +
          "SignalR REST API Owner may be assigned.",
      },
    });
    expect(schemas["multitenant-audience"]).toEqual({
      cloud: {
        type: "string",
        enum: ["public", "china", "usgovernment"],
        default: "public",
        description:
          "Cloud of resources whose azuread provider names no environment: public, china or " +
          "usgovernment.",
      },
    });
    expect(schemas["federated-credential-limit"]).toEqual({});
  });
});

describe("the policies of the pack", () => {
  it("judge a secret's time Offset only at the end of the stack, where the SDK shows it", () => {
    const stack = password({ endDate: unknownValue }, { offsetDays: 730 });
    const policy = policyFor(
      guardrailRules.find((rule) => rule.id === "client-secret-lifetime")!,
      () => now,
    );
    const atResource: string[] = [];
    const atStack: string[] = [];

    for (const resource of stack) {
      for (const validate of "validateResource" in policy ? [policy.validateResource].flat() : []) {
        validate?.(resourceArgs(resource, stack, {}), (message) => atResource.push(message));
      }
    }
    if ("validateStack" in policy) {
      policy.validateStack(stackArgs(stack, {}), (_message, at) => atStack.push(`${at}`));
    }

    expect(atResource).toEqual([]);
    expect(atStack).toEqual([urn(last(stack))]);
  });

  it("leave a role assignment alone while its role is unknown", () => {
    const stack = [
      assignment("pending", roles.appServer, signalr, { roleDefinitionId: unknownValue }),
    ];

    expect(runPolicies(stack)).toEqual([]);
    expect(checkPlan(stack, { now })).toEqual([]);
  });
});

describe("checkPlan on evaluated stacks", () => {
  it("fails the Service Owner and warns about the App Server of the over-privileged stack", async () => {
    const project = parseProjectFile(readFileSync("Pulumi.yaml", "utf8"), "Pulumi.yaml");
    const path = join("test", "fixtures", "guardrails", "Pulumi.overprivileged.yaml");
    const file = parseStackFile("overprivileged", readFileSync(path, "utf8"), path, project);

    const { resources } = await evaluateStack({
      stack: file.stack,
      config: file.config,
      secretKeys: file.secretKeys,
      preview: true,
    });

    expect(checkPlan(resources, { now })).toEqual([
      {
        rule: "broad-owner-scope",
        level: "mandatory",
        resource: "enterprise-application-signalr-service-owner-0f9c1cd9",
        type: "azure-native:authorization:RoleAssignment",
        message:
          "assigns SignalR Service Owner at subscription scope " +
          "/subscriptions/55555555-5555-5555-5555-555555555555: it grants every SignalR data " +
          "action on every SignalR resource below it.",
        fix: ownerFix,
      },
      {
        rule: "management-group-data-plane",
        level: "advisory",
        resource: "enterprise-application-signalr-app-server-d7270075",
        type: "azure-native:authorization:RoleAssignment",
        message:
          "assigns SignalR App Server at management group scope " +
          "/providers/Microsoft.Management/managementGroups/contoso: data-plane roles at " +
          "management-group scope can take hours to apply.",
        fix: managementGroupFix,
      },
    ]);
  });

  it("follows a tenant-A secret to the time Offset its end date comes from", async () => {
    const { resources } = await evaluateStack({
      stack: "tenantA",
      config: rawConfig(
        tenantAValues({ credentials: [{ kind: "secret", name: "primary", validDays: 365 }] }),
      ),
      preview: true,
    });

    expect(checkPlan(resources, { now })).toEqual([
      {
        rule: "client-secret-lifetime",
        level: "mandatory",
        resource: "application-primary",
        type: types.password,
        message:
          "ends 2027-01-01T00:00:00.000Z, 365 days from now (time Offset " +
          "application-primary-end: offsetDays 365); client secrets may live at most 180 days " +
          "(maxSecretDays).",
        fix: secretFix,
      },
    ]);
  });

  it("judges a certificate offline by the end date read from its PEM", async () => {
    // The program checks the certificate against the real clock, so this one is valid from today.
    const today = Date.now();
    const { cert } = await certificatePem(
      new Date(today - 86_400_000),
      new Date(today + 400 * 86_400_000),
    );
    const { resources } = await evaluateStack({
      stack: "tenantA",
      config: rawConfig(
        tenantAValues({
          credentials: [{ kind: "certificate", name: "signing", certificate: cert }],
        }),
      ),
      preview: true,
    });
    const [signing] = resources.filter((resource) => resource.type === types.certificate);

    expect(signing.inputs.value).toBe(secretMarker);
    expect(checkPlan(resources).map(({ rule, resource }) => [rule, resource])).toEqual([
      ["certificate-lifetime", "application-signing"],
    ]);
  });

  it("passes a tenant-A stack of the default secret and federated credentials", async () => {
    const { resources } = await evaluateStack({
      stack: "tenantA",
      config: rawConfig(tenantAValues()),
      preview: true,
    });

    expect(checkPlan(resources, { now })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Calling the policies as the policy SDK does

/** The SDK's props proxy, which throws when a policy reads a value known only after apply. */
const unknownCheckingProxy = (policySdk as unknown as { unknownCheckingProxy: <T>(props: T) => T })
  .unknownCheckingProxy;

/** Inputs as the engine sends them: unknowns as the engine's placeholder, secrets revealed. */
function engineProps(value: unknown): unknown {
  if (value === unknownValue) return engineUnknown;
  if (Array.isArray(value)) return value.map(engineProps);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, inner]) => inner !== undefined)
        .map(([key, inner]) => [key, engineProps(inner)]),
    );
  }
  return value;
}

const urn = (resource: GuardedResource) =>
  `urn:pulumi:test::signalr-cross-tenant::${resource.type}::${resource.name}`;

const options: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function providerOf(resource: GuardedResource, stack: readonly GuardedResource[]) {
  const found = stack.find(
    (other) => other.name === resource.options?.provider && other.type.startsWith("pulumi:"),
  );
  return (
    found && {
      type: found.type,
      name: found.name,
      urn: urn(found),
      props: unknownCheckingProxy(engineProps(found.inputs) as Record<string, unknown>),
    }
  );
}

function resourceArgs(
  resource: GuardedResource,
  stack: readonly GuardedResource[],
  config: Record<string, unknown>,
): ResourceValidationArgs {
  const props = unknownCheckingProxy(engineProps(resource.inputs) as Record<string, unknown>);
  return {
    type: resource.type,
    name: resource.name,
    urn: urn(resource),
    props,
    opts: options,
    provider: providerOf(resource, stack),
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
}

/** The stack as `validateStack` sees it: sources of an input listed under that input. */
function stackArgs(
  stack: readonly GuardedResource[],
  config: Record<string, unknown>,
): StackValidationArgs {
  const resources = new Map<GuardedResource, PolicyResource>();
  for (const resource of stack) {
    resources.set(resource, {
      type: resource.type,
      name: resource.name,
      urn: urn(resource),
      props: unknownCheckingProxy(engineProps(resource.inputs) as Record<string, unknown>),
      opts: options,
      provider: providerOf(resource, stack),
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    });
  }
  for (const [resource, policyResource] of resources) {
    for (const name of resource.dependsOn ?? []) {
      const source = stack.find((other) => other.name === name && other !== resource);
      if (!source) continue;
      const input = source.type === types.offset ? "endDate" : "applicationId";
      const sourceResource = resources.get(source)!;
      policyResource.dependencies.push(sourceResource);
      policyResource.propertyDependencies[input] = [
        ...(policyResource.propertyDependencies[input] ?? []),
        sourceResource,
      ];
    }
  }
  return {
    resources: [...resources.values()],
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
}

/** Runs every policy of the pack over a stack, resource validations first, as a preview does. */
function runPolicies(
  stack: readonly GuardedResource[],
  config: Record<string, Record<string, unknown>> = {},
) {
  const reported: { policy: string; resource: string; message: string }[] = [];
  const policies = guardrailRules.map((rule) => policyFor(rule, () => now));
  for (const resource of stack) {
    for (const policy of policies) {
      if (!("validateResource" in policy) || !policy.validateResource) continue;
      for (const validate of [policy.validateResource].flat()) {
        validate(resourceArgs(resource, stack, config[policy.name] ?? {}), (message) =>
          reported.push({ policy: policy.name, resource: resource.name, message }),
        );
      }
    }
  }
  for (const policy of policies) {
    if (!("validateStack" in policy)) continue;
    policy.validateStack(stackArgs(stack, config[policy.name] ?? {}), (message, at) =>
      reported.push({
        policy: policy.name,
        resource: stack.find((resource) => urn(resource) === at)?.name ?? `${at}`,
        message,
      }),
    );
  }
  // Order as checkPlan does: by resource, then by rule.
  const order = guardrailRules.map((rule) => rule.id);
  const position = (name: string) => stack.findIndex((resource) => resource.name === name);
  return reported.sort(
    (a, b) =>
      position(a.resource) - position(b.resource) ||
      order.indexOf(a.policy) - order.indexOf(b.policy),
  );
}
