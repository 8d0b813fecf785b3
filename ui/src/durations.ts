// "90m", "24h", "7d" -> seconds, as `floe token create --ttl` reads them.
export function parseDurationSeconds(text: string): number | null {
  const match = /^\s*(\d+)\s*([smhd])\s*$/.exec(text);
  if (!match) return null;
  const value = Number(match[1]);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as "s" | "m" | "h" | "d"];
  return value > 0 ? value * unit : null;
}

// "k=v" per line or comma -> {k: v}; throws with the offending entry.
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean)) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new Error(`label '${entry}' must be KEY=VALUE`);
    labels[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return labels;
}
