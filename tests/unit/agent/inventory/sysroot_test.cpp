#include "agent/inventory/sysroot.h"

#include <catch2/catch.hpp>

#include <string>

#include "inventory_test_support.h"

namespace floe::agent {
namespace {

using namespace inventory_testing;

TEST_CASE("Sysroot: paths under the root", "[inventory][sysroot]") {
  CHECK(Sysroot("/").path("/proc/meminfo") == "/proc/meminfo");
  CHECK(Sysroot("/").isHostRoot());
  CHECK(Sysroot("/srv/tree/").path("/proc/meminfo") == "/srv/tree/proc/meminfo");
  CHECK(Sysroot("/srv/tree").path("proc/meminfo") == "/srv/tree/proc/meminfo");
  CHECK_FALSE(Sysroot("/srv/tree").isHostRoot());
  CHECK(Sysroot("//").isHostRoot());
}

TEST_CASE("Sysroot: files, directories and links", "[inventory][sysroot]") {
  ScratchSysroot scratch;
  const std::string big(100000, 'x');  // bigger than the first read buffer
  scratch.write("/big", big);
  scratch.write("/empty", "");
  scratch.write("/dir/b", "2");
  scratch.write("/dir/a", "1");
  scratch.mkdir("/dir/c");
  scratch.link("/dir/link", "../../bus/pci/drivers/nvme");
  const Sysroot sysroot = scratch.sysroot();

  CHECK(sysroot.readFile("/big") == big);
  CHECK(sysroot.readFile("/empty") == "");
  CHECK_FALSE(sysroot.readFile("/missing"));
  CHECK_FALSE(sysroot.readFile("/dir"));  // a directory is not a file
  CHECK(sysroot.listDir("/dir") == std::vector<std::string>{"a", "b", "c", "link"});
  CHECK(sysroot.listDir("/missing").empty());
  CHECK(sysroot.readLink("/dir/link") == "../../bus/pci/drivers/nvme");
  CHECK_FALSE(sysroot.readLink("/dir/a"));
  auto mapped = sysroot.mapFile("/big");
  REQUIRE(mapped);
  CHECK(mapped->view() == big);
  MappedFile moved = std::move(*mapped);
  CHECK(moved.view().size() == big.size());
  CHECK_FALSE(sysroot.mapFile("/empty"));  // nothing to map
  CHECK_FALSE(sysroot.mapFile("/missing"));
  CHECK_FALSE(sysroot.mapFile("/dir"));
  CHECK(sysroot.exists("/dir/c"));
  CHECK_FALSE(sysroot.exists("/dir/link"));  // dangling: its target is not there
  CHECK_FALSE(sysroot.exists("/nope"));
}

TEST_CASE("Sysroot: reads /proc and /sys of this machine", "[inventory][sysroot]") {
  const Sysroot host("/");
  auto meminfo = host.readFile("/proc/meminfo");  // size 0 in stat, content anyway
  REQUIRE(meminfo);
  CHECK(meminfo->find("MemTotal:") != std::string::npos);
}

TEST_CASE("linkBasename", "[inventory][sysroot]") {
  CHECK(linkBasename("../../../bus/pci/drivers/nvme") == "nvme");
  CHECK(linkBasename("nvme/") == "nvme");
  CHECK(linkBasename("plain") == "plain");
  CHECK(linkBasename("") == "");
}

}  // namespace
}  // namespace floe::agent
