// Parsers for the text formats of /proc, /sys and /etc that the inventory collectors
// read. Each takes the file's contents as a string_view, so tests feed captured text;
// none throws: malformed lines are skipped and a missing value is std::nullopt.
//
// Functions returning string_views point into the text they were given.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace floe::agent::parsers {

std::string_view trim(std::string_view text);
// Splits on runs of spaces and tabs; no empty fields.
std::vector<std::string_view> splitWhitespace(std::string_view text);
// Calls `fn(line)` for each line, without its '\n'.
template <typename Fn>
void forEachLine(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    auto end = text.find('\n');
    fn(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

// Whole-string numbers after trimming; anything else (empty, trailing junk) is nullopt.
std::optional<int64_t> parseInt(std::string_view text);
std::optional<uint64_t> parseUnsigned(std::string_view text, int base = 10);
// "0x10de" and "10de" alike.
std::optional<uint64_t> parseHex(std::string_view text);
std::optional<double> parseDouble(std::string_view text);

// "Key: value" lines as in /proc/meminfo, one /proc/cpuinfo block, or
// /proc/driver/nvidia/gpus/*/information. Keys and values trimmed; lines without ':' skipped.
using KeyValues = std::vector<std::pair<std::string_view, std::string_view>>;
KeyValues parseColonSeparated(std::string_view text);
// The value of the first `key`, or nullopt.
std::optional<std::string_view> findValue(const KeyValues& values, std::string_view key);

// /proc/cpuinfo: one KeyValues per blank-line-separated block (a processor on x86; on
// arm64 a final block carries "Hardware"/"Revision").
std::vector<KeyValues> parseCpuinfoBlocks(std::string_view text);

// /proc/meminfo and /sys/devices/system/node/nodeN/meminfo ("Node 0 MemTotal: 16 kB").
KeyValues parseMeminfo(std::string_view text);
// A meminfo value in bytes: "16384 kB" -> 16777216; a bare count ("512") as is.
std::optional<uint64_t> meminfoBytes(const KeyValues& meminfo, std::string_view key);

// os-release(5): KEY=value, KEY="value", KEY='value'; shell escapes in double quotes.
std::map<std::string, std::string, std::less<>> parseOsRelease(std::string_view text);

struct MountEntry {
  std::string device;      // "/dev/nvme0n1p2", "tmpfs"
  std::string mountPoint;  // with \040-style escapes decoded
  std::string filesystem;
  std::string majorMinor;  // "259:2", mountinfo only
  std::string root;        // the mounted subtree ("/" unless a bind mount), mountinfo only
};
// /proc/mounts (fstab format).
std::vector<MountEntry> parseProcMounts(std::string_view text);
// /proc/self/mountinfo (proc(5)): carries major:minor, so /dev/root and /dev/mapper
// names resolve to the block device that is really mounted.
std::vector<MountEntry> parseMountinfo(std::string_view text);
// "/mnt/my\\040disk" -> "/mnt/my disk"
std::string unescapeMountField(std::string_view field);

// /proc/swaps: the swap files and devices in use ("/dev/sda3").
std::vector<std::string> parseSwaps(std::string_view text);

struct Ipv4Route {
  std::string interface;
  uint32_t destination = 0;  // network byte order, as the kernel prints it
  uint32_t gateway = 0;
  uint32_t mask = 0;
  unsigned flags = 0;
  int64_t metric = 0;
};
// /proc/net/route: hex fields in network byte order, first line a header.
std::vector<Ipv4Route> parseIpv4Routes(std::string_view text);
// A /proc/net/route address (network byte order read as a host integer) -> "192.168.2.1".
std::string ipv4RouteAddressToString(uint32_t address);

struct Ipv6Address {
  std::string interface;
  std::string address;  // compressed text form, "fe80::fc:ff:fe00:1"
  int prefixLength = 0;
};
// /proc/net/if_inet6: "00000000000000000000000000000001 01 80 10 80 lo".
std::vector<Ipv6Address> parseIfInet6(std::string_view text);

// "0-3,8-11" -> {0,1,2,3,8,9,10,11}; "" -> {}; nullopt on garbage or an absurd range.
std::optional<std::vector<int>> parseCpuList(std::string_view text);
// The inverse, for people: {0,1,2,3,8} -> "0-3,8".
std::string formatCpuList(const std::vector<int>& cpus);

// /proc/cgroups: the names of controllers whose "enabled" column is 1.
std::vector<std::string> parseProcCgroups(std::string_view text);

// /proc/driver/nvidia/version: "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15 ..."
// (also the open kernel module's "... Open Kernel Module for x86_64  550.54.15 ...").
std::string parseNvidiaDriverVersion(std::string_view text);

// pci.ids: the names of one vendor and one of its devices, by lowercase 4-digit hex ids.
// Scans only the vendor's section; empty strings when not listed.
struct PciNames {
  std::string vendor;
  std::string device;
};
PciNames lookupPciNames(std::string_view pciIds, std::string_view vendorHex, std::string_view deviceHex);

}  // namespace floe::agent::parsers
