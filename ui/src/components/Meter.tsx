// Used vs free of one resource, as a bar with the figures in text beside it.
interface MeterProps {
  label: string;
  used: number | null; // null: not measured
  total: number;
  format: (value: number) => string;
  note?: string;
}

export function Meter({ label, used, total, format, note }: MeterProps) {
  const fraction = used === null || total <= 0 ? 0 : Math.min(1, used / total);
  const percent = Math.round(fraction * 100);
  return (
    <div class="meter">
      <div class="meter-head">
        <span class="meter-label">{label}</span>
        <span class="meter-figures">
          {used === null
            ? `${format(total)} total`
            : `${format(used)} used · ${format(Math.max(0, total - used))} free of ${format(total)}`}
        </span>
      </div>
      {used !== null && (
        <div
          class="meter-bar"
          role="meter"
          aria-label={`${label} used`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={`${percent}% used`}
        >
          <div class="meter-fill" style={{ width: `${percent}%` }} />
        </div>
      )}
      {note && <p class="meter-note">{note}</p>}
    </div>
  );
}
