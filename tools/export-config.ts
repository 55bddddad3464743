/**
 * `npm run export-config`: writes the app server's SignalR configuration (appsettings.json
 * fragment, environment variables or JSON) from the outputs of the tenant A and tenant B stacks.
 * The result goes to stdout or to `--out FILE` (mode 0600); notes and errors go to stderr.
 */
import { open } from "node:fs/promises";
import {
  buildAppServerSettings,
  exportUsage,
  parseExportArgs,
  renderSettings,
} from "../lib/appConfig.ts";
import { ArgumentError } from "../lib/commandLine.ts";
import {
  checkStacksAgree,
  chooseCredential,
  loadStackOutputs,
  readTenantAOutputs,
  readTenantBOutputs,
  StackOutputsError,
} from "../lib/stackOutputs.ts";
import { outputsReader } from "./outputsReader.ts";

async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseExportArgs(argv);
  } catch (error) {
    return report(error);
  }
  if (options === "help") {
    process.stdout.write(exportUsage);
    return 0;
  }

  try {
    const [rawA, rawB] = await Promise.all([
      loadStackOutputs(options.tenantA, outputsReader),
      loadStackOutputs(options.tenantB, outputsReader),
    ]);
    const tenantA = readTenantAOutputs(rawA, options.tenantA);
    const tenantB = readTenantBOutputs(rawB, options.tenantB);
    checkStacksAgree(tenantA, tenantB);

    const credential = chooseCredential(tenantA, options.credential, new Date());
    process.stderr.write(`Using tenant A's ${credential.kind} credential ${credential.name}.\n`);
    const settings = buildAppServerSettings({
      tenantA,
      tenantB,
      credential,
      endpoints: options.endpoints,
      authorityHost: options.authorityHost,
      certificatePath: options.certificatePath,
    });
    const rendered = renderSettings(settings, options.format, {
      showSecrets: options.showSecrets,
    });

    for (const note of rendered.notes) process.stderr.write(`${note}\n`);
    if (options.out === undefined) {
      process.stdout.write(rendered.text);
    } else {
      await writePrivate(options.out, rendered.text);
      process.stderr.write(`Wrote ${options.out} (mode 0600).\n`);
    }
    return 0;
  } catch (error) {
    return report(error);
  }
}

/**
 * Writes a file only its owner can read. The mode is set before the content is written, also when
 * the file already existed with a wider mode.
 */
async function writePrivate(path: string, text: string): Promise<void> {
  let file;
  try {
    file = await open(path, "w", 0o600);
  } catch (error) {
    throw new ArgumentError(`--out ${path}: cannot write the file (${(error as Error).message}).`);
  }
  try {
    await file.chmod(0o600);
    await file.writeFile(text, "utf8");
  } finally {
    await file.close();
  }
}

function report(error: unknown): number {
  if (error instanceof ArgumentError) {
    process.stderr.write(`export-config: ${error.message}\n`);
    return 2;
  }
  if (error instanceof StackOutputsError) {
    process.stderr.write(`export-config: ${error.message}\n`);
    return 1;
  }
  throw error;
}

process.exitCode = await main(process.argv.slice(2));
