// The lakehouse stack: every component's state, version and in-cluster endpoint, and
// the two addresses a Spark client needs (Spark Connect, the Iceberg REST catalog).
import { api } from "../api";
import { CopyButton } from "../components/CopyButton";
import { ErrorNote } from "../components/ErrorNote";
import { StateBadge } from "../components/StateBadge";
import { TableHead } from "../components/TableHead";
import { formatAgo } from "../format";
import { endpointOf, stackAbsentReason, stackStateBadge } from "../stack";
import type { Stack } from "../types";
import { usePolling } from "../usePolling";

// Polaris serves the Iceberg REST catalog under this path of its service
// (appliance/lakehouse/spark_defaults.h, kDefaultCatalogUri).
const CATALOG_PATH = "/api/catalog";

export function StackPage() {
  const { data, error } = usePolling(() => api<Stack>("GET", "/api/v1/stack"));
  const absent = data ? stackAbsentReason(data) : "";
  const sparkConnect = data ? endpointOf(data.components, "spark-connect") : "";
  const polaris = data ? endpointOf(data.components, "polaris") : "";
  const catalog = polaris ? polaris + CATALOG_PATH : "";

  return (
    <>
      <h1>Lakehouse stack</h1>
      <ErrorNote message={error} />
      {!data && !error && <p>Loading…</p>}
      {data && absent && (
        <p class="notice" data-testid="stack-absent">
          {absent}
        </p>
      )}
      {data && !absent && data.components.length === 0 && (
        <p class="notice" data-testid="stack-empty">
          The deployer runs but has not recorded any component yet: the first round starts once a node is ready.
        </p>
      )}
      {data && data.components.length > 0 && (
        <>
          <section aria-labelledby="clients-heading">
            <h2 id="clients-heading">For Spark clients</h2>
            <dl class="facts">
              <dt>Spark Connect URL</dt>
              <dd data-testid="spark-connect-url">
                {sparkConnect ? <code class="wrap">{sparkConnect}</code> : <span class="muted">not deployed</span>}
              </dd>
              <dt>Iceberg REST catalog URL</dt>
              <dd data-testid="catalog-url">
                {catalog ? <code class="wrap">{catalog}</code> : <span class="muted">not deployed</span>}
              </dd>
            </dl>
            <p class="help">
              These are in-cluster addresses. The complete Spark settings (catalog, warehouse, S3 store and the
              credential references) are printed by <code>floe spark-defaults</code> on the head.
            </p>
          </section>

          <section aria-labelledby="components-heading">
            <h2 id="components-heading">Components</h2>
            <div class="table-wrap">
              <table class="stack">
                <caption class="visually-hidden">Stack components with their state, version and endpoint</caption>
                <TableHead columns={["Component", "State", "Version", "Endpoint", "Detail", "Updated"]} />
                <tbody>
                  {data.components.map((c) => (
                    <tr key={c.name} data-component={c.name}>
                      <th scope="row">{c.name}</th>
                      <td>
                        <StateBadge state={c.state} variant={stackStateBadge(c.state)} />
                      </td>
                      <td>{c.version}</td>
                      <td>
                        {c.endpoint ? (
                          <div class="endpoint">
                            <code class="wrap">{c.endpoint}</code>
                            <CopyButton text={c.endpoint} label={`Copy the ${c.name} endpoint`} />
                          </div>
                        ) : (
                          <span class="muted">none</span>
                        )}
                      </td>
                      <td class="small">{c.message}</td>
                      <td>
                        <time dateTime={c.updated_at} title={c.updated_at}>
                          {formatAgo(c.updated_at)}
                        </time>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
      {data && absent && (
        <p class="help">
          <code>floe spark-defaults</code> still prints the Spark settings a client would use against a lakehouse
          deployed with the default addresses.
        </p>
      )}
    </>
  );
}
