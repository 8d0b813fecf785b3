#include "head/head_init.h"

#include <sstream>

#include <nlohmann/json.hpp>

#include "floe/common/files.h"
#include "console/console_accounts.h"
#include "floe/pki/certificate_authority.h"
#include "head/host_names.h"
#include "state/store.h"

namespace floe::appliance {
namespace {

namespace fs = std::filesystem;
constexpr fs::perms kPrivateFile = fs::perms::owner_read | fs::perms::owner_write;
constexpr fs::perms kPublicFile = kPrivateFile | fs::perms::group_read | fs::perms::others_read;
constexpr fs::perms kPrivateDir = fs::perms::owner_all;
constexpr std::chrono::seconds kCaValidity{10LL * 365 * 24 * 3600};
constexpr std::chrono::seconds kServerCertValidity{2LL * 365 * 24 * 3600};
constexpr std::chrono::seconds kAdminCertValidity{2LL * 365 * 24 * 3600};
constexpr const char* kAdvertiseSetting = "advertise";

Status writeKeyPair(const fs::path& certPath, const pki::Certificate& cert, const fs::path& keyPath,
                    const pki::PrivateKey& key) {
  FLOE_ASSIGN_OR_RETURN(std::string keyPem, key.toPem());
  FLOE_ASSIGN_OR_RETURN(std::string certPem, cert.toPem());
  // Key first: a crash between the two leaves a key without a certificate, which the next
  // run replaces, never a certificate whose key is missing.
  FLOE_RETURN_IF_ERROR(writeFileAtomically(keyPath, keyPem, kPrivateFile));
  return writeFileAtomically(certPath, certPem, kPublicFile);
}

Result<std::vector<std::string>> readAdvertised(Store& store) {
  return store.read([](sqlite::Database& db) -> Result<std::vector<std::string>> {
    FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT value FROM settings WHERE key = ?"));
    select.bind(1, std::string_view(kAdvertiseSetting));
    FLOE_ASSIGN_OR_RETURN(bool row, select.step());
    if (!row) return std::vector<std::string>();
    auto parsed = nlohmann::json::parse(select.columnText(0), nullptr, false);
    if (!parsed.is_array()) return internalError("the stored advertised names are corrupt");
    return parsed.get<std::vector<std::string>>();
  });
}

Status storeAdvertised(Store& store, const std::vector<std::string>& names) {
  return store.write(Durability::kFull, [&](sqlite::Database& db) -> Status {
    FLOE_ASSIGN_OR_RETURN(auto insert, db.prepare("INSERT INTO settings (key, value) VALUES (?, ?)"));
    return insert.bind(1, std::string_view(kAdvertiseSetting))
        .bind(2, std::string_view(nlohmann::json(names).dump()))
        .run();
  });
}

Status validateAdvertised(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (isIpAddress(name)) continue;
    bool valid = !name.empty() && name.size() <= 253 &&
                 name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") ==
                     std::string::npos &&
                 name.front() != '-' && name.front() != '.';
    if (!valid) {
      return invalidArgument("--advertise '" + name + "' is neither an IP address nor a DNS name");
    }
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<std::string>> loadAdvertisedNames(const DataDir& dir) {
  FLOE_ASSIGN_OR_RETURN(auto store, Store::open(dir.database()));
  return readAdvertised(*store);
}

Result<InitReport> initHead(const InitOptions& options, const Clock& clock) {
  DataDir dir(options.dataDir);
  InitReport report;
  FLOE_RETURN_IF_ERROR(validateAdvertised(options.advertise));
  FLOE_RETURN_IF_ERROR(checkK3sServerSource(options.k3s, dir));

  bool hadDatabase = fs::exists(dir.database());
  FLOE_RETURN_IF_ERROR(ensureDirectory(dir.root, kPrivateDir));
  FLOE_RETURN_IF_ERROR(ensureDirectory(dir.pkiDir(), kPrivateDir));
  FLOE_ASSIGN_OR_RETURN(auto store, Store::open(dir.database()));
  if (!hadDatabase) report.created.push_back("state database " + dir.database().string());

  FLOE_ASSIGN_OR_RETURN(report.advertised, readAdvertised(*store));
  if (report.advertised.empty()) {
    std::string hostname = machineHostname();
    report.advertised = options.advertise.empty()
                            ? std::vector<std::string>{hostname.empty() ? "localhost" : hostname}
                            : options.advertise;
    FLOE_RETURN_IF_ERROR(storeAdvertised(*store, report.advertised));
  }

  int64_t now = clock.nowUnixSeconds();
  bool haveCaCert = fs::exists(dir.caCert());
  bool haveCaKey = fs::exists(dir.caKey());
  if (haveCaCert != haveCaKey) {
    return failedPrecondition("found only one of " + dir.caCert().string() + " and " +
                              dir.caKey().string() +
                              "; refusing to replace a cluster CA that nodes may trust. Restore the "
                              "missing file from a backup, or remove both to start a new cluster");
  }
  std::optional<pki::CertificateAuthority> ca;
  if (!haveCaCert) {
    FLOE_ASSIGN_OR_RETURN(auto created, pki::CertificateAuthority::create("floe cluster CA", now, kCaValidity));
    FLOE_RETURN_IF_ERROR(writeKeyPair(dir.caCert(), created.certificate(), dir.caKey(), created.key()));
    ca.emplace(std::move(created));
    report.created.push_back("cluster CA " + dir.caCert().string());
  } else {
    FLOE_ASSIGN_OR_RETURN(std::string certPem, readFile(dir.caCert()));
    FLOE_ASSIGN_OR_RETURN(std::string keyPem, readFile(dir.caKey()));
    FLOE_ASSIGN_OR_RETURN(auto loaded, pki::CertificateAuthority::load(certPem, keyPem));
    ca.emplace(std::move(loaded));
  }
  report.caSha256 = ca->certificate().derSha256Hex();

  if (!fs::exists(dir.serverCert()) || !fs::exists(dir.serverKey())) {
    pki::SubjectAltNames sans;
    sans.dnsNames.push_back("localhost");
    sans.ipAddresses = {"127.0.0.1", "::1"};
    for (const auto& name : report.advertised) {
      auto& list = isIpAddress(name) ? sans.ipAddresses : sans.dnsNames;
      if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
    }
    FLOE_ASSIGN_OR_RETURN(auto key, pki::PrivateKey::generateEcP256());
    FLOE_ASSIGN_OR_RETURN(auto cert, ca->issueServerCertificate(key, "floe-head", sans, now, kServerCertValidity));
    FLOE_RETURN_IF_ERROR(writeKeyPair(dir.serverCert(), cert, dir.serverKey(), key));
    report.created.push_back("server certificate " + dir.serverCert().string());
  }

  if (!fs::exists(dir.adminCert()) || !fs::exists(dir.adminKey())) {
    FLOE_ASSIGN_OR_RETURN(auto key, pki::PrivateKey::generateEcP256());
    FLOE_ASSIGN_OR_RETURN(auto cert, ca->issueClientCertificate(key, {"floe-admin", "floe-admin", {}}, now,
                                                                kAdminCertValidity));
    FLOE_RETURN_IF_ERROR(writeKeyPair(dir.adminCert(), cert, dir.adminKey(), key));
    report.created.push_back("admin client certificate " + dir.adminCert().string());
  }

  {
    console::ConsoleAccounts accounts(*store, clock);
    FLOE_ASSIGN_OR_RETURN(report.consoleAdminPassword, accounts.createWithRandomPassword(console::kAdminUser));
    if (report.consoleAdminPassword) {
      report.created.push_back(std::string("web console account '") + console::kAdminUser + "'");
    }
  }

  if (!fs::exists(dir.downloadsDir())) {
    FLOE_RETURN_IF_ERROR(ensureDirectory(dir.downloadsDir(), fs::perms::owner_all | fs::perms::group_read |
                                                                 fs::perms::group_exec | fs::perms::others_read |
                                                                 fs::perms::others_exec));
    report.created.push_back("downloads directory " + dir.downloadsDir().string() +
                             " (put floe-agent packages here to offer them to workers)");
  }

  auto runner = bootstrap::makeCommandRunner();
  std::ostringstream discard;
  FLOE_ASSIGN_OR_RETURN(auto k3sDone, setupK3sServer(options.k3s, dir, report.advertised, *runner,
                                                     options.progress ? *options.progress : discard));
  report.created.insert(report.created.end(), k3sDone.begin(), k3sDone.end());
  return report;
}

}  // namespace floe::appliance
