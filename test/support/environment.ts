/**
 * The azuread provider SDK fills `useMsi` and `msiEndpoint` from the environment, so a machine with
 * ARM_USE_MSI set would plan other provider inputs than the tests expect. Tests run without them.
 */
delete process.env.ARM_USE_MSI;
delete process.env.ARM_MSI_ENDPOINT;
