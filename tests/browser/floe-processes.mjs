// Real floe processes for the browser tier: `floe init` + `floe serve` on 127.0.0.1:0 in
// a temporary data directory, and `floe-agent` machines with a copy of a captured
// hardware tree (tests/fixtures/hosts) as their sysroot, in the root network namespace
// with their own --state-dir, without k3s (the console tier tests the console, not k3s).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const FIXTURE_HOSTS = path.join(REPO_ROOT, "tests/fixtures/hosts");

export function binary(envName, relative) {
  const chosen = process.env[envName] || path.join(REPO_ROOT, relative);
  const resolved = path.isAbsolute(chosen) ? chosen : path.join(REPO_ROOT, chosen);
  if (!fs.existsSync(resolved)) throw new Error(`${envName}: ${resolved} does not exist; build it first`);
  return resolved;
}

export async function waitFor(what, check, timeoutMs = 15000, stepMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

function run(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", timeout: 120000, ...options });
  return result;
}

function logTail(file, lines = 40) {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export class Head {
  constructor(floeBin, workDir) {
    this.floeBin = floeBin;
    this.dataDir = path.join(workDir, "head");
    this.logPath = path.join(workDir, "floe-serve.log");
    this.proc = null;
  }

  // `floe init`; returns the console admin password it printed once.
  init() {
    const result = run([this.floeBin, "init", "--data-dir", this.dataDir, "--advertise", "127.0.0.1", "--no-k3s", "--json"]);
    if (result.status !== 0) throw new Error(`floe init failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    const report = JSON.parse(result.stdout);
    if (!report.console_password) throw new Error(`floe init printed no console password:\n${result.stdout}`);
    return report.console_password;
  }

  async start(...extra) {
    const log = fs.openSync(this.logPath, "a");
    this.proc = spawn(
      this.floeBin,
      ["serve", "--data-dir", this.dataDir, "--listen", "127.0.0.1:0", ...extra],
      { stdio: ["ignore", log, log] },
    );
    fs.closeSync(log);
    const urlFile = path.join(this.dataDir, "serve.url");
    this.url = await waitFor("floe serve to write serve.url", () => {
      if (this.proc.exitCode !== null) throw new Error(`floe serve exited ${this.proc.exitCode}:\n${logTail(this.logPath)}`);
      return fs.existsSync(urlFile) ? fs.readFileSync(urlFile, "utf8").trim() : null;
    });
    return this.url;
  }

  cli(...args) {
    return run([this.floeBin, "--data-dir", this.dataDir, ...args]);
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill("SIGTERM");
    await waitFor("floe serve to stop", () => this.proc.exitCode !== null, 15000).catch(() => this.proc.kill("SIGKILL"));
  }

  log() {
    return logTail(this.logPath);
  }
}

// Preflight checks that read the live machine running the tests, not the sysroot:
// ignored only when the live machine explains their failure (as tests/integration does).
const LIVE_MACHINE_CHECKS = new Set(["root", "port-6443-tcp", "port-10250-tcp", "port-8472-udp", "disk-space"]);

export class AgentMachine {
  constructor(agentBin, workDir, fixture, name) {
    this.agentBin = agentBin;
    this.name = name;
    this.dir = path.join(workDir, name);
    this.sysroot = path.join(this.dir, "sysroot");
    this.stateDir = path.join(this.dir, "state");
    this.logPath = path.join(this.dir, "agent-run.log");
    fs.mkdirSync(this.dir, { recursive: true });
    fs.cpSync(path.join(FIXTURE_HOSTS, fixture), this.sysroot, { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(this.sysroot, "etc/machine-id"), randomBytes(16).toString("hex") + "\n");
    fs.writeFileSync(path.join(this.sysroot, "proc/sys/kernel/hostname"), name + "\n");
    this.proc = null;
  }

  argv(...args) {
    return [this.agentBin, "--state-dir", this.stateDir, "--sysroot", this.sysroot, ...args];
  }

  ignoredChecks() {
    const result = run(this.argv("--json", "check"));
    const checks = JSON.parse(result.stdout || "[]");
    return checks
      .filter((c) => c.severity === "fail" && c.result === "fail" && LIVE_MACHINE_CHECKS.has(c.id))
      .flatMap((c) => ["--ignore-check", c.id]);
  }

  // Runs the join command the console showed (without its `sudo`), on this machine.
  join(joinCommand) {
    const words = joinCommand.trim().split(/\s+/);
    const start = words.indexOf("floe-agent");
    if (start < 0 || words[start + 1] !== "join") throw new Error(`not a join command: ${joinCommand}`);
    const args = words.slice(start + 2);
    const result = run(this.argv("join", ...args, "--no-k3s", ...this.ignoredChecks()));
    if (result.status !== 0) {
      throw new Error(`floe-agent join failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
    return result.stdout;
  }

  start() {
    const log = fs.openSync(this.logPath, "a");
    this.proc = spawn(this.argv("run")[0], this.argv("run").slice(1), { stdio: ["ignore", log, log] });
    fs.closeSync(log);
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill("SIGTERM");
    await waitFor(`${this.name}'s floe-agent run to stop`, () => this.proc.exitCode !== null, 15000).catch(() =>
      this.proc.kill("SIGKILL"),
    );
  }

  nodeId() {
    return JSON.parse(fs.readFileSync(path.join(this.stateDir, "node.json"), "utf8")).node_id;
  }
}
