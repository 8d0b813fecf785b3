#include "bootstrap/checksums.h"

#include <catch2/catch.hpp>

#include "../support/temp_dir.h"
#include "floe/common/files.h"

namespace floe::bootstrap {
namespace {

// sha256("hello\n"), as `printf 'hello\n' | sha256sum` prints it.
constexpr const char* kHelloDigest = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

TEST_CASE("parseChecksumList: sha256sum's text and binary forms", "[bootstrap][checksums]") {
  auto list = parseChecksumList(std::string(kHelloDigest) + "  k3s/k3s\n" + std::string(64, 'A') +
                                " *k3s/images.tar.zst\r\n# comment\n\n");
  REQUIRE(list.isOk());
  CHECK(list->at("k3s/k3s") == kHelloDigest);
  CHECK(list->at("k3s/images.tar.zst") == std::string(64, 'a'));
}

TEST_CASE("parseChecksumList: refuses what could mislead", "[bootstrap][checksums]") {
  std::string digest(64, 'b');
  CHECK(parseChecksumList("deadbeef  k3s\n").status().message().find("line 1") != std::string::npos);
  CHECK(parseChecksumList(digest + "  /etc/passwd\n").status().message().find("leaves the bundle") !=
        std::string::npos);
  CHECK(parseChecksumList(digest + "  ../x\n").status().code() == ErrorCode::kInvalidArgument);
  CHECK(parseChecksumList(digest + "  a\n" + digest + "  a\n").status().message().find("listed twice") !=
        std::string::npos);
  CHECK(parseChecksumList(digest + "  \n").status().code() == ErrorCode::kInvalidArgument);  // no file name
}

TEST_CASE("verifyChecksum: matches and mismatches", "[bootstrap][checksums]") {
  testing::TempDir dir;
  auto file = dir.path() / "hello";
  REQUIRE(writeFileAtomically(file, "hello\n", std::filesystem::perms::owner_all).isOk());
  CHECK(sha256OfFile(file).value() == kHelloDigest);
  CHECK(verifyChecksum(file, kHelloDigest).isOk());
  auto mismatch = verifyChecksum(file, std::string(64, '0'));
  CHECK(mismatch.code() == ErrorCode::kFailedPrecondition);
  CHECK(mismatch.message().find(kHelloDigest) != std::string::npos);
  CHECK(sha256OfFile(dir.path() / "missing").status().code() == ErrorCode::kIo);
}

}  // namespace
}  // namespace floe::bootstrap
