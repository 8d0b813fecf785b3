// Cluster capacity from the nodes' hardware summaries and last load figures. Only
// nodes that are up (ready) count towards capacity; pending and lost ones do not run work.
import type { NodeSummary } from "./types";

export interface Capacity {
  nodes: number;
  cores: number;
  threads: number;
  cpuLoad: number; // sum of 1-minute load averages: runnable threads
  memoryBytes: number;
  memoryUsedBytes: number;
  gpus: number;
  diskBytes: number;
  dataDisks: number;
  freeDataDiskBytes: number;
}

export function clusterCapacity(nodes: NodeSummary[]): Capacity {
  const total: Capacity = {
    nodes: 0,
    cores: 0,
    threads: 0,
    cpuLoad: 0,
    memoryBytes: 0,
    memoryUsedBytes: 0,
    gpus: 0,
    diskBytes: 0,
    dataDisks: 0,
    freeDataDiskBytes: 0,
  };
  for (const node of nodes) {
    const hw = node.hardware;
    if (node.state !== "ready" || !hw) continue;
    total.nodes++;
    total.cores += hw.cpu_cores;
    total.threads += hw.cpu_threads;
    total.cpuLoad += Math.min(node.load?.load1 ?? 0, hw.cpu_threads);
    total.memoryBytes += hw.memory_bytes;
    total.memoryUsedBytes += Math.min(node.load?.memory_used_bytes ?? 0, hw.memory_bytes);
    total.gpus += hw.gpu_count;
    total.diskBytes += hw.disk_bytes;
    total.dataDisks += hw.data_disks;
    total.freeDataDiskBytes += hw.free_data_disk_bytes;
  }
  return total;
}
