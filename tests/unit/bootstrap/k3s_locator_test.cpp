#include "bootstrap/k3s_locator.h"

#include <catch2/catch.hpp>

#include "../support/temp_dir.h"
#include "bootstrap/checksums.h"
#include "floe/common/files.h"

namespace floe::bootstrap {
namespace {

namespace fs = std::filesystem;
constexpr fs::perms kExec = fs::perms::owner_all;

// A bundle directory as packaging's assemble script lays it out.
struct BundleFixture {
  testing::TempDir dir;
  fs::path root = dir.path() / "bundle";

  BundleFixture() {
    write("k3s/k3s", "#!/bin/sh\necho k3s\n");
    write("k3s/k3s-airgap-images-amd64.tar.zst", "images");
    writeSums();
  }
  void write(const std::string& name, const std::string& content) {
    REQUIRE(ensureDirectory((root / name).parent_path(), fs::perms::owner_all).isOk());
    REQUIRE(writeFileAtomically(root / name, content, kExec).isOk());
  }
  void writeSums(const std::vector<std::string>& names = {"k3s/k3s", "k3s/k3s-airgap-images-amd64.tar.zst"}) {
    std::string sums;
    for (const auto& name : names) sums += sha256OfFile(root / name).value() + "  " + name + "\n";
    REQUIRE(writeFileAtomically(root / "SHA256SUMS", sums, fs::perms::owner_all).isOk());
  }
};

TEST_CASE("locateK3s: a verified bundle installs k3s and places its images", "[bootstrap][locate]") {
  BundleFixture bundle;
  K3sLocateOptions options;
  options.bundleDir = bundle.root;
  options.installDir = bundle.dir.path() / "bin";
  options.paths.dataDir = bundle.dir.path() / "k3s-data";
  auto found = locateK3s(options);
  REQUIRE(found.isOk());
  CHECK(found->path == options.installDir / "k3s");
  CHECK(found->source == "airgap bundle " + bundle.root.string());
  CHECK(readFile(found->path).value() == "#!/bin/sh\necho k3s\n");
  CHECK((fs::status(found->path).permissions() & fs::perms::owner_exec) != fs::perms::none);
  CHECK(readFile(options.paths.imagesDir() / "k3s-airgap-images-amd64.tar.zst").value() == "images");
}

TEST_CASE("locateK3s: the bundle's images/ (the Spark image) go where k3s imports images",
          "[bootstrap][locate]") {
  BundleFixture bundle;
  bundle.write("images/floe-spark-4.1.3-iceberg1.11.0.oci.tar", "oci archive");
  K3sLocateOptions options;
  options.bundleDir = bundle.root;
  options.installDir = bundle.dir.path() / "bin";
  options.paths.dataDir = bundle.dir.path() / "k3s-data";

  SECTION("listed: installed next to k3s's own airgap images") {
    bundle.writeSums({"k3s/k3s", "k3s/k3s-airgap-images-amd64.tar.zst", "images/floe-spark-4.1.3-iceberg1.11.0.oci.tar"});
    REQUIRE(locateK3s(options).isOk());
    CHECK(readFile(options.paths.imagesDir() / "floe-spark-4.1.3-iceberg1.11.0.oci.tar").value() == "oci archive");
    CHECK(readFile(options.paths.imagesDir() / "k3s-airgap-images-amd64.tar.zst").value() == "images");
  }
  SECTION("not listed: the bundle is refused and nothing is installed") {
    auto found = locateK3s(options);
    CHECK(found.status().message().find("images/floe-spark-4.1.3-iceberg1.11.0.oci.tar is not listed") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(options.installDir / "k3s"));
    CHECK_FALSE(fs::exists(options.paths.imagesDir()));
  }
}

TEST_CASE("locateK3s: a bundle's charts go where k3s serves them to HelmChart objects", "[bootstrap][locate]") {
  BundleFixture bundle;
  bundle.write("charts/spark-operator-2.3.0.tgz", "chart");
  K3sLocateOptions options;
  options.bundleDir = bundle.root;
  options.installDir = bundle.dir.path() / "bin";
  options.paths.dataDir = bundle.dir.path() / "k3s-data";

  SECTION("listed: installed under server/static/charts") {
    bundle.writeSums({"k3s/k3s", "k3s/k3s-airgap-images-amd64.tar.zst", "charts/spark-operator-2.3.0.tgz"});
    auto found = locateK3s(options);
    REQUIRE(found.isOk());
    CHECK(readFile(options.paths.dataDir / "server" / "static" / "charts" / "spark-operator-2.3.0.tgz").value() ==
          "chart");
  }
  SECTION("not listed in SHA256SUMS: the bundle is refused") {
    auto found = locateK3s(options);
    REQUIRE_FALSE(found.isOk());
    CHECK_THAT(found.status().message(), Catch::Matchers::Contains("charts/spark-operator-2.3.0.tgz is not listed"));
    CHECK_FALSE(fs::exists(options.installDir / "k3s"));
  }
}

TEST_CASE("locateK3s: a tampered or incomplete bundle is refused before anything is installed",
          "[bootstrap][locate]") {
  BundleFixture bundle;
  K3sLocateOptions options;
  options.bundleDir = bundle.root;
  options.installDir = bundle.dir.path() / "bin";

  SECTION("a changed file") {
    bundle.write("k3s/k3s", "#!/bin/sh\necho evil\n");
    auto found = locateK3s(options);
    CHECK(found.status().message().find("checksum mismatch for") != std::string::npos);
  }
  SECTION("a file the checksum list does not name") {
    bundle.write("k3s/extra", "x");
    CHECK(locateK3s(options).status().message().find("k3s/extra is not listed") != std::string::npos);
  }
  SECTION("no checksum list") {
    fs::remove(bundle.root / "SHA256SUMS");
    CHECK(locateK3s(options).status().message().find("no readable SHA256SUMS") != std::string::npos);
  }
  SECTION("a listed file that is missing") {
    fs::remove(bundle.root / "k3s/k3s-airgap-images-amd64.tar.zst");
    CHECK(locateK3s(options).status().message().find("listed but missing") != std::string::npos);
  }
  SECTION("no k3s binary") {
    fs::remove(bundle.root / "k3s/k3s");
    bundle.writeSums({"k3s/k3s-airgap-images-amd64.tar.zst"});
    CHECK(locateK3s(options).status().message().find("no k3s binary") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(options.installDir / "k3s"));
}

TEST_CASE("locateK3s: --k3s-binary, an installed k3s, or a clear error", "[bootstrap][locate]") {
  testing::TempDir dir;
  K3sLocateOptions options;
  options.installDir = dir.path() / "bin";

  auto missing = locateK3s(options);
  CHECK(missing.status().code() == ErrorCode::kNotFound);
  CHECK(missing.status().message().find("--bundle DIR") != std::string::npos);

  REQUIRE(ensureDirectory(options.installDir, fs::perms::owner_all).isOk());
  REQUIRE(writeFileAtomically(options.installDir / "k3s", "#!/bin/sh\n", kExec).isOk());
  CHECK(locateK3s(options).value().source == "installed");

  options.binary = dir.path() / "not-there";
  CHECK(locateK3s(options).status().message().find("is not an executable file") != std::string::npos);
  options.binary = options.installDir / "k3s";
  CHECK(locateK3s(options).value().source == "--k3s-binary");
}

}  // namespace
}  // namespace floe::bootstrap
