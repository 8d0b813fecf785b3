#include "bootstrap/k3s_locator.h"

#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <system_error>

#include "bootstrap/checksums.h"
#include "floe/common/files.h"

namespace floe::bootstrap {
namespace {

namespace fs = std::filesystem;
constexpr const char* kChecksumFile = "SHA256SUMS";
constexpr const char* kK3sSubdir = "k3s";
constexpr const char* kPackagesSubdir = "packages";
// Container images the stack needs (the Spark image, as an OCI archive): k3s imports
// them from its agent/images directory like its own airgap images.
constexpr const char* kImagesSubdir = "images";
constexpr const char* kChartsSubdir = "charts";
constexpr const char* kImagesPrefix = "k3s-airgap-images-";
constexpr fs::perms kExecutable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec;

bool isExecutableFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

// Copies through a temporary name and renames, so a crash never leaves half a k3s binary
// where systemd or the supervisor would run it. The copy itself is checked against the
// bundle's digest: a file swapped in the bundle after verification is never installed.
Status installFile(const fs::path& from, const fs::path& to, fs::perms mode, const std::string& sha256) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (ec) return ioError("creating " + to.parent_path().string() + ": " + ec.message());
  fs::path temporary = to;
  temporary += ".floe-tmp";
  fs::copy_file(from, temporary, fs::copy_options::overwrite_existing, ec);
  if (ec) return ioError("copying " + from.string() + " to " + temporary.string() + ": " + ec.message());
  if (Status checked = verifyChecksum(temporary, sha256); !checked.isOk()) {
    fs::remove(temporary, ec);
    return checked;
  }
  fs::permissions(temporary, mode, ec);
  if (!ec) fs::rename(temporary, to, ec);
  if (ec) {
    fs::remove(temporary);
    return ioError("installing " + to.string() + ": " + ec.message());
  }
  return Status::ok();
}

Result<fs::path> findInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "";
  while (!dirs.empty()) {
    size_t colon = dirs.find(':');
    fs::path candidate = fs::path(dirs.substr(0, colon)) / name;
    if (!candidate.parent_path().empty() && isExecutableFile(candidate)) return candidate;
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
  }
  return notFound(name + " is not on PATH");
}

// The files of one of the bundle's directories, each of which SHA256SUMS must list: a
// file dropped into the bundle afterwards is refused, never used. A missing directory
// has no files; one that cannot be read is an error.
Result<std::vector<fs::path>> listedFiles(const fs::path& dir, const std::string& subdir,
                                          const std::map<std::string, std::string>& sums,
                                          const std::string& context) {
  std::vector<fs::path> files;
  if (!fs::exists(dir / subdir)) return files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir / subdir, ec)) {
    std::string relative = subdir + "/" + entry.path().filename().string();
    if (sums.count(relative) == 0) {
      return failedPrecondition(context + ": " + relative + " is not listed in " + kChecksumFile +
                                "; refusing to use an unverified file");
    }
    files.push_back(entry.path());
  }
  if (ec) return failedPrecondition(context + ": cannot read " + (dir / subdir).string() + ": " + ec.message());
  return files;
}

}  // namespace

Result<AirgapBundle> openAirgapBundle(const fs::path& dir) {
  auto context = "airgap bundle " + dir.string();
  auto listText = readFile(dir / kChecksumFile);
  if (!listText.isOk()) {
    return failedPrecondition(context + ": no readable " + kChecksumFile +
                              "; a bundle must list a SHA-256 checksum for every file (see packaging/airgap/README.md)");
  }
  auto list = parseChecksumList(*listText);
  if (!list.isOk()) return list.status().withContext(context + ": " + kChecksumFile);

  AirgapBundle bundle{dir, dir / kK3sSubdir / "k3s", {}, {}, {}, {}};
  // packages/, images/ and charts/ are optional; like k3s/, nothing unlisted in them is ever used.
  FLOE_ASSIGN_OR_RETURN(bundle.agentPackages, listedFiles(dir, kPackagesSubdir, *list, context));
  FLOE_ASSIGN_OR_RETURN(bundle.charts, listedFiles(dir, kChartsSubdir, *list, context));
  FLOE_ASSIGN_OR_RETURN(auto k3sFiles, listedFiles(dir, kK3sSubdir, *list, context));
  for (const auto& file : k3sFiles) {
    if (file.filename().string().rfind(kImagesPrefix, 0) == 0) bundle.imageArchives.push_back(file);
  }
  FLOE_ASSIGN_OR_RETURN(auto stackImages, listedFiles(dir, kImagesSubdir, *list, context));
  bundle.imageArchives.insert(bundle.imageArchives.end(), stackImages.begin(), stackImages.end());
  if (list->count(std::string(kK3sSubdir) + "/k3s") == 0) {
    return failedPrecondition(context + ": k3s/k3s is missing; the bundle has no k3s binary");
  }
  for (const auto& [name, digest] : *list) {
    if (!fs::exists(dir / name)) return failedPrecondition(context + ": " + name + " is listed but missing");
    FLOE_RETURN_IF_ERROR(verifyChecksum(dir / name, digest).withContext(context));
  }
  bundle.sha256 = std::move(*list);
  return bundle;
}

namespace {

std::string bundleName(const fs::path& file) {
  return file.parent_path().filename().string() + "/" + file.filename().string();
}

// Everything but installing: the bundle verified, or the binary found.
Result<K3sBinary> findK3s(const K3sLocateOptions& options) {
  if (options.bundleDir) {
    FLOE_RETURN_IF_ERROR(openAirgapBundle(*options.bundleDir).status());
    return K3sBinary{options.installDir / "k3s", "airgap bundle " + options.bundleDir->string(), std::nullopt};
  }
  if (options.binary) {
    if (!isExecutableFile(*options.binary)) {
      return notFound("--k3s-binary " + options.binary->string() + " is not an executable file");
    }
    return K3sBinary{fs::absolute(*options.binary), "--k3s-binary", std::nullopt};
  }
  if (isExecutableFile(options.installDir / "k3s")) {
    return K3sBinary{options.installDir / "k3s", "installed", std::nullopt};
  }
  if (auto found = findInPath("k3s"); found.isOk()) return K3sBinary{*found, "installed", std::nullopt};
  return notFound("k3s is not installed (looked in " + options.installDir.string() +
                  " and on PATH); pass --bundle DIR with an airgap bundle or --k3s-binary PATH, "
                  "or --no-k3s to run without Kubernetes");
}

}  // namespace

Status checkK3sAvailable(const K3sLocateOptions& options) { return findK3s(options).status(); }

Result<std::vector<std::string>> installAgentPackages(const AirgapBundle& bundle, const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& package : bundle.agentPackages) {
    FLOE_RETURN_IF_ERROR(installFile(package, dir / package.filename(),
                                     fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                         fs::perms::others_read,
                                     bundle.sha256.at(bundleName(package))));
    names.push_back(package.filename().string());
  }
  return names;
}

Result<K3sBinary> locateK3s(const K3sLocateOptions& options) {
  if (!options.bundleDir) return findK3s(options);
  FLOE_ASSIGN_OR_RETURN(auto bundle, openAirgapBundle(*options.bundleDir));
  fs::path installed = options.installDir / "k3s";
  FLOE_RETURN_IF_ERROR(installFile(bundle.k3sBinary, installed, kExecutable, bundle.sha256.at(bundleName(bundle.k3sBinary))));
  for (const auto& archive : bundle.imageArchives) {
    FLOE_RETURN_IF_ERROR(installFile(archive, options.paths.imagesDir() / archive.filename(),
                                     fs::perms::owner_read | fs::perms::owner_write,
                                     bundle.sha256.at(bundleName(archive))));
  }
  for (const auto& chart : bundle.charts) {
    FLOE_RETURN_IF_ERROR(installFile(chart, options.paths.dataDir / "server" / "static" / kChartsSubdir / chart.filename(),
                                     fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                         fs::perms::others_read,
                                     bundle.sha256.at(bundleName(chart))));
  }
  return K3sBinary{installed, "airgap bundle " + options.bundleDir->string(), std::move(bundle)};
}

}  // namespace floe::bootstrap
