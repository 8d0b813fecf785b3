// Per-node utilisation before and after a rebalancing round as horizontal bar pairs,
// with the same figures in a table (the bars are hidden from screen readers, which
// read the table). HTML bars rather than a canvas: each bar carries its figure as text.
import { TableHead } from "./TableHead";
import type { NodeUtilisation, UtilisationSnapshot } from "../types";

type Resource = "cpu_percent" | "memory_percent";
const RESOURCES: { key: Resource; name: string }[] = [
  { key: "cpu_percent", name: "CPU" },
  { key: "memory_percent", name: "Memory" },
];

interface Props {
  before: UtilisationSnapshot;
  after: UtilisationSnapshot;
  afterLabel: string; // "after" or "predicted" (a dry run)
  caption: string;
}

const percent = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${Math.round(v)}%`);

function Bar({ value, kind }: { value: number; kind: string }) {
  const width = Math.max(0, Math.min(100, value));
  return (
    <div class="ubar-track">
      <div class={`ubar ubar-${kind}`} style={{ width: `${width}%` }} />
      <span class="ubar-figure">{percent(value)}</span>
    </div>
  );
}

export function UtilisationBars({ before, after, afterLabel, caption }: Props) {
  const afterByNode = new Map<string, NodeUtilisation>(after.nodes.map((n) => [n.node, n]));
  const names = [...new Set([...before.nodes.map((n) => n.node), ...after.nodes.map((n) => n.node)])].sort();
  const beforeByNode = new Map<string, NodeUtilisation>(before.nodes.map((n) => [n.node, n]));
  return (
    <figure class="chart ubars">
      <figcaption>{caption}</figcaption>
      <div aria-hidden="true" class="ubar-grid">
        <div class="ubar-legend">
          <span class="ubar-key ubar-before" /> before <span class="ubar-key ubar-after" /> {afterLabel}
        </div>
        {names.map((name) => (
          <div class="ubar-node" key={name}>
            <div class="ubar-name">{name}</div>
            {RESOURCES.map((r) => (
              <div class="ubar-resource" key={r.key}>
                <span class="ubar-label">{r.name}</span>
                <div class="ubar-pair">
                  <Bar value={beforeByNode.get(name)?.[r.key] ?? 0} kind="before" />
                  <Bar value={afterByNode.get(name)?.[r.key] ?? 0} kind="after" />
                </div>
              </div>
            ))}
          </div>
        ))}
      </div>
      <details class="ubar-table">
        <summary>As a table</summary>
        <table>
          <caption class="visually-hidden">{caption}</caption>
          <TableHead
            columns={["Node", "CPU before", `CPU ${afterLabel}`, "Memory before", `Memory ${afterLabel}`, "Pods before", `Pods ${afterLabel}`]}
          />
          <tbody>
            {names.map((name) => {
              const b = beforeByNode.get(name);
              const a = afterByNode.get(name);
              return (
                <tr key={name} data-node={name}>
                  <th scope="row">{name}</th>
                  <td>{percent(b?.cpu_percent)}</td>
                  <td>{percent(a?.cpu_percent)}</td>
                  <td>{percent(b?.memory_percent)}</td>
                  <td>{percent(a?.memory_percent)}</td>
                  <td>{b?.pods ?? "–"}</td>
                  <td>{a?.pods ?? "–"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
