// Rebalancing: the rebalancer's state, the current plan (a dry run, which evicts
// nothing), a run button (asks first: a round evicts pods) and the history of rounds
// with per-node utilisation before and after.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { TableHead } from "../components/TableHead";
import { UtilisationBars } from "../components/UtilisationBars";
import { formatAgo } from "../format";
import type { RebalanceReport, RebalanceReportSummary, RebalanceStatus } from "../types";
import { usePolling } from "../usePolling";

const FOLLOW_INTERVAL_MS = 1000;

type Rebalancer =
  | { kind: "absent"; message: string } // the head runs without Kubernetes (409)
  | { kind: "present"; status: RebalanceStatus; reports: RebalanceReportSummary[] };

async function fetchRebalancer(): Promise<Rebalancer> {
  try {
    const [status, list] = await Promise.all([
      api<RebalanceStatus>("GET", "/api/v1/rebalance"),
      api<{ reports: RebalanceReportSummary[] }>("GET", "/api/v1/rebalance/reports?limit=20"),
    ]);
    return { kind: "present", status, reports: list.reports };
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) return { kind: "absent", message: e.message };
    throw e;
  }
}

const spread = (v: number) => `${Math.round(v)} pp`;
const sleep = (ms: number) => new Promise((resolve) => window.setTimeout(resolve, ms));

export function RebalancePage() {
  const { data, error, refresh } = usePolling(fetchRebalancer);
  const [plan, setPlan] = useState<RebalanceReport | null>(null);
  const [shown, setShown] = useState<RebalanceReport | null>(null);
  const [busy, setBusy] = useState<"" | "planning" | "running">("");
  const [problem, setProblem] = useState("");

  const planRound = async () => {
    setBusy("planning");
    setProblem("");
    try {
      setPlan(await api<RebalanceReport>("POST", "/api/v1/rebalance", { dry_run: true }));
      refresh();
    } catch (e) {
      setProblem(`Planning a round failed: ${errorText(e)}`);
    } finally {
      setBusy("");
    }
  };

  // Asks first: a round evicts pods (PodDisruptionBudgets are respected).
  const runRound = async () => {
    const sure = window.confirm(
      "Run a rebalancing round now? It evicts pods from crowded nodes so Kubernetes schedules them elsewhere; PodDisruptionBudgets are respected.",
    );
    if (!sure) return;
    setBusy("running");
    setProblem("");
    setPlan(null); // planned against the cluster as it was before this round
    try {
      const started = await api<{ id: number }>("POST", "/api/v1/rebalance", {});
      refresh();
      let report = await api<RebalanceReport>("GET", `/api/v1/rebalance/reports/${started.id}`);
      setShown(report);
      while (report.outcome === "running") {
        await sleep(FOLLOW_INTERVAL_MS);
        report = await api<RebalanceReport>("GET", `/api/v1/rebalance/reports/${started.id}`);
        setShown(report);
      }
      refresh();
    } catch (e) {
      setProblem(`Running a round failed: ${errorText(e)}`);
    } finally {
      setBusy("");
    }
  };

  const showReport = async (id: number) => {
    setProblem("");
    try {
      setShown(await api<RebalanceReport>("GET", `/api/v1/rebalance/reports/${id}`));
    } catch (e) {
      setProblem(`Reading report ${id} failed: ${errorText(e)}`);
    }
  };

  useEffect(() => {
    document.getElementById("shown-report")?.scrollIntoView({ block: "nearest" });
  }, [shown?.id]);

  return (
    <>
      <h1>Rebalancing</h1>
      <ErrorNote message={error} />
      {!data && !error && <p>Loading…</p>}
      {data?.kind === "absent" && (
        <p class="notice" data-testid="rebalance-absent">
          Rebalancing needs the Kubernetes cluster: this head runs without it (floe init --no-k3s), so there are no
          pods to move. <span class="muted small">({data.message})</span>
        </p>
      )}
      {data?.kind === "present" && (
        <>
          <section aria-labelledby="state-heading">
            <h2 id="state-heading" class="visually-hidden">
              State
            </h2>
            <dl class="facts">
              <dt>Watching Kubernetes</dt>
              <dd>{data.status.connected ? "yes" : "not yet"}</dd>
              <dt>Round running</dt>
              <dd>{data.status.running_report === null ? "none" : `#${data.status.running_report}`}</dd>
              <dt>Pending automatic trigger</dt>
              <dd>{data.status.pending_trigger ?? "none"}</dd>
            </dl>
            <div class="toolbar actions-bar">
              <button type="button" onClick={planRound} disabled={busy !== ""}>
                {busy === "planning" ? "Planning…" : "Show the plan (dry run)"}
              </button>
              <button
                type="button"
                class="danger"
                onClick={runRound}
                disabled={busy !== "" || data.status.running_report !== null}
              >
                {busy === "running" ? "Running…" : "Run a round now"}
              </button>
            </div>
            <ErrorNote message={problem} />
          </section>

          {plan && (
            <section aria-labelledby="plan-heading" data-testid="plan">
              <h2 id="plan-heading">Current plan (dry run #{plan.id})</h2>
              <ReportBody report={plan} />
            </section>
          )}

          {shown && (
            <section aria-labelledby="shown-heading" id="shown-report" data-testid="shown-report">
              <h2 id="shown-heading">
                Round #{shown.id}
                {shown.dry_run ? " (dry run)" : ""}
              </h2>
              <ReportBody report={shown} />
            </section>
          )}

          <section aria-labelledby="history-heading">
            <h2 id="history-heading">History</h2>
            {data.reports.length === 0 ? (
              <p class="muted">No rounds yet.</p>
            ) : (
              <div class="table-wrap">
                <table class="history">
                  <caption class="visually-hidden">Rebalancing rounds, newest first</caption>
                  <TableHead columns={["Round", "Started", "Trigger", "Outcome", "Spread before → after", "Evictions", ""]} />
                  <tbody>
                    {data.reports.map((r) => (
                      <tr key={r.id} data-report={r.id}>
                        <th scope="row">
                          #{r.id}
                          {r.dry_run ? " (dry run)" : ""}
                        </th>
                        <td>
                          <time dateTime={r.started_at} title={r.started_at}>
                            {formatAgo(r.started_at)}
                          </time>
                        </td>
                        <td>{r.trigger}</td>
                        <td>
                          <span class="kind">{r.outcome}</span>
                          <div class="muted small">{r.message}</div>
                        </td>
                        <td>
                          {spread(r.spread_before)} → {spread(r.spread_after)}
                        </td>
                        <td>{r.evictions}</td>
                        <td class="actions">
                          <button type="button" onClick={() => showReport(r.id)} aria-label={`Show round ${r.id}`}>
                            Show
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}

// One report: outcome, spreads, the utilisation chart and the evictions.
function ReportBody({ report }: { report: RebalanceReport }) {
  const before = report.detail.before;
  const after = report.dry_run ? report.detail.predicted ?? report.detail.after : report.detail.after;
  const evictions = report.detail.evictions ?? [];
  const afterLabel = report.dry_run ? "predicted" : "after";
  return (
    <>
      <p>
        <span class="kind" data-testid="outcome">
          {report.outcome}
        </span>
        : {report.message} · spread {spread(report.spread_before)} → {spread(report.spread_after)} ·{" "}
        {report.dry_run ? "would evict" : "evicted"} {report.evictions} pod{report.evictions === 1 ? "" : "s"}
      </p>
      {before && after && before.nodes.length > 0 ? (
        <UtilisationBars
          before={before}
          after={after}
          afterLabel={afterLabel}
          caption={`Per-node utilisation (requests of scheduled pods) before and ${afterLabel}, round #${report.id}`}
        />
      ) : (
        <p class="muted">No per-node measurement in this report.</p>
      )}
      {evictions.length > 0 && (
        <div class="table-wrap spaced">
          <table class="evictions">
            <caption>{report.dry_run ? "Pods the round would evict" : "Evictions"}</caption>
            <TableHead columns={["Pod", "From", "Expected on", report.dry_run ? "" : "Result"].filter(Boolean)} />
            <tbody>
              {evictions.map((e) => (
                <tr key={`${e.namespace}/${e.pod}`}>
                  <th scope="row">
                    {e.namespace}/{e.pod}
                  </th>
                  <td>{e.from_node}</td>
                  <td>{e.expected_node ?? ""}</td>
                  {!report.dry_run && <td>{e.result ?? ""}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
