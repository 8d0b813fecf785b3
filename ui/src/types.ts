// The shapes of the head's JSON answers the console reads (appliance/api/openapi.yaml).

export type NodeState = "pending" | "ready" | "lost";

export interface Hardware {
  cpu_model: string;
  cpu_cores: number;
  cpu_threads: number;
  memory_bytes: number;
  gpu_count: number;
  gpu_model: string;
  disk_count: number;
  disk_bytes: number;
  data_disks: number;
  free_data_disk_bytes: number;
}

export interface Load {
  load1?: number;
  load5?: number;
  load15?: number;
  memory_used_bytes?: number;
}

export interface KubernetesNodeStatus {
  registered?: boolean;
  ready?: string | null;
}

export interface NodeSummary {
  id: string;
  name: string;
  machine_id: string;
  state: NodeState;
  labels: Record<string, string>;
  address: string;
  joined_at: string;
  last_seen_at: string | null;
  token_id: string | null;
  cert_expires_at: string;
  status: string;
  kubernetes: KubernetesNodeStatus | null;
  hardware?: Hardware | null;
  load?: Load | null;
}

export interface PreflightResult {
  id: string;
  severity: string;
  result: string;
  observed: string;
  hint: string;
}

export interface NodeDetail extends NodeSummary {
  inventory: Record<string, unknown> | null;
  preflight: PreflightResult[];
  k3s: Record<string, unknown> | null;
}

export interface HeadStatus {
  version: string;
  started_at: string;
  uptime_seconds: number;
  server_url: string;
  ca_sha256: string;
  heartbeat_interval_seconds: number;
  nodes: { ready: number; pending: number; lost: number; total: number };
  tokens: { active: number };
  kubernetes: { state: string; reason?: string; api_url?: string; [key: string]: unknown };
  stack?: Stack;
}

export interface AuditEvent {
  id: number;
  at: string;
  kind: string;
  node_id: string | null;
  token_id: string | null;
  actor: string;
  message: string;
}

export interface Token {
  id: string;
  description: string;
  created_at: string;
  expires_at: string;
  max_uses: number | null;
  uses: number;
  labels: Record<string, string>;
  pending: boolean;
  revoked: boolean;
  state: string;
}

export interface AgentPackage {
  name: string;
  size_bytes: number;
  sha256: string;
  url: string;
}

export interface CreatedToken {
  token: Token;
  secret: string;
  join_command: string;
  ca_sha256: string;
  agent_packages: AgentPackage[];
  agent_download_instructions: string;
}

export interface ConsoleSession {
  user: string;
  csrf_token: string;
  idle_timeout_seconds: number;
}

// GET /api/v1/stack (also the `stack` section of GET /api/v1/status).
export type StackDeployer = "running" | "disabled (--no-stack)" | "disabled (no k3s)";

export interface StackComponent {
  name: string;
  state: string; // pending, progressing, ready, submitted, failed, error
  version: string;
  message: string;
  endpoint: string;
  updated_at: string;
}

export interface Stack {
  deployer: StackDeployer | string;
  components: StackComponent[];
}

// GET /api/v1/rebalance
export interface RebalanceStatus {
  connected: boolean;
  running_report: number | null;
  pending_trigger: string | null;
  policy: Record<string, unknown>;
}

export interface RebalanceReportSummary {
  id: number;
  trigger: string;
  dry_run: boolean;
  outcome: string;
  message: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  spread_before: number;
  spread_after: number;
  evictions: number;
}

export interface NodeUtilisation {
  node: string;
  cpu_percent: number;
  memory_percent: number;
  gpu_percent: number | null;
  pods: number;
}

export interface UtilisationSnapshot {
  nodes: NodeUtilisation[];
  worst_spread: number;
}

export interface PlannedEviction {
  namespace: string;
  pod: string;
  from_node: string;
  expected_node?: string;
  result?: string;
}

export interface RebalanceReport extends RebalanceReportSummary {
  detail: {
    before?: UtilisationSnapshot;
    after?: UtilisationSnapshot;
    predicted?: UtilisationSnapshot;
    evictions?: PlannedEviction[];
    skipped_total?: number;
    [key: string]: unknown;
  };
}
