/**
 * The program Pulumi runs for every stack of this project. It reads the stack's config, stops with
 * every problem in it before registering anything, and deploys the side the config names: tenantA
 * (the application and its credentials) or tenantB (the enterprise application and its roles).
 */
import * as pulumi from "@pulumi/pulumi";
import { formatIssues, parseStackConfig } from "./lib/config.ts";
import { deployTenantA } from "./stacks/tenantA.ts";
import { deployTenantB } from "./stacks/tenantB.ts";

export default function program() {
  const result = parseStackConfig(pulumi.runtime.allConfig(), {
    isSecret: secretKeyCheck(),
    now: new Date(),
  });
  if (!result.ok) throw new pulumi.RunError(formatIssues(result.issues));

  return result.config.side === "tenantA"
    ? deployTenantA(result.config)
    : deployTenantB(result.config, result.warnings);
}

/**
 * The SDK marks `isConfigSecret` internal; without it every value is treated as secret, so error
 * messages lose the value they quote but never reveal one.
 */
function secretKeyCheck(): (key: string) => boolean {
  const runtime = pulumi.runtime as { isConfigSecret?: (key: string) => boolean };
  return runtime.isConfigSecret ?? (() => true);
}
