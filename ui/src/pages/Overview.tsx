import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { clusterCapacity } from "../capacity";
import { ErrorNote } from "../components/ErrorNote";
import { Meter } from "../components/Meter";
import { StackHealth } from "../components/StackHealth";
import { UtilisationChart, type UtilisationSample } from "../components/UtilisationChart";
import { formatAgo, formatBytes, formatDuration } from "../format";
import type { AuditEvent, HeadStatus, NodeSummary } from "../types";
import { usePolling } from "../usePolling";

const MAX_SAMPLES = 300; // 10 minutes at one sample every 2 s

interface OverviewData {
  status: HeadStatus;
  nodes: NodeSummary[];
  events: AuditEvent[];
}

async function fetchOverview(): Promise<OverviewData> {
  const [status, nodes, events] = await Promise.all([
    api<HeadStatus>("GET", "/api/v1/status"),
    api<{ nodes: NodeSummary[] }>("GET", "/api/v1/nodes?hardware=1"),
    api<{ events: AuditEvent[] }>("GET", "/api/v1/events?limit=8"),
  ]);
  return { status, nodes: nodes.nodes, events: events.events };
}

const count = (n: number) => String(Math.round(n * 10) / 10);

export function OverviewPage() {
  const { data, error } = usePolling(fetchOverview);
  const [samples, setSamples] = useState<UtilisationSample[]>([]);
  const capacity = data ? clusterCapacity(data.nodes) : undefined;

  useEffect(() => {
    if (!capacity || capacity.nodes === 0) return;
    const sample: UtilisationSample = {
      at: Date.now() / 1000,
      cpuPercent: capacity.threads ? (100 * capacity.cpuLoad) / capacity.threads : 0,
      memoryPercent: capacity.memoryBytes ? (100 * capacity.memoryUsedBytes) / capacity.memoryBytes : 0,
    };
    setSamples((old) => [...old.slice(-(MAX_SAMPLES - 1)), sample]);
  }, [data]);

  return (
    <>
      <h1>Overview</h1>
      <ErrorNote message={error} />
      {!data && !error && <p>Loading…</p>}
      {data && capacity && (
        <>
          <section aria-labelledby="nodes-heading" class="cards">
            <h2 id="nodes-heading" class="visually-hidden">
              Nodes by state
            </h2>
            {[
              { href: "/nodes?state=ready", id: "count-ready", figure: data.status.nodes.ready, text: "ready" },
              { href: "/nodes?state=pending", id: "count-pending", figure: data.status.nodes.pending, text: "pending approval" },
              { href: "/nodes?state=lost", id: "count-lost", figure: data.status.nodes.lost, text: "lost" },
              { href: "/add-node", id: "count-tokens", figure: data.status.tokens.active, text: "active join tokens" },
            ].map((card) => (
              <a class="card" href={card.href} key={card.id}>
                <span class="card-figure" data-testid={card.id}>
                  {card.figure}
                </span>
                <span>{card.text}</span>
              </a>
            ))}
          </section>

          <section aria-labelledby="capacity-heading">
            <h2 id="capacity-heading">
              Capacity of the {capacity.nodes} ready node{capacity.nodes === 1 ? "" : "s"}
            </h2>
            <div class="meters">
              <Meter
                label={`CPU (${capacity.cores} cores, ${capacity.threads} threads)`}
                used={capacity.cpuLoad}
                total={capacity.threads}
                format={(v) => `${count(v)} threads`}
                note="Used: the nodes' 1-minute load averages."
              />
              <Meter label="Memory" used={capacity.memoryUsedBytes} total={capacity.memoryBytes} format={formatBytes} />
              <Meter
                label="GPUs"
                used={null}
                total={capacity.gpus}
                format={(v) => String(v)}
                note="Allocation is shown once the lakehouse stack schedules GPU work."
              />
              <Meter
                label={`Disks (${capacity.dataDisks} free data disk${capacity.dataDisks === 1 ? "" : "s"})`}
                used={capacity.diskBytes - capacity.freeDataDiskBytes}
                total={capacity.diskBytes}
                format={formatBytes}
                note="Free: whole disks with no partitions, mounts or holders, ready for the object store."
              />
            </div>
            <UtilisationChart samples={samples} />
          </section>

          {data.status.stack && <StackHealth stack={data.status.stack} />}

          <section aria-labelledby="head-heading">
            <h2 id="head-heading">Head</h2>
            <dl class="facts">
              <dt>Version</dt>
              <dd>{data.status.version}</dd>
              <dt>Up for</dt>
              <dd>{formatDuration(data.status.uptime_seconds)}</dd>
              <dt>Workers join at</dt>
              <dd>
                <code>{data.status.server_url}</code>
              </dd>
              <dt>CA SHA-256</dt>
              <dd>
                <code class="wrap">{data.status.ca_sha256}</code>
              </dd>
              <dt>Kubernetes (k3s server)</dt>
              <dd>
                {data.status.kubernetes.state}
                {data.status.kubernetes.reason ? `: ${data.status.kubernetes.reason}` : ""}
              </dd>
            </dl>
          </section>

          <section aria-labelledby="events-heading">
            <h2 id="events-heading">Recent events</h2>
            <ul class="event-list">
              {data.events.map((event) => (
                <li key={event.id}>
                  <time dateTime={event.at} title={event.at}>
                    {formatAgo(event.at)}
                  </time>{" "}
                  <span class="kind">{event.kind}</span> {event.message}
                </li>
              ))}
            </ul>
            <a href="/events">All events</a>
          </section>
        </>
      )}
    </>
  );
}
