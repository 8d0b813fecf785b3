// Cluster CPU load and memory use over time, sampled from the live node list while
// the page is open (the head keeps no history of load figures yet).
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface UtilisationSample {
  at: number; // unix seconds
  cpuPercent: number;
  memoryPercent: number;
}

export function UtilisationChart({ samples }: { samples: UtilisationSample[] }) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    if (!container.current) return;
    const options: uPlot.Options = {
      width: Math.max(320, container.current.clientWidth),
      height: 220,
      // Always the last 10 minutes, so a single sample does not stretch the axis over years.
      scales: { x: { time: true, range: (_u, _min, max) => [max - 600, max + 10] }, y: { range: [0, 100] } },
      axes: [{}, { label: "% of capacity", values: (_u, ticks) => ticks.map((t) => `${t}%`) }],
      series: [
        {},
        { label: "CPU load", stroke: "#1f4e79", width: 2, points: { show: true, size: 4 } },
        { label: "Memory used", stroke: "#b35c00", width: 2, dash: [6, 4], points: { show: true, size: 4 } },
      ],
    };
    plot.current = new uPlot(options, [[], [], []], container.current);
    const resize = () => {
      if (plot.current && container.current) {
        plot.current.setSize({ width: Math.max(320, container.current.clientWidth), height: 220 });
      }
    };
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData([
      samples.map((s) => s.at),
      samples.map((s) => s.cpuPercent),
      samples.map((s) => s.memoryPercent),
    ]);
  }, [samples]);

  const last = samples[samples.length - 1];
  return (
    <figure class="chart">
      <div ref={container} aria-hidden="true" />
      <figcaption>
        Cluster utilisation, sampled every 2 s while this page is open
        {last ? `: now CPU load ${last.cpuPercent.toFixed(0)}%, memory ${last.memoryPercent.toFixed(0)}% used.` : "."}
      </figcaption>
    </figure>
  );
}
