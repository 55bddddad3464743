/**
 * The depth of a deployment's dependency graph: the longest chain of custom resources in which
 * each one waits for the one before it. Pulumi starts every resource as soon as what it waits for
 * exists, so this depth, not the number of resources, is how many rounds of Azure calls a
 * deployment needs.
 * Pure: works on the plain records that tools/evaluate.ts returns.
 *
 * Only custom resources count, because only they cost a call to Azure or Entra. A provider is
 * configured locally, and a component only groups its children: neither adds a round, though both
 * pass on what they wait for.
 */

export interface GraphResource {
  /** Pulumi type token, e.g. `azuread:index/application:Application`. */
  readonly type: string;
  readonly name: string;
  /** Name of the parent resource; absent for children of the stack. */
  readonly parent?: string;
  /** Names of the resources whose outputs this one's inputs use. */
  readonly dependsOn: readonly string[];
}

export type ResourceKind = "custom" | "component" | "pulumi";

/** This project's component type tokens all start with its package name. */
const componentPackage = "signalr-cross-tenant";

/** Providers and Pulumi's own resources (`pulumi:...`) make no cloud call, nor do components. */
export function resourceKind(type: string): ResourceKind {
  if (type.startsWith("pulumi:")) return "pulumi";
  if (type.startsWith(`${componentPackage}:`)) return "component";
  return "custom";
}

/**
 * The longest chain of custom resources, given the resources in registration order (as
 * `evaluateStack` lists them). A resource waits for the resources its inputs use and for a parent
 * that is not a component (the engine hands out the parent's URN once it exists); waiting for a
 * component means waiting for everything under it. 0 for a graph without custom resources.
 *
 * Resources are named by name alone, and a component and its main child often share one, so a name
 * means the latest resource of that name registered before: for a parent, a component if there is
 * one (components are what parent resources here); for a dependency, one that is not an ancestor.
 */
export function graphDepth(resources: readonly GraphResource[]): number {
  const parentOf = resources.map((resource, index) =>
    resource.parent === undefined
      ? undefined
      : resolve(resources, index, resource.parent, new Set(), "parent"),
  );
  const children = new Map<number, number[]>();
  parentOf.forEach((parent, index) => {
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), index]);
  });

  const waitsFor = resources.map((resource, index) => {
    const ancestors = new Set<number>();
    for (let at = parentOf[index]; at !== undefined && !ancestors.has(at); at = parentOf[at]) {
      ancestors.add(at);
    }
    const found = resource.dependsOn.map((name) =>
      resolve(resources, index, name, ancestors, "dependency"),
    );
    const parent = parentOf[index];
    if (parent !== undefined && resourceKind(resources[parent].type) !== "component") {
      found.push(parent);
    }
    return found;
  });

  // Rounds of calls that have run once a resource exists (for a component: once all under it do).
  const rounds = new Map<number, number>();
  const visiting = new Set<number>();
  const roundsUntilDone = (index: number): number => {
    const known = rounds.get(index);
    if (known !== undefined) return known;
    if (visiting.has(index)) {
      throw new Error(
        `The dependency graph has a cycle through ${describe(resources[index])}; ` +
          "a deployment could never start it.",
      );
    }
    visiting.add(index);
    const start = Math.max(0, ...waitsFor[index].map(roundsUntilDone));
    const kind = resourceKind(resources[index].type);
    const done =
      kind === "component"
        ? Math.max(start, ...(children.get(index) ?? []).map(roundsUntilDone))
        : start + (kind === "custom" ? 1 : 0);
    visiting.delete(index);
    rounds.set(index, done);
    return done;
  };

  return Math.max(0, ...resources.map((_, index) => roundsUntilDone(index)));
}

function resolve(
  resources: readonly GraphResource[],
  index: number,
  name: string,
  skip: ReadonlySet<number>,
  role: "parent" | "dependency",
): number {
  const candidates: number[] = [];
  for (let at = index - 1; at >= 0; at--) {
    if (resources[at].name === name && !skip.has(at)) candidates.push(at);
  }
  const preferred =
    role === "parent"
      ? candidates.find((at) => resourceKind(resources[at].type) === "component")
      : undefined;
  if (preferred !== undefined) return preferred;
  if (candidates.length > 0) return candidates[0];
  throw new Error(
    `${describe(resources[index])} names ${name} as a ${role}, but no resource of that name is ` +
      "registered before it; list resources in registration order.",
  );
}

function describe(resource: GraphResource): string {
  return `${resource.type} ${resource.name}`;
}
