/**
 * The two stacks' outputs as `pulumi stack output --json --show-secrets` prints them, from
 * test/fixtures/appConfig, and the values in them that tests name. The tenant and client ids are
 * those of ./config.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const fixtures = join(process.cwd(), "test/fixtures/appConfig");

export const tenantAOutputsFile = join(fixtures, "tenantA.json");
export const tenantBOutputsFile = join(fixtures, "tenantB.json");

export const rawTenantAOutputs = JSON.parse(readFileSync(tenantAOutputsFile, "utf8"));
export const rawTenantBOutputs = JSON.parse(readFileSync(tenantBOutputsFile, "utf8"));

/** Tenant A's application object. */
export const applicationObjectId = "66666666-6666-6666-6666-666666666666";
/** The enterprise application in tenant B, which tokens for SignalR must name. */
export const enterpriseApplication = "77777777-7777-7777-7777-777777777777";
/** Tenant A's own service principal of the application, which a token of tenant A names. */
export const tenantAServicePrincipal = "99999999-9999-9999-9999-999999999999";

/** The rotating secret `primary`: the slot that expires last, and the other one. */
export const newestSecret = "Ab1~primary.slot-a_2099";
export const olderSecret = "Cd2~primary.slot-b_2099";
