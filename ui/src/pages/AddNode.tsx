import { useState } from "preact/hooks";
import { api, errorText } from "../api";
import { CopyButton } from "../components/CopyButton";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";
import { TableHead } from "../components/TableHead";
import { parseDurationSeconds, parseLabels } from "../durations";
import { formatBytes } from "../format";
import type { CreatedToken, Token } from "../types";
import { usePolling } from "../usePolling";

function TokenForm({ onCreated }: { onCreated: (created: CreatedToken) => void }) {
  const [ttl, setTtl] = useState("24h");
  const [uses, setUses] = useState("");
  const [labels, setLabels] = useState("");
  const [pending, setPending] = useState(false);
  const [description, setDescription] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError("");
    const ttlSeconds = parseDurationSeconds(ttl);
    if (ttlSeconds === null) {
      setError("Lifetime must be a number with s, m, h or d, e.g. 24h");
      return;
    }
    const body: Record<string, unknown> = { ttl_seconds: ttlSeconds, pending };
    if (uses.trim()) {
      const maxUses = Number(uses);
      if (!Number.isInteger(maxUses) || maxUses < 1) {
        setError("Uses must be a whole number of at least 1, or empty for unlimited");
        return;
      }
      body.max_uses = maxUses;
    }
    try {
      body.labels = parseLabels(labels);
    } catch (e) {
      setError(errorText(e));
      return;
    }
    if (description.trim()) body.description = description.trim();
    setBusy(true);
    try {
      onCreated(await api<CreatedToken>("POST", "/api/v1/tokens", body));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} class="form" aria-labelledby="token-form-heading">
      <h2 id="token-form-heading">1. Create a join token</h2>
      <Field id="ttl" label="Lifetime" value={ttl} onValue={setTtl} help="How long the token can be used: 30m, 24h, 7d." />
      <Field
        id="uses"
        label="Uses"
        inputMode="numeric"
        value={uses}
        onValue={setUses}
        help="How many nodes may join with it; empty for unlimited."
      />
      <label for="labels">Labels</label>
      <textarea
        id="labels"
        name="labels"
        rows={2}
        value={labels}
        onInput={(e) => setLabels((e.target as HTMLTextAreaElement).value)}
        aria-describedby="labels-help"
      />
      <p id="labels-help" class="help">KEY=VALUE, one per line: given to every node that joins with this token.</p>
      <Field id="description" label="Description" value={description} onValue={setDescription} />
      <div class="checkbox">
        <input
          id="pending"
          name="pending"
          type="checkbox"
          checked={pending}
          onChange={(e) => setPending((e.target as HTMLInputElement).checked)}
        />
        <label for="pending">Nodes wait for my approval before they get work</label>
      </div>
      <ErrorNote message={error} />
      <button type="submit" disabled={busy}>
        {busy ? "Creating…" : "Create token"}
      </button>
    </form>
  );
}

function JoinInstructions({ created }: { created: CreatedToken }) {
  return (
    <section aria-labelledby="join-heading" class="join">
      <h2 id="join-heading">2. Run this on the worker</h2>
      <p>
        Token <strong>{created.token.id}</strong> expires {created.token.expires_at}
        {created.token.max_uses ? `, ${created.token.max_uses} uses` : ", unlimited uses"}
        {created.token.pending ? "; nodes wait for approval" : "; nodes are approved automatically"}. The command holds
        the token's secret, which is shown only this once.
      </p>
      <div class="command">
        <pre id="join-command" data-testid="join-command">{created.join_command}</pre>
        <CopyButton text={created.join_command} label="Copy the join command" />
      </div>
      <h3>Where the worker gets floe-agent</h3>
      <p>
        The worker needs the <code>floe-agent</code> package first.{" "}
        {created.agent_packages.length === 0
          ? "This head offers none yet:"
          : "This head offers these; each download command below runs only if the head's CA matches the pin in the token:"}
      </p>
      {created.agent_packages.length > 0 && (
        <ul>
          {created.agent_packages.map((p) => (
            <li key={p.name}>
              <a href={`/downloads/${encodeURIComponent(p.name)}`}>{p.name}</a> ({formatBytes(p.size_bytes)}, SHA-256{" "}
              <code class="wrap">{p.sha256}</code>)
            </li>
          ))}
        </ul>
      )}
      <div class="command">
        <pre data-testid="download-instructions">{created.agent_download_instructions}</pre>
        {created.agent_packages.length > 0 && (
          <CopyButton text={created.agent_download_instructions} label="Copy the download commands" />
        )}
      </div>
      <p>
        The new node appears on the <a href="/nodes">nodes page</a> as soon as it joins.
      </p>
    </section>
  );
}

// `generation` changes when a token was created here, so the table shows it at once.
function TokenTable({ generation }: { generation: number }) {
  const [error, setError] = useState("");
  const { data, refresh } = usePolling(
    () => api<{ tokens: Token[] }>("GET", "/api/v1/tokens").then((r) => r.tokens),
    [generation],
  );
  const active = (data ?? []).filter((t) => t.state === "active");
  const revoke = async (token: Token) => {
    if (!window.confirm(`Revoke token ${token.id}? Nodes can no longer join with it; joined nodes stay.`)) return;
    try {
      await api("DELETE", `/api/v1/tokens/${encodeURIComponent(token.id)}`);
      refresh();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Active tokens</h2>
      <ErrorNote message={error} />
      {active.length === 0 ? (
        <p>None.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <TableHead columns={["Id", "Expires", "Uses", "Approval", "Labels", "Description", ""]} />
            <tbody>
              {active.map((t) => (
                <tr key={t.id}>
                  <th scope="row">{t.id}</th>
                  <td>{t.expires_at}</td>
                  <td>
                    {t.uses}/{t.max_uses ?? "∞"}
                  </td>
                  <td>{t.pending ? "manual" : "automatic"}</td>
                  <td>
                    {Object.entries(t.labels)
                      .map(([k, v]) => `${k}=${v}`)
                      .join(", ") || "–"}
                  </td>
                  <td>{t.description || "–"}</td>
                  <td>
                    <button type="button" class="danger" onClick={() => revoke(t)} aria-label={`Revoke token ${t.id}`}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function AddNodePage() {
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [generation, setGeneration] = useState(0);
  const onCreated = (token: CreatedToken) => {
    setCreated(token);
    setGeneration((g) => g + 1);
  };
  return (
    <>
      <h1>Add a node</h1>
      <p>
        A worker joins with one command: it checks the head's identity against the token, sends its hardware inventory
        and preflight results, and starts its Kubernetes agent.
      </p>
      <div class="two-columns">
        <TokenForm onCreated={onCreated} />
        {created ? (
          <JoinInstructions created={created} />
        ) : (
          <p class="muted">The join command appears here once the token is created.</p>
        )}
      </div>
      <TokenTable generation={generation} />
    </>
  );
}
