/**
 * The CrossGuard pack for these stacks: one policy per guardrail rule of `lib/guardrails.ts`, the
 * same rules `npm run plan` applies offline. Run it with `pulumi preview --policy-pack policy`;
 * change a rule's level or options with `--policy-pack-config <file>`. Constructing the pack starts
 * the server the Pulumi CLI talks to, so nothing but the CLI loads this module.
 */
import { PolicyPack } from "@pulumi/policy";
import { guardrailRules } from "../lib/guardrails.ts";
import { policyFor } from "./rules-adapter.ts";

new PolicyPack("signalr-cross-tenant-guardrails", {
  description:
    "Least-privilege guardrails for cross-tenant SignalR access: SignalR data-plane roles only, " +
    "no owner roles above a resource group, service principals only, multitenant applications, " +
    "short-lived secrets and certificates, federated credentials of the right cloud.",
  policies: guardrailRules.map((rule) => policyFor(rule)),
});
