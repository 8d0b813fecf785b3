import { useState } from "preact/hooks";
import { api, errorText } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { StateBadge } from "../components/StateBadge";
import { TableHead } from "../components/TableHead";
import { formatAgo, formatBytes, kubernetesText } from "../format";
import { approveNode, removeNode } from "../nodeActions";
import { navigate } from "../router";
import type { NodeState, NodeSummary } from "../types";
import { usePolling } from "../usePolling";

const STATES: Array<NodeState | ""> = ["", "ready", "pending", "lost"];

export function NodesPage() {
  const params = new URLSearchParams(window.location.search);
  const [stateFilter, setStateFilter] = useState<string>(params.get("state") ?? "");
  const [actionError, setActionError] = useState("");
  const { data, error, refresh } = usePolling(() =>
    api<{ nodes: NodeSummary[] }>("GET", "/api/v1/nodes?hardware=1").then((r) => r.nodes),
  );
  const nodes = (data ?? []).filter((n) => !stateFilter || n.state === stateFilter);

  const act = async (action: () => Promise<unknown>) => {
    setActionError("");
    try {
      await action();
      refresh();
    } catch (e) {
      setActionError(errorText(e));
    }
  };

  const changeFilter = (value: string) => {
    setStateFilter(value);
    window.history.replaceState(null, "", value ? `/nodes?state=${value}` : "/nodes");
  };

  return (
    <>
      <div class="page-head">
        <h1>Nodes</h1>
        <button type="button" onClick={() => navigate("/add-node")}>
          Add node
        </button>
      </div>
      <div class="toolbar">
        <label>
          State{" "}
          <select value={stateFilter} onChange={(e) => changeFilter((e.target as HTMLSelectElement).value)}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s || "all"}
              </option>
            ))}
          </select>
        </label>
        <span role="status" aria-live="polite" class="muted">
          {data ? `${nodes.length} of ${data.length} nodes` : ""}
        </span>
      </div>
      <ErrorNote message={error} />
      <ErrorNote message={actionError} />
      {data && data.length === 0 && (
        <p>
          No nodes yet. <a href="/add-node">Add one</a> with a join token.
        </p>
      )}
      {nodes.length > 0 && (
        <div class="table-wrap">
          <table class="nodes">
            <caption class="visually-hidden">Nodes with their hardware, state and last heartbeat</caption>
            <TableHead
              columns={["Name", "State", "Kubernetes", "CPU", "Memory", "GPUs", "Disks", "Address", "Last heartbeat", ""]}
            />
            <tbody>
              {nodes.map((node) => (
                <tr key={node.id} data-node-name={node.name}>
                  <th scope="row">
                    <a href={`/nodes/${encodeURIComponent(node.id)}`}>{node.name}</a>
                    <div class="muted small">{node.id}</div>
                  </th>
                  <td>
                    <StateBadge state={node.state} />
                  </td>
                  <td>{kubernetesText(node)}</td>
                  <td>
                    {node.hardware ? (
                      <>
                        {node.hardware.cpu_cores} cores / {node.hardware.cpu_threads} threads
                        <div class="muted small">{node.hardware.cpu_model}</div>
                      </>
                    ) : (
                      "–"
                    )}
                  </td>
                  <td>{node.hardware ? formatBytes(node.hardware.memory_bytes) : "–"}</td>
                  <td>
                    {node.hardware ? (
                      <>
                        {node.hardware.gpu_count}
                        {node.hardware.gpu_model && <div class="muted small">{node.hardware.gpu_model}</div>}
                      </>
                    ) : (
                      "–"
                    )}
                  </td>
                  <td>
                    {node.hardware ? (
                      <>
                        {node.hardware.disk_count} · {formatBytes(node.hardware.disk_bytes)}
                        <div class="muted small">{node.hardware.data_disks} free data disks</div>
                      </>
                    ) : (
                      "–"
                    )}
                  </td>
                  <td>{node.address}</td>
                  <td>
                    <time dateTime={node.last_seen_at ?? undefined} title={node.last_seen_at ?? "never"}>
                      {formatAgo(node.last_seen_at)}
                    </time>
                  </td>
                  <td class="actions">
                    {node.state === "pending" && (
                      <button type="button" onClick={() => act(() => approveNode(node))} aria-label={`Approve ${node.name}`}>
                        Approve
                      </button>
                    )}
                    <button
                      type="button"
                      class="danger"
                      onClick={() => act(() => removeNode(node))}
                      aria-label={`Remove ${node.name}`}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
