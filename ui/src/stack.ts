// The lakehouse stack as the console shows it: the deployer's state in words and the
// component states counted, shared by the stack page and the overview.
import type { Stack, StackComponent } from "./types";

// Why a head shows no components, or "" when it deploys the stack.
export function stackAbsentReason(stack: Stack): string {
  if (stack.deployer === "disabled (no k3s)") {
    return "This head runs without Kubernetes (floe init --no-k3s), so it deploys no lakehouse stack: there is no object store, catalog or Spark to show.";
  }
  if (stack.deployer === "disabled (--no-stack)") {
    return "This head runs Kubernetes but does not deploy the lakehouse stack (floe serve --no-stack).";
  }
  return "";
}

// The badge class of a component state: ready is good, failed/error bad, the rest on the way.
export function stackStateBadge(state: string): string {
  if (state === "ready") return "ready";
  if (state === "failed" || state === "error") return "lost";
  return "pending";
}

export function countStates(components: StackComponent[]): { state: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const c of components) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  return [...counts.entries()].map(([state, count]) => ({ state, count }));
}

// The endpoints a Spark client needs, picked out by component name.
export function endpointOf(components: StackComponent[], name: string): string {
  return components.find((c) => c.name === name)?.endpoint ?? "";
}
