export * from "./crossTenantApplication.ts";
export * from "./signalrAccess.ts";
