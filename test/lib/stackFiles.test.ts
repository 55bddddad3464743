import fc from "fast-check";
import { join } from "node:path";
import { stringify } from "yaml";
import { secretMarker as securePlaceholder } from "../../lib/markers.ts";
import {
  parseProjectFile,
  parseStackFile,
  readStackDir,
  readStackSet,
  StackFileError,
  stackNames,
  type ProjectFile,
} from "../../lib/stackFiles.ts";

const project: ProjectFile = { name: "signalr-cross-tenant", defaults: {} };
const fixtures = join(process.cwd(), "test", "fixtures", "plan");
const ciphertext = "v1:bm9uY2U=:Y2lwaGVydGV4dA==";

describe("stackNames", () => {
  it("keeps Pulumi.<stack>.yaml files, sorted, and nothing else", () => {
    expect(
      stackNames([
        "Pulumi.yaml",
        "Pulumi.tenantB.yaml",
        "Pulumi.tenantA.yaml",
        "Pulumi.tenantA.yml",
        "package.json",
        "Pulumi.dev.west.yaml",
      ]),
    ).toEqual(["dev.west", "tenantA", "tenantB"]);
  });
});

describe("parseProjectFile", () => {
  it("reads the name and the defaults of project keys under the project's namespace", () => {
    const text = [
      "name: signalr-cross-tenant",
      "runtime: nodejs",
      "config:",
      "  cloud:",
      "    type: string",
      "    default: public",
      "  protect:",
      "    type: boolean",
      "    default: true",
      "  side:",
      "    type: string",
      "  azure-native:location: westeurope",
    ].join("\n");

    expect(parseProjectFile(text, "Pulumi.yaml")).toEqual({
      name: "signalr-cross-tenant",
      defaults: {
        "signalr-cross-tenant:cloud": "public",
        "signalr-cross-tenant:protect": "true",
        "azure-native:location": "westeurope",
      },
    });
  });

  it("rejects a file without a name", () => {
    expect(() => parseProjectFile("runtime: nodejs\n", "Pulumi.yaml")).toThrow(
      new StackFileError("Pulumi.yaml: not a Pulumi project file; it needs a top-level name."),
    );
  });
});

describe("parseStackFile", () => {
  it("gives scalars as strings, objects and lists as JSON, over the project defaults", () => {
    const text = [
      "config:",
      "  signalr-cross-tenant:side: tenantB",
      "  signalr-cross-tenant:protect: false",
      "  signalr-cross-tenant:tenantId: 33333333-3333-3333-3333-333333333333",
      "  signalr-cross-tenant:config:subscriptionId: 55555555-5555-5555-5555-555555555555",
      "  signalr-cross-tenant:assignments:",
      "    - role: SignalR App Server",
      "      scope: /subscriptions/55555555-5555-5555-5555-555555555555",
      "  other:count: 3",
      "  other:empty:",
    ].join("\n");
    const withDefaults = { ...project, defaults: { "signalr-cross-tenant:cloud": "public" } };

    expect(parseStackFile("tenantB", text, "Pulumi.tenantB.yaml", withDefaults)).toEqual({
      stack: "tenantB",
      source: "Pulumi.tenantB.yaml",
      config: {
        "signalr-cross-tenant:cloud": "public",
        "signalr-cross-tenant:side": "tenantB",
        "signalr-cross-tenant:protect": "false",
        "signalr-cross-tenant:tenantId": "33333333-3333-3333-3333-333333333333",
        "signalr-cross-tenant:subscriptionId": "55555555-5555-5555-5555-555555555555",
        "signalr-cross-tenant:assignments":
          '[{"role":"SignalR App Server",' +
          '"scope":"/subscriptions/55555555-5555-5555-5555-555555555555"}]',
        "other:count": "3",
        "other:empty": "",
      },
      secretKeys: [],
      notes: [],
    });
  });

  it("records secure values as secret keys holding the placeholder, at any depth", () => {
    const text = [
      "config:",
      "  signalr-cross-tenant:clientId:",
      `    secure: ${ciphertext}`,
      "  signalr-cross-tenant:application:",
      "    displayName: contoso-chat-server",
      "    owners:",
      `      - secure: ${ciphertext}`,
      "  signalr-cross-tenant:side: tenantA",
    ].join("\n");

    const file = parseStackFile("tenantA", text, "Pulumi.tenantA.yaml", project);

    expect(file.config).toEqual({
      "signalr-cross-tenant:clientId": securePlaceholder,
      "signalr-cross-tenant:application":
        '{"displayName":"contoso-chat-server","owners":["[secret]"]}',
      "signalr-cross-tenant:side": "tenantA",
    });
    expect(file.secretKeys).toEqual([
      "signalr-cross-tenant:clientId",
      "signalr-cross-tenant:application",
    ]);
    expect(JSON.stringify(file)).not.toContain("Y2lwaGVydGV4dA");
  });

  it("notes the ESC environments it cannot read", () => {
    const text =
      "environment:\n  - contoso/signalr\nconfig:\n  signalr-cross-tenant:side: tenantA\n";

    expect(parseStackFile("tenantA", text, "Pulumi.tenantA.yaml", project).notes).toEqual([
      'Pulumi.tenantA.yaml imports ESC environments (["contoso/signalr"]); the plan sees only ' +
        "its config block, so keys that come from an environment count as not set.",
    ]);
  });

  it("reads a file without config as no keys", () => {
    expect(parseStackFile("empty", "", "Pulumi.empty.yaml", project).config).toEqual({});
  });

  it("names the file and line of a YAML syntax error", () => {
    const text =
      "config:\n  signalr-cross-tenant:side: tenantB\n  signalr-cross-tenant:assignments: [\n";

    expect(() => parseStackFile("broken", text, "Pulumi.broken.yaml", project)).toThrow(
      new StackFileError(
        "Pulumi.broken.yaml (line 4): not valid YAML: Flow sequence in block collection must be " +
          "sufficiently indented and end with a ].",
      ),
    );
  });

  it("names a key without a namespace and how to write it", () => {
    expect(() =>
      parseStackFile("tenantA", "config:\n  side: tenantA\n", "Pulumi.tenantA.yaml", project),
    ).toThrow(
      new StackFileError(
        'Pulumi.tenantA.yaml: config key "side" is not of the form <namespace>:<name>. ' +
          "Write it as signalr-cross-tenant:side.",
      ),
    );
  });

  it("rejects a config block that is not a map", () => {
    expect(() =>
      parseStackFile("tenantA", "config:\n  - side\n", "Pulumi.tenantA.yaml", project),
    ).toThrow(new StackFileError("Pulumi.tenantA.yaml: config must be a map of keys to values."));
  });

  it("gives back every string value it is given, under its full key", () => {
    const key = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,15}$/);
    fc.assert(
      fc.property(fc.dictionary(key, fc.string()), (values) => {
        const config = Object.fromEntries(
          Object.entries(values).map(([name, value]) => [`signalr-cross-tenant:${name}`, value]),
        );

        const file = parseStackFile("any", stringify({ config }), "Pulumi.any.yaml", project);

        expect(file.config).toEqual(config);
        expect(file.secretKeys).toEqual([]);
      }),
    );
  });
});

describe("readStackSet", () => {
  it("reads every stack file it can and reports the others", () => {
    const texts: Record<string, string> = {
      "Pulumi.yaml": "name: signalr-cross-tenant\n",
      "Pulumi.tenantA.yaml": "config:\n  signalr-cross-tenant:side: tenantA\n",
    };
    const read = (name: string) => {
      const text = texts[name];
      if (text === undefined) throw new StackFileError(`${name}: not found.`);
      return text;
    };

    const set = readStackSet(["missing", "tenantA"], read, (name) => `main:${name}`);

    expect(set.files.map((file) => [file.stack, file.source])).toEqual([
      ["tenantA", "main:Pulumi.tenantA.yaml"],
    ]);
    expect(set.problems).toEqual([
      {
        stack: "missing",
        source: "main:Pulumi.missing.yaml",
        message: "Pulumi.missing.yaml: not found.",
      },
    ]);
  });
});

describe("readStackDir", () => {
  it("reads the project and the stack files of a directory", () => {
    const set = readStackDir(join(fixtures, "linked"));

    expect(set.problems).toEqual([]);
    expect(set.files.map((file) => file.stack)).toEqual(["partner", "tenantA", "tenantB"]);
    expect(set.files[2].config).toEqual({
      "signalr-cross-tenant:cloud": "public",
      "signalr-cross-tenant:protect": "true",
      "signalr-cross-tenant:side": "tenantB",
      "signalr-cross-tenant:tenantId": "33333333-3333-3333-3333-333333333333",
      "signalr-cross-tenant:applicationStack": "contoso/signalr-cross-tenant/tenantA",
      "signalr-cross-tenant:assignments":
        '[{"role":"SignalR App Server",' +
        '"scope":"/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/chat"}]',
    });
  });

  it("stops when the directory has no project file", () => {
    expect(() => readStackDir(fixtures)).toThrow(
      new StackFileError(`Pulumi.yaml: cannot be read (not found) in ${fixtures}.`),
    );
  });
});
