// Approve and remove, shared by the nodes table and the node page.
import { api } from "./api";
import type { NodeSummary } from "./types";

export function approveNode(node: NodeSummary): Promise<unknown> {
  return api("POST", `/api/v1/nodes/${encodeURIComponent(node.id)}/approve`);
}

// Asks first: a removed node's certificate stops working and it must join again.
export async function removeNode(node: NodeSummary): Promise<boolean> {
  const sure = window.confirm(
    `Remove ${node.name}? Its certificate stops working, its Kubernetes Node is deleted, and it must join again.`,
  );
  if (!sure) return false;
  await api("DELETE", `/api/v1/nodes/${encodeURIComponent(node.id)}`);
  return true;
}
