// CPU model, topology and NUMA layout from /proc/cpuinfo and /sys/devices/system.
//
// Counting follows lscpu: sockets = distinct physical_package_id, cores = distinct
// (package, die, core_id), threads = online logical CPUs. sysfs topology is preferred
// over /proc/cpuinfo's "physical id"/"core id", which arm64 does not print.
#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "agent/inventory/collectors.h"
#include "agent/inventory/parsers.h"

namespace floe::agent {
namespace {

constexpr std::string_view kProcCpuinfo = "/proc/cpuinfo";
constexpr std::string_view kCpuOnline = "/sys/devices/system/cpu/online";
constexpr std::string_view kCpuDir = "/sys/devices/system/cpu/cpu";  // + N + "/topology/..."
constexpr std::string_view kTopologyPackage = "/topology/physical_package_id";
constexpr std::string_view kTopologyDie = "/topology/die_id";
constexpr std::string_view kTopologyCore = "/topology/core_id";
constexpr std::string_view kCpufreqMax = "/cpufreq/cpuinfo_max_freq";  // kHz
constexpr std::string_view kNodeDir = "/sys/devices/system/node";

// Flags a scheduler or a Spark/vectorised engine cares about (x86 "flags", arm64
// "Features"), reported in this order. Everything else in /proc/cpuinfo is left out.
constexpr std::array<std::string_view, 39> kFlagsOfInterest = {
    "sse4_2",     "avx",        "avx2",       "fma",         "f16c",        "bmi2",     "avx512f",
    "avx512dq",   "avx512cd",   "avx512bw",   "avx512vl",    "avx512_vnni", "avx512_bf16",
    "avx512_fp16", "amx_tile",  "amx_bf16",   "amx_int8",    "aes",         "vaes",     "pclmulqdq",
    "sha_ni",     "popcnt",     "rdrand",     "vmx",         "svm",         "hypervisor",
    // arm64
    "asimd",      "sve",        "sve2",       "pmull",       "sha2",        "sha512",   "crc32",
    "atomics",    "bf16",       "i8mm",       "fphp",        "asimdhp",     "asimddp"};

// arm64 /proc/cpuinfo names the designer only by its MIDR implementer code.
std::string armImplementerName(std::string_view code) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kImplementers = {{
      {"0x41", "ARM"},       {"0x42", "Broadcom"}, {"0x43", "Cavium"},   {"0x46", "Fujitsu"},
      {"0x48", "HiSilicon"}, {"0x4e", "NVIDIA"},   {"0x50", "APM"},      {"0x51", "Qualcomm"},
      {"0x61", "Apple"},     {"0x6d", "Microsoft"}, {"0xc0", "Ampere"},
  }};
  for (const auto& [id, name] : kImplementers) {
    if (id == code) return std::string(name);
  }
  return "ARM implementer " + std::string(code);
}

std::string cpuPath(int cpu, std::string_view suffix) {
  std::string path(kCpuDir);
  path += std::to_string(cpu);
  path += suffix;
  return path;
}

std::optional<int64_t> readInt(const Sysroot& sysroot, const std::string& path) {
  auto text = sysroot.readFile(path);
  return text ? parsers::parseInt(*text) : std::nullopt;
}

// Fills vendor, model, mhz and flags from the first processor block.
void fillFromCpuinfo(const parsers::KeyValues& block, CpuInfo& cpu) {
  if (auto vendor = parsers::findValue(block, "vendor_id")) {
    cpu.vendor = std::string(*vendor);
  } else if (auto implementer = parsers::findValue(block, "CPU implementer")) {
    cpu.vendor = armImplementerName(*implementer);
  }
  if (auto model = parsers::findValue(block, "model name")) {
    cpu.model = std::string(*model);
  } else if (auto part = parsers::findValue(block, "CPU part")) {
    cpu.model = "CPU part " + std::string(*part);
  }
  // Whole MHz: the fraction is noise that would change the inventory on every read.
  if (auto mhz = parsers::findValue(block, "cpu MHz")) cpu.mhz = std::round(parsers::parseDouble(*mhz).value_or(0));
  auto flagsText = parsers::findValue(block, "flags");
  if (!flagsText) flagsText = parsers::findValue(block, "Features");
  if (flagsText) {
    const auto present = parsers::splitWhitespace(*flagsText);
    for (std::string_view flag : kFlagsOfInterest) {
      if (std::find(present.begin(), present.end(), flag) != present.end()) cpu.flags.emplace_back(flag);
    }
  }
}

void collectNumaNodes(const Sysroot& sysroot, CpuInfo& cpu, Warnings& warnings) {
  for (const std::string& entry : sysroot.listDir(kNodeDir)) {
    if (entry.size() <= 4 || entry.compare(0, 4, "node") != 0) continue;
    auto id = parsers::parseInt(std::string_view(entry).substr(4));
    if (!id) continue;  // "node" prefixed attributes that are not nodes
    const std::string dir = std::string(kNodeDir) + "/" + entry;
    NumaNode node;
    node.id = static_cast<int>(*id);
    auto cpulist = sysroot.readFile(dir + "/cpulist");
    auto cpus = cpulist ? parsers::parseCpuList(*cpulist) : std::nullopt;
    if (cpus) {
      node.cpus = std::move(*cpus);
    } else {
      addWarning(warnings, "cannot read " + dir + "/cpulist: CPUs of NUMA node " + std::to_string(node.id) + " unknown");
    }
    auto meminfo = sysroot.readFile(dir + "/meminfo");
    auto total = meminfo ? parsers::meminfoBytes(parsers::parseMeminfo(*meminfo), "MemTotal") : std::nullopt;
    if (total) {
      node.memoryBytes = *total;
    } else {
      addWarning(warnings, "cannot read MemTotal from " + dir + "/meminfo: memory of NUMA node " +
                               std::to_string(node.id) + " unknown");
    }
    cpu.numaNodes.push_back(std::move(node));
  }
  std::sort(cpu.numaNodes.begin(), cpu.numaNodes.end(),
            [](const NumaNode& a, const NumaNode& b) { return a.id < b.id; });
}

}  // namespace

CpuInfo collectCpuInfo(const Sysroot& sysroot, Warnings& warnings) {
  CpuInfo cpu;

  // `processors` holds views into `cpuinfoText`, which lives until the end of the function.
  const std::optional<std::string> cpuinfoText = sysroot.readFile(kProcCpuinfo);
  std::vector<parsers::KeyValues> processors;
  const std::string_view cpuinfo = cpuinfoText ? std::string_view(*cpuinfoText) : std::string_view();
  for (auto& block : parsers::parseCpuinfoBlocks(cpuinfo)) {
    if (parsers::findValue(block, "processor")) processors.push_back(std::move(block));
  }
  if (!processors.empty()) fillFromCpuinfo(processors.front(), cpu);
  if (processors.empty()) addWarning(warnings, "cannot read /proc/cpuinfo: CPU model and flags unknown");

  std::vector<int> online;
  if (auto text = sysroot.readFile(kCpuOnline)) {
    if (auto list = parsers::parseCpuList(*text)) online = std::move(*list);
  }
  if (online.empty()) {
    // Without sysfs (some containers) the processor blocks are the CPUs we can see.
    for (const auto& block : processors) {
      if (auto id = parsers::parseInt(*parsers::findValue(block, "processor"))) online.push_back(static_cast<int>(*id));
    }
    if (!online.empty()) {
      addWarning(warnings, "cannot read /sys/devices/system/cpu/online: counted CPUs from /proc/cpuinfo");
    }
  }
  cpu.threads = static_cast<int>(online.size());

  std::set<int64_t> packages;
  std::set<std::tuple<int64_t, int64_t, int64_t>> cores;
  bool topologyComplete = !online.empty();
  for (int id : online) {
    auto package = readInt(sysroot, cpuPath(id, kTopologyPackage));
    auto core = readInt(sysroot, cpuPath(id, kTopologyCore));
    if (!package || !core) {
      topologyComplete = false;
      break;
    }
    // die_id exists since Linux 5.2; core_id is unique within a die, not always a package.
    auto die = readInt(sysroot, cpuPath(id, kTopologyDie)).value_or(0);
    packages.insert(*package);
    cores.insert({*package, die, *core});
  }
  if (!topologyComplete) {
    packages.clear();
    cores.clear();
    for (const auto& block : processors) {
      auto package = parsers::findValue(block, "physical id");
      auto core = parsers::findValue(block, "core id");
      auto packageId = package ? parsers::parseInt(*package) : std::nullopt;
      auto coreId = core ? parsers::parseInt(*core) : std::nullopt;
      if (!packageId || !coreId) {
        packages.clear();
        cores.clear();
        break;
      }
      packages.insert(*packageId);
      cores.insert({*packageId, 0, *coreId});
    }
    if (packages.empty() && cpu.threads > 0) {
      addWarning(warnings, "no CPU topology in /sys/devices/system/cpu or /proc/cpuinfo: sockets and cores unknown");
    }
  }
  cpu.sockets = static_cast<int>(packages.size());
  cpu.cores = static_cast<int>(cores.size());

  if (!online.empty()) {
    // The rated maximum is stable; "cpu MHz" moves with frequency scaling and would
    // change the inventory (and its hash) on every read.
    if (auto khz = readInt(sysroot, cpuPath(online.front(), kCpufreqMax)); khz && *khz > 0) {
      cpu.mhz = static_cast<double>(*khz) / 1000.0;
    }
  }

  collectNumaNodes(sysroot, cpu, warnings);
  return cpu;
}

}  // namespace floe::agent
