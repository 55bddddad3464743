import fc from "fast-check";
import {
  ConnectionStringError,
  connectionStringKeys,
  formatConnectionString,
  parseConnectionString,
  type SignalRConnectionString,
} from "../../lib/connectionString.ts";
import { clientId, tenantB } from "../support/config.ts";

const secret = "Ab1~primary.secret-value_2099";

/** The exact error for these problems; toThrow compares the whole message. */
function refusal(...problems: string[]): ConnectionStringError {
  return new ConnectionStringError(problems);
}

describe("parseConnectionString", () => {
  test("reads an Entra application connection string with a client secret", () => {
    const parsed = parseConnectionString(
      `Endpoint=https://chat-weu.service.signalr.net;AuthType=azure.app;ClientId=${clientId};` +
        `TenantId=${tenantB};ClientSecret=${secret};Version=1.0;`,
    );

    expect(parsed).toEqual({
      endpoint: "https://chat-weu.service.signalr.net",
      authType: "azure.app",
      clientId,
      tenantId: tenantB,
      clientSecret: secret,
      version: "1.0",
    });
  });

  test("compares keys and AuthType without regard to case, and splits at the first =", () => {
    const parsed = parseConnectionString(
      `endpoint=https://chat-weu.service.signalr.net;AUTHTYPE=Azure.App;clientid=${clientId};` +
        `TENANTID=${tenantB};clientcert=/etc/signalr/app.pem;PORT=8443;version=1.0`,
    );

    expect(parsed).toEqual({
      endpoint: "https://chat-weu.service.signalr.net",
      authType: "azure.app",
      clientId,
      tenantId: tenantB,
      clientCert: "/etc/signalr/app.pem",
      port: 8443,
      version: "1.0",
    });
    expect(
      parseConnectionString("Endpoint=https://a.service.signalr.net;AccessKey=k+/=").accessKey,
    ).toBe("k+/=");
  });

  test("reads the server and client endpoints", () => {
    expect(
      parseConnectionString(
        "Endpoint=https://a.service.signalr.net;AuthType=azure.msi;ClientId=" +
          `${clientId};ClientEndpoint=https://gateway.contoso.com;ServerEndpoint=https://internal.contoso.com`,
      ),
    ).toEqual({
      endpoint: "https://a.service.signalr.net",
      authType: "azure.msi",
      clientId,
      clientEndpoint: "https://gateway.contoso.com",
      serverEndpoint: "https://internal.contoso.com",
    });
  });

  test("refuses a key given twice, in any case", () => {
    expect(() =>
      parseConnectionString(
        `Endpoint=https://a.service.signalr.net;AuthType=azure.app;ClientId=${clientId};` +
          `clientID=${clientId};TenantId=${tenantB};ClientSecret=x`,
      ),
    ).toThrow(refusal("ClientId appears more than once; keep one ClientId=... part."));
  });

  test("lists what azure.app lacks", () => {
    expect(() =>
      parseConnectionString("Endpoint=https://a.service.signalr.net;AuthType=azure.app"),
    ).toThrow(
      refusal(
        "AuthType=azure.app needs ClientId; add ClientId=<the application's client id>.",
        "AuthType=azure.app needs TenantId; add TenantId=<tenant B's id>.",
        "AuthType=azure.app needs ClientSecret=<secret> " +
          "or ClientCert=<path of the certificate file>.",
      ),
    );
  });

  test("refuses a secret and a certificate together", () => {
    expect(() =>
      parseConnectionString(
        `Endpoint=https://a.service.signalr.net;AuthType=azure.app;ClientId=${clientId};` +
          `TenantId=${tenantB};ClientSecret=s;ClientCert=/c.pem`,
      ),
    ).toThrow(
      refusal("AuthType=azure.app takes ClientSecret or ClientCert, not both; remove one."),
    );
  });

  test("refuses unknown keys, parts without =, bad endpoints, ports and auth types at once", () => {
    expect(() =>
      parseConnectionString(
        "Endpoint=chat-weu;ClientCertPath=/c.pem;oops;Port=70000;AuthType=azure.cli",
      ),
    ).toThrow(
      refusal(
        '"ClientCertPath" is not a connection string key; allowed (in any case): ' +
          `${connectionStringKeys.join(", ")}.`,
        'part 3 has no "="; write every part as Key=value. A value cannot contain ";".',
        'Endpoint "chat-weu" is not an http:// or https:// URL; give the full URL.',
        "Port 70000 is out of range; give a port from 1 to 65535.",
        'AuthType "azure.cli" is not known; allowed: azure, azure.app, azure.msi.',
      ),
    );
  });

  test("requires an endpoint and a way to authenticate", () => {
    expect(() => parseConnectionString("Version=1.0;")).toThrow(
      refusal(
        "Endpoint is missing; add Endpoint=https://<name>.service.signalr.net.",
        "neither AuthType nor AccessKey is given; add AuthType=azure.app with ClientId, TenantId " +
          "and ClientSecret or ClientCert, or AccessKey=<key>.",
      ),
    );
  });

  test("never quotes a secret value, even when it is the problem", () => {
    const text =
      "Endpoint=https://a.service.signalr.net;AuthType=azure.msi;" +
      `ClientSecret=${secret};AccessKey=topsecretkey`;

    expect(() => parseConnectionString(text)).toThrow(
      refusal(
        "AccessKey is not used with AuthType=azure.msi; remove one of them.",
        "ClientSecret is only read with AuthType=azure.app; remove it or change AuthType.",
      ),
    );
    expect(refusal("x").message).toBe("The SignalR connection string has 1 problem:\n  - x");
  });

  test("does not quote a key that is not shaped like a key name", () => {
    expect(() =>
      parseConnectionString("Endpoint=https://a.service.signalr.net;AccessKey=k;x~9.q=1"),
    ).toThrow(
      refusal(
        "the key of part 3 is not a connection string key; allowed (in any case): " +
          `${connectionStringKeys.join(", ")}.`,
      ),
    );
  });
});

describe("formatConnectionString", () => {
  test("writes the keys in the documented order, ending in Version and ;", () => {
    expect(
      formatConnectionString({
        version: "1.0",
        clientSecret: secret,
        tenantId: tenantB,
        clientId,
        authType: "azure.app",
        endpoint: "https://chat-weu.service.signalr.net",
      }),
    ).toBe(
      `Endpoint=https://chat-weu.service.signalr.net;AuthType=azure.app;ClientId=${clientId};` +
        `TenantId=${tenantB};ClientSecret=${secret};Version=1.0;`,
    );
  });

  test("refuses a value holding ; without printing a secret", () => {
    expect(() =>
      formatConnectionString({
        endpoint: "https://a.service.signalr.net",
        authType: "azure.app",
        clientId,
        tenantId: tenantB,
        clientSecret: "abc;def",
      }),
    ).toThrow(
      'ClientSecret (value hidden) contains ";" or surrounding spaces, which a connection string ' +
        "cannot hold; use another value.",
    );
  });

  test("what it writes parses back to the same fields", () => {
    const value = fc.stringMatching(/^[A-Za-z0-9~._\-/=+]{1,40}$/);
    const guid = fc.uuid();
    const fields = fc.record(
      {
        endpoint: fc.constantFrom(
          "https://chat-weu.service.signalr.net",
          "https://chat.signalr.azure.cn",
          "http://localhost:8080",
        ),
        clientId: guid,
        tenantId: guid,
        credential: fc.oneof(
          value.map((clientSecret) => ({ clientSecret })),
          value.map((clientCert) => ({ clientCert })),
        ),
        port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      },
      { requiredKeys: ["endpoint", "clientId", "tenantId", "credential"] },
    );

    fc.assert(
      fc.property(fields, ({ credential, port, ...rest }) => {
        const written: SignalRConnectionString = {
          ...rest,
          ...credential,
          ...(port !== undefined && { port }),
          authType: "azure.app",
          version: "1.0",
        };
        expect(parseConnectionString(formatConnectionString(written))).toEqual(written);
      }),
    );
  });

  test("keys in any case and order parse to the same fields", () => {
    const text = [
      "Endpoint=https://chat-weu.service.signalr.net",
      "AuthType=azure.app",
      `ClientId=${clientId}`,
      `TenantId=${tenantB}`,
      `ClientSecret=${secret}`,
      "Version=1.0",
    ];
    const expected = parseConnectionString(text.join(";"));
    const recase = (part: string, upper: boolean[]) => {
      const [key, ...rest] = part.split("=");
      const cased = [...key].map((c, i) =>
        upper[i % upper.length] ? c.toUpperCase() : c.toLowerCase(),
      );
      return [cased.join(""), ...rest].join("=");
    };

    fc.assert(
      fc.property(
        fc.shuffledSubarray(text, { minLength: text.length, maxLength: text.length }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        (parts, upper) => {
          expect(parseConnectionString(parts.map((p) => recase(p, upper)).join(";"))).toEqual(
            expected,
          );
        },
      ),
    );
  });
});
