import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { api, errorText } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { StateBadge } from "../components/StateBadge";
import { TableHead } from "../components/TableHead";
import { formatAgo, formatBytes, kubernetesText } from "../format";
import { approveNode, removeNode } from "../nodeActions";
import { navigate } from "../router";
import type { NodeDetail } from "../types";
import { usePolling } from "../usePolling";

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json => (value && typeof value === "object" ? (value as Json) : {});
const asArray = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const text = (value: unknown): string => (value === undefined || value === null || value === "" ? "–" : String(value));

function Facts({ entries }: { entries: Array<[string, unknown]> }) {
  return (
    <dl class="facts">
      {entries.map(([name, value]) => (
        <Fragment key={name}>
          <dt>{name}</dt>
          <dd>{text(value)}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

function Inventory({ inventory }: { inventory: Json }) {
  const host = asObject(inventory.host);
  const cpu = asObject(inventory.cpu);
  const memory = asObject(inventory.memory);
  const disks = asArray(inventory.disks);
  const gpus = asArray(inventory.gpus);
  const network = asObject(inventory.network);
  const interfaces = asArray(network.interfaces);
  return (
    <>
      <h3>Host</h3>
      <Facts
        entries={[
          ["Hostname", host.hostname],
          ["OS", host.os_pretty_name],
          ["Kernel", host.kernel_release],
          ["Architecture", host.architecture],
          ["Vendor / product", `${text(host.dmi_vendor)} ${text(host.dmi_product)}`],
          ["Virtualisation", host.virtualization],
        ]}
      />
      <h3>CPU and memory</h3>
      <Facts
        entries={[
          ["Model", cpu.model],
          ["Sockets / cores / threads", `${text(cpu.sockets)} / ${text(cpu.cores)} / ${text(cpu.threads)}`],
          ["NUMA nodes", asArray(cpu.numa_nodes).length],
          ["Flags", asArray(cpu.flags).join(" ")],
          ["Memory", formatBytes(Number(memory.total_bytes))],
          ["Swap", formatBytes(Number(memory.swap_total_bytes))],
        ]}
      />
      <h3>Disks</h3>
      <div class="table-wrap">
        <table>
          <TableHead columns={["Name", "Size", "Transport", "Model", "Rotational", "Free data disk"]} />
          <tbody>
            {disks.map((disk) => (
              <tr key={String(disk.name)}>
                <th scope="row">{text(disk.name)}</th>
                <td>{formatBytes(Number(disk.size_bytes))}</td>
                <td>{text(disk.transport)}</td>
                <td>{text(disk.model)}</td>
                <td>{disk.rotational ? "yes" : "no"}</td>
                <td>{disk.looks_like_free_data_disk ? "yes" : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>GPUs and display controllers</h3>
      <p class="help">Only NVIDIA and AMD devices count as GPUs (floe.io/gpu-count); BMC graphics do not.</p>
      {gpus.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {gpus.map((gpu, i) => (
            <li key={i}>
              {text(gpu.vendor_name)} {text(gpu.device_name)} <span class="muted">({text(gpu.pci_address)})</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Network</h3>
      <div class="table-wrap">
        <table>
          <TableHead columns={["Interface", "Kind", "State", "Speed", "Addresses", "MAC"]} />
          <tbody>
            {interfaces.map((nic) => (
              <tr key={String(nic.name)}>
                <th scope="row">{text(nic.name)}</th>
                <td>
                  {text(nic.kind)}
                  {asArray(nic.bond_members).length > 0 && ` (${asArray(nic.bond_members).map(String).join(", ")})`}
                </td>
                <td>{text(nic.oper_state)}</td>
                <td>{nic.speed_mbps ? `${String(nic.speed_mbps)} Mb/s` : "–"}</td>
                <td>{[...asArray(nic.ipv4), ...asArray(nic.ipv6)].map(String).join(", ") || "–"}</td>
                <td>
                  <code>{text(nic.mac)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details>
        <summary>The whole inventory as JSON</summary>
        <pre class="json">{JSON.stringify(inventory, null, 2)}</pre>
      </details>
    </>
  );
}

export function NodeDetailPage({ id }: { id: string }) {
  const [actionError, setActionError] = useState("");
  const { data: node, error, refresh } = usePolling(
    () => api<NodeDetail>("GET", `/api/v1/nodes/${encodeURIComponent(id)}`),
    [id],
  );

  const approve = async () => {
    if (!node) return;
    setActionError("");
    try {
      await approveNode(node);
      refresh();
    } catch (e) {
      setActionError(errorText(e));
    }
  };
  const remove = async () => {
    if (!node) return;
    setActionError("");
    try {
      if (await removeNode(node)) navigate("/nodes");
    } catch (e) {
      setActionError(errorText(e));
    }
  };

  if (!node) {
    return (
      <>
        <h1>Node {id}</h1>
        <ErrorNote message={error} />
        {!error && <p>Loading…</p>}
        <a href="/nodes">Back to nodes</a>
      </>
    );
  }
  const load = node.load ?? {};
  return (
    <>
      <div class="page-head">
        <h1>
          {node.name} <StateBadge state={node.state} />
        </h1>
        <div class="actions">
          {node.state === "pending" && (
            <button type="button" onClick={approve}>
              Approve
            </button>
          )}
          <button type="button" class="danger" onClick={remove}>
            Remove
          </button>
        </div>
      </div>
      <ErrorNote message={error} />
      <ErrorNote message={actionError} />
      <Facts
        entries={[
          ["Node id", node.id],
          ["Address", node.address],
          ["Kubernetes", kubernetesText(node)],
          ["Last heartbeat", `${formatAgo(node.last_seen_at)} (${text(node.last_seen_at)})`],
          ["Joined", node.joined_at],
          ["Join token", node.token_id],
          ["Certificate expires", node.cert_expires_at],
          ["Load (1/5/15 min)", `${text(load.load1)} / ${text(load.load5)} / ${text(load.load15)}`],
          ["Memory used", formatBytes(load.memory_used_bytes)],
          ["k3s agent", node.k3s ? text(asObject(node.k3s).state) : "–"],
        ]}
      />
      <h2>Labels</h2>
      {Object.keys(node.labels).length === 0 ? (
        <p>None.</p>
      ) : (
        <ul class="labels">
          {Object.entries(node.labels).map(([k, v]) => (
            <li key={k}>
              <code>
                {k}={v}
              </code>
            </li>
          ))}
        </ul>
      )}
      <h2>Preflight checks</h2>
      {node.preflight.length === 0 ? (
        <p>The agent sent no preflight results.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <TableHead columns={["Check", "Result", "Observed", "Fix"]} />
            <tbody>
              {node.preflight.map((check) => (
                <tr key={check.id}>
                  <th scope="row">{check.id}</th>
                  <td>
                    <span class={`badge badge-${check.result}`}>{check.result}</span>
                  </td>
                  <td>{check.observed}</td>
                  <td>{check.hint || "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Hardware inventory</h2>
      {node.inventory ? <Inventory inventory={node.inventory} /> : <p>The agent has not sent an inventory yet.</p>}
    </>
  );
}
