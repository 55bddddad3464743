import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { formatIssues, namespace, parseStackConfig } from "../../lib/config.ts";
import { evaluateStack } from "../../tools/evaluate.ts";
import { certificatePem } from "../support/certificates.ts";

const dayMs = 86_400_000;
const now = new Date();

const clouds = ["public", "china", "usgovernment"] as const;
const exchangeAudience = {
  public: "api://AzureADTokenExchange",
  china: "api://AzureADTokenExchangeChina",
  usgovernment: "api://AzureADTokenExchangeUSGov",
} as const;

const roles = [
  { name: "SignalR App Server", id: "420fcaa2-552c-430f-98ca-3264be4806c7" },
  { name: "SignalR Service Owner", id: "7e4f1700-ea5a-4f59-8f37-079cfe29dce3" },
  { name: "SignalR REST API Owner", id: "fd53cd77-2268-407a-8f46-7e7863d0f521" },
  { name: "SignalR REST API Reader", id: "ddde6b66-c0df-4114-a159-3618637b3035" },
];

type Values = Record<string, unknown>;

/** A config that must fail, and the key (with its path) one of its problems must name. */
interface Broken {
  readonly values: Values;
  readonly key: string;
}

/** The raw map Pulumi hands the program: every value a string, YAML objects and lists as JSON. */
function toRaw(values: Values): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [
        `${namespace}:${key}`,
        typeof value === "string" ? value : JSON.stringify(value),
      ]),
  );
}

function parse(values: Values) {
  return parseStackConfig(toRaw(values), { now });
}

function rfc3339(moment: number): string {
  return new Date(moment).toISOString().replace(/\.\d{3}Z$/, "Z");
}

let validCertificate: string;
let expiredCertificate: string;
let certificateWithKey: string;

beforeAll(async () => {
  const valid = await certificatePem(
    new Date(now.getTime() - dayMs),
    new Date(now.getTime() + 300 * dayMs),
  );
  const expired = await certificatePem(
    new Date(now.getTime() - 300 * dayMs),
    new Date(now.getTime() - dayMs),
  );
  validCertificate = valid.cert;
  expiredCertificate = expired.cert;
  certificateWithKey = `${valid.cert}\n${valid.privateKey}`;
});

// ---------------------------------------------------------------------------------------------
// Valid configs

const guid = fc.uuid();
const cloud = fc.constantFrom(...clouds);
const credentialName = fc.stringMatching(/^[a-z0-9][a-z0-9-]{2,30}$/);
const issuerUrl = fc.constantFrom(
  "https://token.actions.githubusercontent.com",
  "https://oidc.prod-aks.azure.com/5c6e1f0a-0000-4000-8000-000000000000/",
  "https://accounts.google.com",
  "https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111/v2.0",
);

function secretCredential() {
  // A secret has a lifetime or a rotation schedule, never both.
  const lifetime = fc.oneof(
    fc.constant({}),
    fc.record({ validDays: fc.integer({ min: 1, max: 730 }) }),
    fc
      .integer({ min: 3, max: 727 })
      .map((days) => ({ endDate: rfc3339(now.getTime() + days * dayMs) })),
  );
  const rotation = fc.oneof(
    fc.integer({ min: 2, max: 364 }).chain((rotateEveryDays) =>
      fc.record({
        rotateEveryDays: fc.constant(rotateEveryDays),
        overlapDays: fc.integer({ min: 1, max: rotateEveryDays - 1 }),
      }),
    ),
    fc.record({ rotateEveryDays: fc.integer({ min: 2, max: 486 }) }),
  );
  return fc
    .tuple(credentialName, fc.oneof(lifetime, rotation))
    .map(([name, schedule]) => ({ kind: "secret", name, ...schedule }));
}

function federatedCredential(cloudName: (typeof clouds)[number]) {
  return fc.record(
    {
      kind: fc.constant("federated"),
      name: credentialName,
      issuer: issuerUrl,
      subject: fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
      audience: fc.constantFrom(exchangeAudience[cloudName], "api://custom-audience"),
    },
    { requiredKeys: ["kind", "name", "issuer", "subject"] },
  );
}

function managedIdentityCredential() {
  return fc.record(
    {
      kind: fc.constant("managedIdentity"),
      name: credentialName,
      principalId: guid,
      issuer: issuerUrl,
    },
    { requiredKeys: ["kind", "name", "principalId"] },
  );
}

function certificateCredential() {
  return credentialName.map((name) => ({
    kind: "certificate",
    name,
    certificate: validCertificate,
  }));
}

/** Entries an application takes once: credential names, and issuer-subject pairs. */
function distinctTrust(credentials: Values[]): Values[] {
  const seen = new Set<string>();
  return credentials.filter((credential) => {
    if (credential.kind !== "federated" && credential.kind !== "managedIdentity") return true;
    const subject = credential.kind === "federated" ? credential.subject : credential.principalId;
    const pair =
      `${String(credential.issuer ?? "managed identity")}|${String(subject)}`.toLowerCase();
    if (seen.has(pair)) return false;
    seen.add(pair);
    return true;
  });
}

/** Valid tenant A configs; `huge` adds lists of a thousand entries now and then. */
function validTenantA(huge = true): fc.Arbitrary<Values> {
  return cloud.chain((cloudName) => {
    const credential = fc.oneof(
      { weight: 3, arbitrary: secretCredential() },
      certificateCredential(),
      managedIdentityCredential(),
      federatedCredential(cloudName),
    );
    const short = fc
      .uniqueArray(credential, {
        minLength: 1,
        maxLength: 8,
        selector: (entry) => String(entry.name).toLowerCase(),
      })
      .map(distinctTrust);
    const thousand = Array.from({ length: 1000 }, (_, index) => ({
      kind: "secret",
      name: `s-${index}`,
    }));
    const credentials = huge
      ? fc.oneof({ weight: 19, arbitrary: short }, fc.constant(thousand))
      : short;
    const audiences =
      cloudName === "public"
        ? ["AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount"]
        : ["AzureADMultipleOrgs"];
    const application = fc.record(
      {
        displayName: fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }),
        signInAudience: fc.constantFrom(...audiences),
        owners: fc.oneof(
          { weight: 9, arbitrary: fc.array(guid, { maxLength: 3 }) },
          fc.array(guid, { minLength: 500, maxLength: 500 }),
        ),
      },
      { requiredKeys: ["displayName"] },
    );
    return fc.record(
      {
        side: fc.constant("tenantA"),
        tenantId: guid,
        cloud: fc.constant(cloudName),
        protect: fc.constantFrom("true", "false"),
        application,
        credentials,
      },
      { requiredKeys: ["side", "tenantId", "cloud", "application", "credentials"] },
    );
  });
}

const resourceGroup = fc.stringMatching(/^[A-Za-z0-9_().-]{0,20}[A-Za-z0-9_()-]$/);
const signalrName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9-]{1,20}[a-zA-Z0-9]$/);
const managementGroup = fc.stringMatching(/^[A-Za-z0-9_().-]{1,30}$/);

/** A supported scope, its fixed segments in any casing, with whether it names a subscription. */
const scope = fc.oneof(
  managementGroup.map((id) => ({
    text: `/providers/Microsoft.Management/managementGroups/${id}`,
    sub: false,
  })),
  guid.map((sub) => ({ text: `/subscriptions/${sub}`, sub: true })),
  fc.tuple(guid, resourceGroup).map(([sub, group]) => ({
    text: `/subscriptions/${sub}/resourceGroups/${group}`,
    sub: true,
  })),
  fc.tuple(guid, resourceGroup, signalrName, fc.boolean()).map(([sub, group, name, upper]) => ({
    text:
      `/${upper ? "SUBSCRIPTIONS" : "subscriptions"}/${sub}/resourcegroups/${group}` +
      `/providers/microsoft.signalrservice/signalr/${name}`,
    sub: true,
  })),
);

const roleText = fc
  .tuple(fc.constantFrom(...roles), fc.constantFrom("name", "lower", "upper", "padded", "guid"))
  .map(([role, form]) => {
    switch (form) {
      case "name":
        return role.name;
      case "lower":
        return role.name.toLowerCase();
      case "upper":
        return role.name.toUpperCase();
      case "padded":
        return ` ${role.name} `;
      case "guid":
        return role.id.toUpperCase();
    }
  });

function roleKey(text: string): string {
  const wanted = text.trim().toLowerCase();
  return roles.find((role) => role.name.toLowerCase() === wanted || role.id === wanted)!.id;
}

/** Valid tenant B configs; `huge` adds a list of a thousand assignments now and then. */
function validTenantB(huge = true): fc.Arbitrary<Values> {
  const assignment = fc.record({ role: roleText, scope });
  const short = fc.uniqueArray(assignment, {
    minLength: 1,
    maxLength: 10,
    selector: (entry) => `${roleKey(entry.role)}|${entry.scope.text.toLowerCase()}`,
  });
  const thousand = guid.map((sub) =>
    Array.from({ length: 1000 }, (_, index) => ({
      role: "SignalR App Server",
      scope: { text: `/subscriptions/${sub}/resourceGroups/rg-${index}`, sub: true },
    })),
  );
  const assignments = huge ? fc.oneof({ weight: 19, arbitrary: short }, thousand) : short;
  const principal = fc.oneof(
    guid.map((clientId) => ({ clientId })),
    fc
      .stringMatching(/^[a-z0-9-]{1,12}\/[a-z0-9-]{1,12}\/[a-z0-9-]{1,12}$/)
      .map((applicationStack) => ({ applicationStack })),
  );
  const optional = fc.record(
    {
      protect: fc.constantFrom("true", "false"),
      tokenScope: fc.constantFrom(
        "https://signalr.azure.com/.default",
        "https://signalr.azure.cn/.default",
      ),
      endpointSuffix: fc.constantFrom("service.signalr.net", "signalr.azure.cn"),
      subscriptionId: guid,
    },
    { requiredKeys: [] },
  );
  return fc
    .tuple(guid, cloud, principal, assignments, optional, guid)
    .map(([tenantId, cloudName, who, list, extra, fallbackSubscription]) => ({
      side: "tenantB",
      tenantId,
      cloud: cloudName,
      ...who,
      ...extra,
      // A subscription for the azure-native provider when no scope names one.
      ...(list.every((entry) => !entry.scope.sub) && { subscriptionId: fallbackSubscription }),
      assignments: list.map((entry) => ({ role: entry.role, scope: entry.scope.text })),
    }));
}

// ---------------------------------------------------------------------------------------------
// Subtly invalid configs: a valid config, one mistake, and the key the mistake must be reported at

function credentialsOf(values: Values): Values[] {
  return values.credentials as Values[];
}

function withFirstCredential(values: Values, credential: unknown): Values {
  return { ...values, credentials: [credential, ...credentialsOf(values).slice(1)] };
}

const nonUrlSafeName = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 20 })
  .filter((text) => !/^[A-Za-z0-9._~-]+$/.test(text));

const nearMissGuid = fc.oneof(
  guid.map((text) => text.replace(/[0-9a-f]$/, "g")),
  guid.map((text) => text.replace(/-/g, "")),
  guid.map((text) => `{${text}}`),
  guid.map((text) => `１${text.slice(1)}`),
  fc.constant(""),
);

function brokenTenantA(): fc.Arbitrary<Broken> {
  const first = "credentials[0]";
  const mistakes: fc.Arbitrary<(values: Values) => Broken>[] = [
    // Wrong types.
    fc.constantFrom("30", true, null, [30]).map((validDays) => (values: Values) => ({
      values: withFirstCredential(values, { kind: "secret", name: "mut_a", validDays }),
      key: `${first}.validDays`,
    })),
    fc.constantFrom(5, "secret", null, [], true).map((entry) => (values: Values) => ({
      values: withFirstCredential(values, entry),
      key: first,
    })),
    fc.constantFrom(42, null, ["x"], {}).map((displayName) => (values: Values) => ({
      values: { ...values, application: { displayName } },
      key: "application.displayName",
    })),
    fc.constantFrom('"contoso"', "[]", "42", "null").map((application) => (values: Values) => ({
      values: { ...values, application },
      key: "application",
    })),
    fc
      .constantFrom("not json", "{", '[{"kind": "secret"', '"primary"', "{}")
      .map((credentials) => (values: Values) => ({
        values: { ...values, credentials },
        key: "credentials",
      })),
    // Numbers out of range, and combinations the schema cannot express.
    fc.constantFrom(0, 731, 1.5, -3, 1e9).map((validDays) => (values: Values) => ({
      values: withFirstCredential(values, { kind: "secret", name: "mut_a", validDays }),
      key: `${first}.validDays`,
    })),
    fc.integer({ min: 1, max: 365 }).map((overlapDays) => (values: Values) => ({
      values: withFirstCredential(values, { kind: "secret", name: "mut_a", overlapDays }),
      key: `${first}.overlapDays`,
    })),
    fc.integer({ min: 1, max: 730 }).map((validDays) => (values: Values) => ({
      values: withFirstCredential(values, {
        kind: "secret",
        name: "mut_a",
        validDays,
        rotateEveryDays: 30,
      }),
      key: `${first}.validDays`,
    })),
    fc.constantFrom(0, 1, 731, "7", 2.5).map((rotateEveryDays) => (values: Values) => ({
      values: withFirstCredential(values, { kind: "secret", name: "mut_a", rotateEveryDays }),
      key: `${first}.rotateEveryDays`,
    })),
    fc
      .integer({ min: 1, max: 365 })
      .chain((rotateEveryDays) =>
        fc.tuple(fc.constant(rotateEveryDays), fc.integer({ min: rotateEveryDays, max: 365 })),
      )
      .map(([rotateEveryDays, overlapDays]) => (values: Values) => ({
        values: withFirstCredential(values, {
          kind: "secret",
          name: "mut_a",
          rotateEveryDays,
          overlapDays,
        }),
        key: `${first}.overlapDays`,
      })),
    fc
      .constantFrom(
        "2027-06-30",
        "2027-06-30 00:00:00Z",
        "tomorrow",
        rfc3339(now.getTime() - 2 * dayMs),
        rfc3339(now.getTime() + 800 * dayMs),
        "2027-13-01T00:00:00Z",
      )
      .map((endDate) => (values: Values) => ({
        values: withFirstCredential(values, { kind: "secret", name: "mut_a", endDate }),
        key: `${first}.endDate`,
      })),
    fc.constant((values: Values) => ({
      values: withFirstCredential(values, {
        kind: "secret",
        name: "mut_a",
        validDays: 30,
        endDate: rfc3339(now.getTime() + 30 * dayMs),
      }),
      key: `${first}.endDate`,
    })),
    // Missing keys.
    fc.constantFrom("tenantId", "application", "credentials").map((key) => (values: Values) => ({
      values: { ...values, [key]: undefined },
      key,
    })),
    fc.constant((values: Values) => ({
      values: withFirstCredential(values, { kind: "secret", validDays: 30 }),
      key: `${first}.name`,
    })),
    fc.constant((values: Values) => ({
      values: withFirstCredential(values, { name: "mut_a", validDays: 30 }),
      key: `${first}.kind`,
    })),
    fc.constant((values: Values) => ({
      values: withFirstCredential(values, {
        kind: "federated",
        name: "mut_f",
        subject: "repo:a/b",
      }),
      key: `${first}.issuer`,
    })),
    fc.constant((values: Values) => ({
      values: { ...values, application: { signInAudience: "AzureADMultipleOrgs" } },
      key: "application.displayName",
    })),
    // Near misses.
    fc
      .constantFrom("Secret", "secrets", "managedidentity", "Federated", "cert", "")
      .map((kind) => (values: Values) => ({
        values: withFirstCredential(values, { kind, name: "mut_a" }),
        key: `${first}.kind`,
      })),
    fc
      .constantFrom("AzureADMultipleOrg", "AzureADMyOrg", "PersonalMicrosoftAccount", "multitenant")
      .map((signInAudience) => (values: Values) => ({
        values: { ...values, application: { displayName: "chat", signInAudience } },
        key: "application.signInAudience",
      })),
    nearMissGuid.map((tenantId) => (values: Values) => ({
      values: { ...values, tenantId },
      key: "tenantId",
    })),
    nearMissGuid.map((principalId) => (values: Values) => ({
      values: withFirstCredential(values, { kind: "managedIdentity", name: "mut_m", principalId }),
      key: `${first}.principalId`,
    })),
    fc.constantFrom("Public", "azurechina", "usgov", "").map((cloudName) => (values: Values) => ({
      values: { ...values, cloud: cloudName },
      key: "cloud",
    })),
    fc.constantFrom("yes", "TRUE", "0", "").map((protect) => (values: Values) => ({
      values: { ...values, protect },
      key: "protect",
    })),
    fc.constantFrom("tenanta", "tenantC", "TenantA", "").map((side) => (values: Values) => ({
      values: { ...values, side },
      key: "side",
    })),
    fc
      .constantFrom("credential", "Credentials", "tenantid", "assignments", "clientId")
      .map((key) => (values: Values) => ({ values: { ...values, [key]: "x" }, key })),
    fc
      .constantFrom(
        "http://token.actions.githubusercontent.com",
        "token.actions.githubusercontent.com",
        "",
      )
      .map((issuer) => (values: Values) => ({
        values: withFirstCredential(values, {
          kind: "federated",
          name: "mut_f",
          issuer,
          subject: "s",
        }),
        key: `${first}.issuer`,
      })),
    fc.constantFrom("", "x".repeat(601)).map((subject) => (values: Values) => ({
      values: withFirstCredential(values, {
        kind: "federated",
        name: "mut_f",
        issuer: "https://token.actions.githubusercontent.com",
        subject,
      }),
      key: `${first}.subject`,
    })),
    fc.constant((values: Values) => {
      const other = clouds.find((name) => name !== (values.cloud ?? "public"))!;
      return {
        values: withFirstCredential(values, {
          kind: "federated",
          name: "mut_f",
          issuer: "https://token.actions.githubusercontent.com",
          subject: "repo:contoso/chat:environment:prod",
          audience: exchangeAudience[other],
        }),
        key: `${first}.audience`,
      };
    }),
    fc.constantFrom("expired", "with key", "not pem").map((form) => (values: Values) => ({
      values: withFirstCredential(values, {
        kind: "certificate",
        name: "mut_c",
        certificate:
          form === "expired"
            ? expiredCertificate
            : form === "with key"
              ? certificateWithKey
              : "hello",
      }),
      key: `${first}.certificate`,
    })),
    // Unicode where only URL-safe text goes.
    nonUrlSafeName.map((name) => (values: Values) => ({
      values: withFirstCredential(values, { kind: "secret", name }),
      key: `${first}.name`,
    })),
    // Repeats.
    fc.constant((values: Values) => {
      const credentials = credentialsOf(values);
      return {
        values: {
          ...values,
          credentials: [
            ...credentials,
            { kind: "secret", name: String(credentials[0].name).toUpperCase() },
          ],
        },
        key: `credentials[${credentials.length}].name`,
      };
    }),
    // Huge lists with one bad entry.
    fc.integer({ min: 0, max: 999 }).map((bad) => (values: Values) => ({
      values: {
        ...values,
        credentials: Array.from({ length: 1000 }, (_, index) => ({
          kind: "secret",
          name: `s-${index}`,
          ...(index === bad && { validDays: 0 }),
        })),
      },
      key: `credentials[${bad}].validDays`,
    })),
    fc.constant((values: Values) => ({
      values: {
        ...values,
        credentials: Array.from({ length: 21 }, (_, index) => ({
          kind: "federated",
          name: `fed-${index}`,
          issuer: "https://token.actions.githubusercontent.com",
          subject: `repo:contoso/chat:environment:env-${index}`,
        })),
      },
      key: "credentials",
    })),
    fc.integer({ min: 0, max: 499 }).map((bad) => (values: Values) => ({
      values: {
        ...values,
        application: {
          displayName: "chat",
          owners: Array.from({ length: 500 }, (_, index) =>
            index === bad ? "not-a-guid" : "22222222-2222-2222-2222-222222222222",
          ),
        },
      },
      key: `application.owners[${bad}]`,
    })),
  ];
  return fc
    .tuple(validTenantA(false), fc.oneof(...mistakes))
    .map(([values, mistake]) => mistake(values));
}

function brokenTenantB(): fc.Arbitrary<Broken> {
  const first = "assignments[0]";
  const withFirstAssignment = (values: Values, assignment: unknown): Values => ({
    ...values,
    assignments: [assignment, ...(values.assignments as Values[]).slice(1)],
  });
  const validScope = (values: Values) => String((values.assignments as Values[])[0].scope);
  const mistakes: fc.Arbitrary<(values: Values) => Broken>[] = [
    // Near-miss role names.
    fc
      .constantFrom(
        "SignalR App Servers",
        "SignalR AppServer",
        "Signal R App Server",
        "SignalR Service Owners",
        "SignalR REST Owner",
        "App Server",
        "420fcaa2-552c-430f-98ca-3264be4806c8",
        "Contributor",
        "",
      )
      .map((role) => (values: Values) => ({
        values: withFirstAssignment(values, { role, scope: validScope(values) }),
        key: `${first}.role`,
      })),
    // Scopes with extra or missing segments, or of other resource types.
    fc
      .constantFrom(
        (text: string) => `${text}/extra`,
        (text: string) => `${text}/`,
        (text: string) => text.slice(1),
        (text: string) => `${text}/providers/Microsoft.SignalRService/SignalR/x/replicas/r1`,
        (text: string) => `${text}/resourceGroups`,
        (text: string) =>
          `/subscriptions/my-subscription${text.replace(/^\/subscriptions\/[^/]+/, "")}`,
        (text: string) => `${text}/providers/Microsoft.SignalRService/WebPubSub/chat`,
      )
      .map((change) => (values: Values) => {
        const text = change(validScope(values));
        return {
          values: withFirstAssignment(values, { role: "SignalR App Server", scope: text }),
          key: `${first}.scope`,
        };
      }),
    fc
      .constantFrom(
        "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/chät",
        "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/rg.",
        "/providers/Microsoft.Management/managementGroups/",
        "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/chat/providers/" +
          "Microsoft.SignalRService/SignalR/-chat",
        "",
      )
      .map((text) => (values: Values) => ({
        values: withFirstAssignment(values, { role: "SignalR App Server", scope: text }),
        key: `${first}.scope`,
      })),
    // Wrong types and missing keys.
    fc.constantFrom(5, null, ["SignalR App Server"]).map((role) => (values: Values) => ({
      values: withFirstAssignment(values, { role, scope: validScope(values) }),
      key: `${first}.role`,
    })),
    fc.constantFrom(5, null, {}).map((text) => (values: Values) => ({
      values: withFirstAssignment(values, { role: "SignalR App Server", scope: text }),
      key: `${first}.scope`,
    })),
    fc.constant((values: Values) => ({
      values: withFirstAssignment(values, { scope: validScope(values) }),
      key: `${first}.role`,
    })),
    fc.constant((values: Values) => ({
      values: withFirstAssignment(values, { role: "SignalR App Server" }),
      key: `${first}.scope`,
    })),
    fc.constantFrom("x", 5, null).map((entry) => (values: Values) => ({
      values: withFirstAssignment(values, entry),
      key: first,
    })),
    fc
      .constantFrom("not json", "{}", "[]", '"SignalR App Server"')
      .map((assignments) => (values: Values) => ({
        values: { ...values, assignments },
        key: "assignments",
      })),
    fc.constant((values: Values) => ({
      values: { ...values, assignments: undefined },
      key: "assignments",
    })),
    // The principal: neither, both, or malformed.
    fc.constant((values: Values) => ({
      values: { ...values, clientId: undefined, applicationStack: undefined },
      key: "clientId",
    })),
    fc.constant((values: Values) => ({
      values: {
        ...values,
        clientId: "44444444-4444-4444-4444-444444444444",
        applicationStack: "contoso/chat/tenantA",
      },
      key: "applicationStack",
    })),
    nearMissGuid.map((clientId) => (values: Values) => ({
      values: { ...values, applicationStack: undefined, clientId },
      key: "clientId",
    })),
    fc
      .constantFrom("tenantA", "contoso/tenantA", "contoso/chat/tenant A", "a/b/c/d")
      .map((applicationStack) => (values: Values) => ({
        values: { ...values, clientId: undefined, applicationStack },
        key: "applicationStack",
      })),
    // Subscription, token scope and endpoint suffix.
    fc.constant((values: Values) => ({
      values: {
        ...values,
        subscriptionId: undefined,
        assignments: [
          {
            role: "SignalR REST API Reader",
            scope: "/providers/Microsoft.Management/managementGroups/monitoring",
          },
        ],
      },
      key: "subscriptionId",
    })),
    nearMissGuid.map((subscriptionId) => (values: Values) => ({
      values: { ...values, subscriptionId },
      key: "subscriptionId",
    })),
    fc
      .constantFrom("https://signalr.azure.com", "http://signalr.azure.com/.default", "signalr")
      .map((tokenScope) => (values: Values) => ({
        values: { ...values, tokenScope },
        key: "tokenScope",
      })),
    fc
      .constantFrom("https://service.signalr.net", ".service.signalr.net", "service", "")
      .map((endpointSuffix) => (values: Values) => ({
        values: { ...values, endpointSuffix },
        key: "endpointSuffix",
      })),
    fc
      .constantFrom("tenantb", "")
      .map((side) => (values: Values) => ({ values: { ...values, side }, key: "side" })),
    fc
      .constantFrom("credentials", "application", "assignment", "scope")
      .map((key) => (values: Values) => ({
        values: { ...values, [key]: "[]" },
        key,
      })),
    // A repeat, in other casing.
    fc.constant((values: Values) => {
      const list = values.assignments as Values[];
      const repeat = {
        role: String(list[0].role).toLowerCase(),
        scope: validScope(values).toUpperCase(),
      };
      return {
        values: { ...values, assignments: [...list, repeat] },
        key: `assignments[${list.length}]`,
      };
    }),
    // A huge list with one bad scope.
    fc.integer({ min: 0, max: 999 }).map((bad) => (values: Values) => ({
      values: {
        ...values,
        assignments: Array.from({ length: 1000 }, (_, index) => ({
          role: "SignalR App Server",
          scope:
            `/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/rg-${index}` +
            (index === bad ? "/extra" : ""),
        })),
      },
      key: `assignments[${bad}].scope`,
    })),
  ];
  return fc
    .tuple(validTenantB(false), fc.oneof(...mistakes))
    .map(([values, mistake]) => mistake(values));
}

// ---------------------------------------------------------------------------------------------

/** Parses; every problem must lead with its full key and never quote a certificate. */
function expectNamedIssues(values: Values) {
  const result = parse(values);
  if (result.ok) return result;
  expect(result.issues.length).toBeGreaterThan(0);
  for (const issue of result.issues) {
    expect(issue.key.startsWith(`${namespace}:`)).toBe(true);
    expect(issue.message.startsWith(`${issue.key}: `)).toBe(true);
    for (const pem of [validCertificate, expiredCertificate, certificateWithKey]) {
      expect(issue.message).not.toContain(pem.split("\n")[1]);
    }
  }
  return result;
}

describe.each([
  ["tenantA", validTenantA, brokenTenantA],
  ["tenantB", validTenantB, brokenTenantB],
] as const)("parseStackConfig for %s stacks", (_side, valid, broken) => {
  it("accepts 1,000 generated valid configs", () => {
    fc.assert(
      fc.property(valid(), (values) => {
        const result = expectNamedIssues(values);
        expect(result.ok ? [] : result.issues).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it("rejects 1,000 subtly broken configs, naming the key of the mistake", () => {
    fc.assert(
      fc.property(broken(), ({ values, key }) => {
        const result = expectNamedIssues(values);
        expect(result.ok).toBe(false);
        expect(result.ok ? [] : result.issues.map((issue) => issue.key)).toContain(
          `${namespace}:${key}`,
        );
      }),
      { numRuns: 1000 },
    );
  });

  it("answers any JSON under any key with issues that name keys, never an exception", () => {
    const keys = [
      "tenantId",
      "cloud",
      "protect",
      "application",
      "credentials",
      "assignments",
      "clientId",
      "applicationStack",
      "subscriptionId",
      "tokenScope",
      "endpointSuffix",
    ];
    const anything = fc.dictionary(
      fc.constantFrom(...keys),
      fc.oneof(
        fc.string({ unit: "grapheme" }),
        fc.jsonValue().map((value) => JSON.stringify(value)),
      ),
    );

    fc.assert(
      fc.property(valid(), anything, (values, overrides) => {
        expectNamedIssues({ ...values, ...overrides });
      }),
      { numRuns: 300 },
    );
  });
});

describe("the program on generated configs", () => {
  /** Evaluates the real program, counting every resource it registers. */
  async function run(values: Values) {
    let registered = 0;
    const outcome = await evaluateStack({
      stack: String(values.side),
      config: toRaw(values),
      preview: true,
      stackOutputs: () => ({
        clientId: "44444444-4444-4444-4444-444444444444",
        cloud: values.cloud ?? "public",
      }),
      loadProgram: async () => {
        const program = await import("../../index.ts");
        return {
          default: () => {
            pulumi.runtime.registerStackTransformation(() => {
              registered += 1;
              return undefined;
            });
            return program.default();
          },
        };
      },
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    return { outcome, registered };
  }

  it.each([
    ["tenantA", validTenantA, brokenTenantA],
    ["tenantB", validTenantB, brokenTenantB],
  ] as const)(
    "evaluates a %s config that parses, and else throws its problems before registering anything",
    async (_side, valid, broken) => {
      const configs = fc.oneof(
        valid(false),
        broken().map(({ values }) => values),
      );

      await fc.assert(
        fc.asyncProperty(configs, async (values) => {
          const parsed = parse(values);

          const { outcome, registered } = await run(values);

          if (parsed.ok) {
            expect(outcome).toBeUndefined();
            expect(registered).toBeGreaterThan(0);
          } else {
            expect(outcome).toBeInstanceOf(pulumi.RunError);
            expect((outcome as Error).message).toBe(formatIssues(parsed.issues));
            expect(registered).toBe(0);
          }
        }),
        { numRuns: 50 },
      );
    },
  );
});
