#include "agent/inventory/parsers.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace floe::agent::parsers {
namespace {

TEST_CASE("parsers: numbers are whole, trimmed and strict", "[inventory][parsers]") {
  CHECK(parseInt(" 42\n") == 42);
  CHECK(parseInt("-1") == -1);
  CHECK_FALSE(parseInt(""));
  CHECK_FALSE(parseInt("12abc"));
  CHECK_FALSE(parseInt("abc"));
  CHECK_FALSE(parseInt("99999999999999999999999"));  // overflow
  CHECK(parseUnsigned("ff", 16) == 255u);
  CHECK_FALSE(parseUnsigned("-3"));
  CHECK(parseHex("0x10de\n") == 0x10deu);
  CHECK(parseHex("10DE") == 0x10deu);
  CHECK_FALSE(parseHex("0x"));
  CHECK(parseDouble("2596.098") == Approx(2596.098));
  CHECK_FALSE(parseDouble("fast"));
}

TEST_CASE("parsers: trim and splitWhitespace", "[inventory][parsers]") {
  CHECK(trim("  a b \t\n") == "a b");
  CHECK(trim("") == "");
  CHECK(trim(" \n ") == "");
  CHECK(splitWhitespace("  nodev\toverlay  x ") == std::vector<std::string_view>{"nodev", "overlay", "x"});
  CHECK(splitWhitespace("").empty());
}

TEST_CASE("parsers: /proc/meminfo and per-node meminfo", "[inventory][parsers]") {
  auto meminfo = parseMeminfo("MemTotal:       24684084 kB\nHugePages_Total:     512\nBroken line\nHugepagesize:  2048 kB\n");
  CHECK(meminfoBytes(meminfo, "MemTotal") == 24684084ull * 1024);
  CHECK(meminfoBytes(meminfo, "HugePages_Total") == 512u);  // a count, no unit
  CHECK(meminfoBytes(meminfo, "Hugepagesize") == 2048u * 1024);
  CHECK_FALSE(meminfoBytes(meminfo, "MemAvailable"));

  auto node = parseMeminfo("Node 1 MemTotal:      264241152 kB\nNode 1 MemFree:  10 kB\n");
  CHECK(meminfoBytes(node, "MemTotal") == 264241152ull * 1024);
  CHECK(meminfoBytes(node, "MemFree") == 10u * 1024);

  auto garbage = parseMeminfo("MemTotal: lots kB\n");
  CHECK_FALSE(meminfoBytes(garbage, "MemTotal"));
}

TEST_CASE("parsers: /proc/cpuinfo blocks", "[inventory][parsers]") {
  const char* text =
      "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse4_2 avx2\npower management:\n\n"
      "processor\t: 1\nvendor_id\t: GenuineIntel\n\n\n";
  auto blocks = parseCpuinfoBlocks(text);
  REQUIRE(blocks.size() == 2);
  CHECK(findValue(blocks[0], "vendor_id") == "GenuineIntel");
  CHECK(findValue(blocks[0], "flags") == "fpu sse4_2 avx2");
  CHECK(findValue(blocks[0], "power management") == "");
  CHECK(findValue(blocks[1], "processor") == "1");
  CHECK_FALSE(findValue(blocks[1], "flags"));
  CHECK(parseCpuinfoBlocks("").empty());
}

TEST_CASE("parsers: os-release quoting", "[inventory][parsers]") {
  auto values = parseOsRelease(
      "# comment\nNAME=\"Rocky Linux\"\nID=rocky\nVERSION_ID='9.3'\nPRETTY_NAME=\"Say \\\"hi\\\" \\\\ there\"\n"
      "EMPTY=\nnot a line\n=novalue\n");
  CHECK(values["NAME"] == "Rocky Linux");
  CHECK(values["ID"] == "rocky");
  CHECK(values["VERSION_ID"] == "9.3");
  CHECK(values["PRETTY_NAME"] == "Say \"hi\" \\ there");
  CHECK(values["EMPTY"] == "");
  CHECK(values.size() == 5);
}

TEST_CASE("parsers: /proc/mounts and mountinfo, with escapes", "[inventory][parsers]") {
  auto mounts = parseProcMounts("/dev/sda1 /mnt/my\\040disk ext4 rw 0 0\nshort line\n");
  REQUIRE(mounts.size() == 1);
  CHECK(mounts[0].device == "/dev/sda1");
  CHECK(mounts[0].mountPoint == "/mnt/my disk");
  CHECK(mounts[0].filesystem == "ext4");

  auto info = parseMountinfo(
      "29 1 259:3 / / rw,relatime shared:1 master:2 - ext4 /dev/nvme0n1p3 rw\n"
      "412 29 259:3 /var/lib/kubelet /var/lib/kubelet rw,relatime - ext4 /dev/nvme0n1p3 rw\n"
      "30 1 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
      "bad line without separator 1 2 3 4\n");
  REQUIRE(info.size() == 3);
  CHECK(info[0].majorMinor == "259:3");
  CHECK(info[0].root == "/");
  CHECK(info[0].mountPoint == "/");
  CHECK(info[0].filesystem == "ext4");
  CHECK(info[0].device == "/dev/nvme0n1p3");
  CHECK(info[1].root == "/var/lib/kubelet");
  CHECK(info[2].filesystem == "cgroup2");

  CHECK(unescapeMountField("a\\011b\\134c") == "a\tb\\c");
  CHECK(unescapeMountField("trailing\\04") == "trailing\\04");
}

TEST_CASE("parsers: /proc/swaps", "[inventory][parsers]") {
  auto swaps = parseSwaps("Filename Type Size Used Priority\n/dev/dm-1 partition 8388604 0 -2\n/swap.img file 1 0 -3\n");
  CHECK(swaps == std::vector<std::string>{"/dev/dm-1", "/swap.img"});
  CHECK(parseSwaps("Filename Type Size Used Priority\n").empty());
}

TEST_CASE("parsers: /proc/net/route and its addresses", "[inventory][parsers]") {
  auto routes = parseIpv4Routes(
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
      "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
      "eth1\tZZZZ\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n");
  REQUIRE(routes.size() == 2);
  CHECK(routes[0].interface == "eth0");
  CHECK(routes[0].destination == 0u);
  CHECK(routes[0].flags == 3u);
  CHECK(routes[0].metric == 100);
  CHECK(ipv4RouteAddressToString(routes[0].gateway) == "192.0.2.1");
  CHECK(ipv4RouteAddressToString(routes[1].destination) == "192.0.2.0");
  CHECK(ipv4RouteAddressToString(routes[1].mask) == "255.255.255.0");
}

TEST_CASE("parsers: /proc/net/if_inet6", "[inventory][parsers]") {
  auto addresses = parseIfInet6(
      "00000000000000000000000000000001 01 80 10 80       lo\n"
      "fe8000000000000000fc00fffe000001 04 40 20 80     eth0\n"
      "2001db8 04 40 20 80 eth1\n"
      "zz000000000000000000000000000001 01 80 10 80       lo\n");
  REQUIRE(addresses.size() == 2);
  CHECK(addresses[0].interface == "lo");
  CHECK(addresses[0].address == "::1");
  CHECK(addresses[0].prefixLength == 128);
  CHECK(addresses[1].address == "fe80::fc:ff:fe00:1");
  CHECK(addresses[1].prefixLength == 64);
}

TEST_CASE("parsers: cpu lists", "[inventory][parsers]") {
  CHECK(parseCpuList("0-3,8-11\n") == std::vector<int>{0, 1, 2, 3, 8, 9, 10, 11});
  CHECK(parseCpuList("5") == std::vector<int>{5});
  CHECK(parseCpuList("") == std::vector<int>{});
  CHECK(parseCpuList("\n") == std::vector<int>{});
  CHECK(parseCpuList("3,1,1-2") == std::vector<int>{1, 2, 3});
  CHECK_FALSE(parseCpuList("3-1"));
  CHECK_FALSE(parseCpuList("a-b"));
  CHECK_FALSE(parseCpuList("0-"));
  CHECK_FALSE(parseCpuList("0-4000000000"));  // absurd, not a machine
  CHECK(formatCpuList({0, 1, 2, 3, 8, 10, 11}) == "0-3,8,10-11");
  CHECK(formatCpuList({}) == "");
}

TEST_CASE("parsers: /proc/cgroups keeps enabled controllers", "[inventory][parsers]") {
  auto controllers = parseProcCgroups("#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t1\t1\nrdma\t0\t1\t0\nshort\n");
  CHECK(controllers == std::vector<std::string>{"cpuset"});
}

TEST_CASE("parsers: NVIDIA driver version, proprietary and open modules", "[inventory][parsers]") {
  CHECK(parseNvidiaDriverVersion("NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n"
                                 "GCC version:  gcc version 11.4.1\n") == "550.54.15");
  CHECK(parseNvidiaDriverVersion("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  535.129.03  Release Build  "
                                 "(dvs-builder@U16-I3-B03-4-3)  Thu Oct 19 18:42:12 UTC 2023\n") == "535.129.03");
  CHECK(parseNvidiaDriverVersion("") == "");
  CHECK(parseNvidiaDriverVersion("garbage\n") == "");
}

TEST_CASE("parsers: pci.ids lookup reads only the vendor's section", "[inventory][parsers]") {
  const char* ids =
      "# comment 10de  not a vendor\n"
      "10dd  Evans & Sutherland\n"
      "\t20b0  Not NVIDIA's device\n"
      "10de  NVIDIA Corporation\n"
      "\t1eb8  TU104GL [Tesla T4]\n"
      "\t\t20b0 1234  a subsystem line, not a device\n"
      "# a comment inside the vendor\n"
      "\t20b0  GA100 [A100 SXM4 40GB]\n"
      "10df  Emulex Corporation\n"
      "\t20b1  Not NVIDIA's either\n"
      "\n"
      "C 03  Display controller\n";
  auto names = lookupPciNames(ids, "10de", "20b0");
  CHECK(names.vendor == "NVIDIA Corporation");
  CHECK(names.device == "GA100 [A100 SXM4 40GB]");
  auto unknownDevice = lookupPciNames(ids, "10de", "20b1");
  CHECK(unknownDevice.vendor == "NVIDIA Corporation");
  CHECK(unknownDevice.device == "");
  CHECK(lookupPciNames(ids, "abcd", "0001").vendor == "");
  CHECK(lookupPciNames(ids, "10d", "0001").vendor == "");
  CHECK(lookupPciNames("", "10de", "20b0").vendor == "");
  CHECK(lookupPciNames("10de  NVIDIA\n\t20b0  A100", "10de", "20b0").device == "A100");  // vendor on line 1
}

}  // namespace
}  // namespace floe::agent::parsers
