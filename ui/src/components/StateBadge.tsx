// A state as text with a colour (never colour alone). `variant` picks the colour when the
// state's own name has none (a stack component's "progressing" looks like "pending").
export function StateBadge({ state, variant }: { state: string; variant?: string }) {
  return <span class={`badge badge-${variant ?? state}`}>{state}</span>;
}
