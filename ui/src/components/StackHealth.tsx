// The overview's summary of the lakehouse stack: component states counted, with a link
// to the stack page.
import { countStates, stackAbsentReason, stackStateBadge } from "../stack";
import type { Stack } from "../types";
import { StateBadge } from "./StateBadge";

export function StackHealth({ stack }: { stack: Stack }) {
  const absent = stackAbsentReason(stack);
  const counts = countStates(stack.components);
  const ready = counts.find((c) => c.state === "ready")?.count ?? 0;
  return (
    <section aria-labelledby="stack-heading">
      <h2 id="stack-heading">Lakehouse stack</h2>
      <div class="meter" data-testid="stack-health">
        {absent ? (
          <p class="meter-note">{absent}</p>
        ) : stack.components.length === 0 ? (
          <p class="meter-note">No component deployed yet.</p>
        ) : (
          <>
            <p>
              {ready} of {stack.components.length} components ready
            </p>
            <ul class="labels" aria-label="Components by state">
              {counts.map((c) => (
                <li key={c.state}>
                  {c.count} <StateBadge state={c.state} variant={stackStateBadge(c.state)} />
                </li>
              ))}
            </ul>
          </>
        )}
        <a href="/stack">The stack's components and endpoints</a>
      </div>
    </section>
  );
}
