/**
 * Finds a project's stack files (`Pulumi.<stack>.yaml`) and reads one into the raw config map that
 * Pulumi hands the program: full keys (`signalr-cross-tenant:side`), scalars as strings, objects
 * and lists as JSON text. A `secure:` value cannot be decrypted without the stack's secrets
 * provider, so its key is recorded as secret and its value replaced by the placeholder every plan
 * uses for a secret (`[secret]`): the key still counts as set, and its ciphertext never reaches a
 * message or a plan.
 *
 * Limitation: the program checks the placeholder like any other value, so a key whose format it
 * checks (tenant and client ids, certificates) fails the offline plan when it is stored as a
 * `secure:` value. None of this project's keys holds a secret; keep them in plain text.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseDocument } from "yaml";
import { secretMarker } from "./markers.ts";

export interface StackFile {
  /** The stack name, as in `Pulumi.<stack>.yaml`. */
  readonly stack: string;
  /** Where the file was read from, for messages: a path, or `REF:Pulumi.<stack>.yaml`. */
  readonly source: string;
  /** Full config keys to values; structured values as JSON text. */
  readonly config: Record<string, string>;
  /** Full keys whose value is, or holds, a `secure:` value. */
  readonly secretKeys: readonly string[];
  /** What the plan cannot see in this file, such as imported ESC environments. */
  readonly notes: readonly string[];
}

export interface ProjectFile {
  readonly name: string;
  /** Defaults the project declares for its own keys, as full keys to values. */
  readonly defaults: Record<string, string>;
}

/** A stack or project file that cannot be read as Pulumi reads it. */
export class StackFileError extends Error {
  override readonly name = "StackFileError";
}

const stackFilePattern = /^Pulumi\.([^/\\]+)\.yaml$/;

/** The stack name a file name stands for, or `undefined` when it is no stack file. */
function stackNameOf(fileName: string): string | undefined {
  return stackFilePattern.exec(fileName)?.[1];
}

/** Stack names of the stack files among `fileNames`, sorted. */
export function stackNames(fileNames: readonly string[]): string[] {
  return fileNames
    .map(stackNameOf)
    .filter((name): name is string => name !== undefined)
    .sort();
}

export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

/** Stack names of the stack files in `dir`, sorted. */
export function findStacks(dir: string): string[] {
  return stackNames(readdirSync(dir));
}

/**
 * Reads the project file's name and config defaults. Project keys are declared without a namespace
 * and belong to the project's own; keys of other namespaces keep theirs.
 */
export function parseProjectFile(text: string, source: string): ProjectFile {
  const root = load(text, source);
  if (!isRecord(root) || typeof root.name !== "string") {
    throw new StackFileError(`${source}: not a Pulumi project file; it needs a top-level name.`);
  }

  const defaults: Record<string, string> = {};
  const declared = isRecord(root.config) ? root.config : {};
  for (const [key, declaration] of Object.entries(declared)) {
    const value = isRecord(declaration) ? (declaration.value ?? declaration.default) : declaration;
    if (value === undefined || value === null) continue;
    defaults[key.includes(":") ? key : `${root.name}:${key}`] = configText(value);
  }
  return { name: root.name, defaults };
}

/**
 * Reads one stack file's `config` block into the raw config map, on top of the project's defaults.
 * Throws a `StackFileError` naming the file, line and key when the file is not valid YAML or a key
 * is not of the form `<namespace>:<name>`.
 */
export function parseStackFile(
  stack: string,
  text: string,
  source: string,
  project: ProjectFile,
): StackFile {
  const root = load(text, source) ?? {};
  if (!isRecord(root)) {
    throw new StackFileError(`${source}: expected a YAML map with a config key at the top.`);
  }
  const block = root.config ?? {};
  if (!isRecord(block)) {
    throw new StackFileError(`${source}: config must be a map of keys to values.`);
  }

  const config: Record<string, string> = { ...project.defaults };
  const secretKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(block)) {
    const key = fullKey(rawKey, source, project.name);
    const { plain, secure } = replaceSecure(value);
    config[key] = configText(plain);
    if (secure) secretKeys.push(key);
  }

  const environments = root.environment;
  const notes =
    environments === undefined
      ? []
      : [
          `${source} imports ESC environments (${JSON.stringify(environments)}); the plan ` +
            "sees only its config block, so keys that come from an environment count as not set.",
        ];
  return { stack, source, config, secretKeys, notes };
}

export interface StackFileSet {
  /** The stack files that could be read, in stack-name order. */
  readonly files: readonly StackFile[];
  /** One message per stack file that could not be read. */
  readonly problems: readonly {
    readonly stack: string;
    readonly source: string;
    readonly message: string;
  }[];
}

/**
 * Reads `Pulumi.yaml` and the stack files of `stacks` through `read`, which returns a file's text
 * by name (from a directory, or from a commit) and throws a `StackFileError` when it cannot.
 * `label` names a file in messages. A stack file that cannot be read is reported and the rest are
 * still read, so that one run shows every problem; a project file that cannot be read stops all.
 */
export function readStackSet(
  stacks: readonly string[],
  read: (name: string) => string,
  label: (name: string) => string = (name) => name,
): StackFileSet {
  const project = parseProjectFile(read("Pulumi.yaml"), label("Pulumi.yaml"));
  const files: StackFile[] = [];
  const problems: { stack: string; source: string; message: string }[] = [];
  for (const stack of stacks) {
    const source = label(stackFileName(stack));
    try {
      files.push(parseStackFile(stack, read(stackFileName(stack)), source, project));
    } catch (error) {
      if (!(error instanceof StackFileError)) throw error;
      problems.push({ stack, source, message: error.message });
    }
  }
  return { files, problems };
}

/** Reads the project and every stack file in `dir`; messages name files relative to it. */
export function readStackDir(dir: string): StackFileSet {
  return readStackSet(findStacks(dir), (name) => readText(join(dir, name), name));
}

function readText(path: string, name: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : String(error);
    throw new StackFileError(`${name}: cannot be read (${reason}) in ${dirname(path)}.`);
  }
}

/** The file's content as plain data; a syntax error names the file and line. */
function load(text: string, source: string): unknown {
  const document = parseDocument(text);
  const [error] = document.errors;
  if (error) {
    const at = error.linePos ? ` (line ${error.linePos[0].line})` : "";
    const message = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new StackFileError(`${source}${at}: not valid YAML: ${message}.`);
  }
  return document.toJS();
}

/**
 * Pulumi's stack files name every key with its namespace; `<namespace>:config:<name>` is an older
 * spelling of `<namespace>:<name>`.
 */
function fullKey(key: string, source: string, project: string): string {
  const parts = key.split(":");
  if (parts.length === 3 && parts[1] === "config") return `${parts[0]}:${parts[2]}`;
  if (parts.length === 2 && parts[0] !== "" && parts[1] !== "") return key;
  throw new StackFileError(
    `${source}: config key "${key}" is not of the form <namespace>:<name>. ` +
      `Write it as ${project}:${parts[parts.length - 1] || key}.`,
  );
}

/** Replaces each `{ secure: <ciphertext> }` by the placeholder; reports whether there was one. */
function replaceSecure(value: unknown): { plain: unknown; secure: boolean } {
  if (isSecureValue(value)) return { plain: secretMarker, secure: true };
  if (Array.isArray(value)) {
    const items = value.map(replaceSecure);
    return { plain: items.map((item) => item.plain), secure: items.some((item) => item.secure) };
  }
  if (isRecord(value)) {
    const entries = Object.entries(value).map(
      ([key, inner]) => [key, replaceSecure(inner)] as const,
    );
    return {
      plain: Object.fromEntries(entries.map(([key, inner]) => [key, inner.plain])),
      secure: entries.some(([, inner]) => inner.secure),
    };
  }
  return { plain: value, secure: false };
}

function isSecureValue(value: unknown): boolean {
  return isRecord(value) && Object.keys(value).length === 1 && typeof value.secure === "string";
}

/** Scalars as Pulumi passes them (`true`, `180`, empty for null); objects and lists as JSON. */
function configText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
