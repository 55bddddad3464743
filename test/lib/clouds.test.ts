import {
  adminConsentUrl,
  cloudNames,
  cloudProfile,
  managedIdentityIssuer,
  signalrAudience,
} from "../../lib/clouds.ts";

describe("cloud profiles", () => {
  it.each([
    [
      "public",
      "https://login.microsoftonline.com",
      "api://AzureADTokenExchange",
      "service.signalr.net",
    ],
    [
      "china",
      "https://login.chinacloudapi.cn",
      "api://AzureADTokenExchangeChina",
      "signalr.azure.cn",
    ],
    [
      "usgovernment",
      "https://login.microsoftonline.us",
      "api://AzureADTokenExchangeUSGov",
      "signalr.azure.us",
    ],
  ] as const)(
    "%s has its authority, exchange audience and SignalR host",
    (name, authority, audience, host) => {
      const cloud = cloudProfile(name);

      expect(cloud.authorityHost).toBe(authority);
      expect(cloud.tokenExchangeAudience).toBe(audience);
      expect(cloud.signalrHostSuffix).toBe(host);
      expect(cloud.providerEnvironment).toBe(name);
    },
  );

  it("allows personal accounts only in the public cloud", () => {
    expect(cloudNames.filter((name) => cloudProfile(name).personalAccounts)).toEqual(["public"]);
  });

  it("derives the managed identity issuer from the cloud's authority and tenant A", () => {
    expect(managedIdentityIssuer(cloudProfile("china"), "t-a")).toBe(
      "https://login.chinacloudapi.cn/t-a/v2.0",
    );
  });

  it("builds the admin consent URL in tenant B", () => {
    expect(adminConsentUrl(cloudProfile("usgovernment"), "t-b", "client")).toBe(
      "https://login.microsoftonline.us/t-b/adminconsent?client_id=client",
    );
  });

  it("takes the SignalR audience from the token scope", () => {
    expect(signalrAudience("https://signalr.azure.com/.default")).toBe("https://signalr.azure.com");
  });
});
