import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { TableHead } from "../components/TableHead";
import type { AuditEvent } from "../types";
import { usePolling } from "../usePolling";

// Filters the head applies (kind, node, limit) plus a free-text filter over what is shown.
export function EventsPage() {
  const params = new URLSearchParams(window.location.search);
  const [kind, setKind] = useState(params.get("kind") ?? "");
  const [node, setNode] = useState(params.get("node") ?? "");
  const [limit, setLimit] = useState("100");
  const [search, setSearch] = useState("");
  const query = new URLSearchParams({ limit });
  if (kind.trim()) query.set("kind", kind.trim());
  if (node.trim()) query.set("node", node.trim());
  const { data, error } = usePolling(
    () => api<{ events: AuditEvent[] }>("GET", `/api/v1/events?${query.toString()}`).then((r) => r.events),
    [query.toString()],
  );
  const needle = search.trim().toLowerCase();
  const events = (data ?? []).filter(
    (e) => !needle || `${e.kind} ${e.actor} ${e.message} ${e.node_id ?? ""} ${e.token_id ?? ""}`.toLowerCase().includes(needle),
  );
  const kinds = Array.from(new Set((data ?? []).map((e) => e.kind))).sort();

  return (
    <>
      <h1>Events</h1>
      <form class="toolbar" role="search" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <label>
          Kind{" "}
          <input
            name="kind"
            list="event-kinds"
            value={kind}
            placeholder="node.joined"
            onChange={(e) => setKind((e.target as HTMLInputElement).value)}
          />
          <datalist id="event-kinds">
            {kinds.map((k) => (
              <option key={k} value={k} />
            ))}
          </datalist>
        </label>
        <label>
          Node id{" "}
          <input name="node" value={node} onChange={(e) => setNode((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Show{" "}
          <select value={limit} onChange={(e) => setLimit((e.target as HTMLSelectElement).value)}>
            {["50", "100", "500", "1000"].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          Contains{" "}
          <input name="search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        </label>
      </form>
      <ErrorNote message={error} />
      <p role="status" aria-live="polite" class="muted">
        {data ? `${events.length} events` : "Loading…"}
      </p>
      <div class="table-wrap">
        <table class="events">
          <TableHead columns={["When", "Kind", "Who", "Node", "Message"]} />
          <tbody>
            {events.map((event) => (
              <tr key={event.id}>
                <td>
                  <time dateTime={event.at}>{event.at}</time>
                </td>
                <td>
                  <code>{event.kind}</code>
                </td>
                <td>{event.actor}</td>
                <td>{event.node_id ? <a href={`/nodes/${encodeURIComponent(event.node_id)}`}>{event.node_id}</a> : "–"}</td>
                <td>{event.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
