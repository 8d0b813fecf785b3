// The lakehouse stack: every component's state, version and in-cluster endpoint, and
// the two addresses a Spark client needs (Spark Connect, the Iceberg REST catalog).
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../api";
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

interface SparkDefaults {
  conf: string;
  submit: string;
}

// The settings do not change while the head runs: read once, not polled.
function SparkSettings() {
  const [settings, setSettings] = useState<SparkDefaults | null>(null);
  const [problem, setProblem] = useState("");
  useEffect(() => {
    api<SparkDefaults>("GET", "/api/v1/stack/spark-defaults")
      .then(setSettings)
      .catch((e) => setProblem(`Reading the Spark settings failed: ${errorText(e)}`));
  }, []);
  if (problem) return <ErrorNote message={problem} />;
  if (!settings) return null;
  return (
    <>
      <h3 id="spark-defaults-heading">spark-defaults.conf</h3>
      <div class="command">
        <pre aria-labelledby="spark-defaults-heading" data-testid="spark-defaults">
          {settings.conf}
        </pre>
        <CopyButton text={settings.conf} label="Copy the Spark settings" />
      </div>
    </>
  );
}

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
              credential references, never their values) follow; <code>floe spark-defaults</code> prints the same on
              the head (<code>--format submit</code> as <code>--conf</code> arguments).
            </p>
            <SparkSettings />
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
