// What floe-agent reports about its machine. Plain structs filled by one collector
// per area (host_info.cpp, cpu_info.cpp, ...); serialised by inventory_json.cpp.
// The JSON is documented in agent/inventory/README.md and carries kSchemaVersion.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace floe::agent {

inline constexpr int kInventorySchemaVersion = 1;

struct HostInfo {
  std::string hostname;
  std::string machineId;  // /etc/machine-id
  std::string osId;       // os-release ID, e.g. "debian"
  std::string osVersionId;
  std::string osPrettyName;
  std::string kernelRelease;  // /proc/sys/kernel/osrelease
  std::string architecture;   // e.g. x86_64, aarch64
  std::optional<int64_t> bootTimeUnix;
  std::string dmiVendor, dmiProduct, dmiSerial;  // empty when unreadable
  std::string virtualization;  // "none", "kvm", "vmware", "xen", "hyperv", "container", ... ; "" unknown
  // Added: the two halves of `virtualization`, which a container on a VM needs both of.
  std::string hypervisor;        // "kvm", "vmware", ... even inside a container; "" none/unknown
  std::string containerRuntime;  // "docker", "podman", "kubernetes", "lxc", ... ; "" none
};

struct NumaNode {
  int id = 0;
  std::vector<int> cpus;
  uint64_t memoryBytes = 0;
};

struct CpuInfo {
  std::string vendor;  // GenuineIntel, AuthenticAMD, ARM implementer...
  std::string model;
  int sockets = 0;
  int cores = 0;    // physical cores, all sockets
  int threads = 0;  // logical CPUs online
  double mhz = 0;  // cpufreq's cpuinfo_max_freq when present, else /proc/cpuinfo "cpu MHz"
  std::vector<std::string> flags;  // only the flags of interest (avx2, avx512f, sse4_2, aes, ...)
  std::vector<NumaNode> numaNodes;
};

struct MemoryInfo {
  uint64_t totalBytes = 0;
  uint64_t availableBytes = 0;
  uint64_t swapTotalBytes = 0;
  uint64_t swapFreeBytes = 0;
  uint64_t hugePagesTotal = 0;
  uint64_t hugePagesFree = 0;
  uint64_t hugePageSizeBytes = 0;
};

struct Mount {
  std::string mountPoint;
  std::string filesystem;
  std::optional<uint64_t> freeBytes;
  std::optional<uint64_t> sizeBytes;
};

struct Partition {
  std::string name;
  uint64_t sizeBytes = 0;
  std::vector<Mount> mounts;
  std::vector<std::string> holders;  // kernel names of devices built on it (dm-0, md0)
};

struct BlockDevice {
  std::string name;  // sda, nvme0n1
  uint64_t sizeBytes = 0;
  bool rotational = false;
  bool removable = false;
  bool readOnly = false;
  std::string model;
  std::string serial;  // serial number, else the WWID when that is all the kernel exposes
  std::string transport;  // nvme | sata | sas | virtio | usb | scsi | ""
  std::vector<Partition> partitions;
  std::vector<Mount> mounts;  // the whole disk mounted without partitions (swap shows as "[SWAP]")
  std::vector<std::string> holders;  // non-empty: used by LVM, RAID, dm-crypt...
  // No partitions, not mounted (nor swap), not removable, not read-only, not part of a
  // RAID/LVM holder, ≥ 1 GiB.
  bool looksLikeFreeDataDisk = false;
};

struct NetworkInterface {
  std::string name;
  std::string mac;
  int mtu = 0;
  std::optional<int64_t> speedMbps;
  std::string operState;  // up | down | unknown ...
  std::string driver;
  std::string kind;  // physical | virtual | bond | bridge | loopback
  std::vector<std::string> ipv4;  // CIDR, e.g. 10.0.0.5/24
  std::vector<std::string> ipv6;
  std::string bondMaster;               // set on a bond member
  std::vector<std::string> bondMembers;  // set on a bond
};

struct GpuDevice {
  std::string pciAddress;  // 0000:3b:00.0
  std::string classCode;   // 0x030200
  std::string vendorId;    // 0x10de
  std::string deviceId;
  std::string vendorName;  // from pci.ids when present
  std::string deviceName;
  std::string driver;
  std::optional<uint64_t> memoryBytes;
  std::string nvidiaDriverVersion;  // from /proc/driver/nvidia/version
  std::optional<int> numaNode;      // the NUMA node the device is attached to
};

struct KernelFeatures {
  int cgroupVersion = 0;  // 1 or 2; 0 unknown
  std::vector<std::string> cgroupControllers;
  bool overlay = false;
  bool brNetfilter = false;
  bool ipForward = false;
};

struct Inventory {
  int schemaVersion = kInventorySchemaVersion;
  HostInfo host;
  CpuInfo cpu;
  MemoryInfo memory;
  std::vector<BlockDevice> disks;
  std::vector<NetworkInterface> network;
  std::string defaultRouteInterface;
  std::string defaultGatewayIpv4;  // "" when the default route has no gateway
  std::vector<GpuDevice> gpus;
  KernelFeatures kernel;
  // What could not be read, for the operator ("cannot read /sys/class/dmi/id/product_serial").
  std::vector<std::string> warnings;
};

}  // namespace floe::agent
