/**
 * What the export-config and verify commands share on their command lines: strict flag parsing,
 * the error that means a command cannot run as written (exit status 2), and the checks of the URL
 * flags both take.
 */
import { parseArgs } from "node:util";

/** Bad flags or flag values: the command cannot run as written. */
export class ArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArgumentError";
  }
}

export type OptionSpec = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;

/**
 * Parses flags strictly: unknown flags, positional arguments and a single-value flag given twice
 * are errors, each naming the flag.
 */
export function parseFlags(
  argv: readonly string[],
  options: OptionSpec,
): Record<string, string | boolean | string[] | undefined> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: false,
      tokens: true,
    });
  } catch (error) {
    throw new ArgumentError(`${(error as Error).message.replace(/\.?$/, ".")} See --help.`);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option" || options[token.name].multiple) continue;
    if (seen.has(token.name)) {
      throw new ArgumentError(`--${token.name} is given more than once; give it once.`);
    }
    seen.add(token.name);
  }
  return parsed.values as Record<string, string | boolean | string[] | undefined>;
}

/** Reads `--authority-host URL`: an https:// origin, returned without a trailing slash. */
export function parseAuthorityHost(value: string): string {
  if (!isHttpsUrl(value) || new URL(value).pathname.replace(/\/+$/, "") !== "") {
    throw new ArgumentError(
      `--authority-host ${value}: not an https:// host; give the authority host alone, such as ` +
        "https://login.microsoftonline.us.",
    );
  }
  return value.replace(/\/+$/, "");
}

/** Whether `value` is an https:// URL. */
export function isHttpsUrl(value: string): boolean {
  if (!/^https:\/\//i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
