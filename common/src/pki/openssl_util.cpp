#include "openssl_util.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <chrono>
#include <ctime>
#include <limits>
#include <vector>

namespace floe::pki::detail {

std::string takeOpenSslError() {
  // OpenSSL queues the root cause first and each caller's failure after it;
  // printing them outermost first reads like a Status context chain, e.g.
  // "ASN1 lib: nested asn1 error (Type=X509): bad object header: too long".
  std::vector<std::string> reasons;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    std::string text;
    if (const char* reason = ERR_reason_error_string(code)) {
      text = reason;
    } else {
      char buf[256];
      ERR_error_string_n(code, buf, sizeof(buf));
      text = buf;
    }
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      text += std::string(" (") + data + ")";
    }
    reasons.push_back(std::move(text));
  }
  std::string joined;
  for (auto it = reasons.rbegin(); it != reasons.rend(); ++it) {
    if (!joined.empty()) joined += ": ";
    joined += *it;
  }
  return joined;
}

Status openSslFailure(ErrorCode code, std::string_view what) {
  std::string reason = takeOpenSslError();
  if (reason.empty()) return Status(code, std::string(what));
  return Status(code, std::string(what) + ": " + reason);
}

Result<BioPtr> readOnlyBio(std::string_view data) {
  if (data.size() > static_cast<size_t>(std::numeric_limits<int>::max())) return invalidArgument("input too large");
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) return openSslFailure(ErrorCode::kInternal, "allocating a memory BIO");
  return bio;
}

Result<BioPtr> writableBio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return openSslFailure(ErrorCode::kInternal, "allocating a memory BIO");
  return bio;
}

std::string bioContents(BIO* bio) {
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  if (mem == nullptr || mem->data == nullptr) return {};
  return std::string(mem->data, mem->length);
}

std::string nameEntryUtf8(const X509_NAME* name, int nid) {
  if (name == nullptr) return {};
  int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) {
    ERR_clear_error();
    return {};
  }
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

Status addNameEntry(X509_NAME* name, int nid, std::string_view value, std::string_view label) {
  if (value.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return invalidArgument(std::string(label) + " is too long");
  }
  if (X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    // The usual cause is a length limit (64 bytes for CN and O), which OpenSSL
    // reports as "string too long".
    return openSslFailure(ErrorCode::kInvalidArgument,
                          "setting " + std::string(label) + " '" + std::string(value) + "'");
  }
  return Status::ok();
}

namespace {

bool isP256(EVP_PKEY* key) {
  char group[80] = {};
  size_t length = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof(group), &length) != 1) {
    ERR_clear_error();
    return false;
  }
  // OpenSSL may report the curve by its X9.62 name or its NIST name.
  int nid = OBJ_sn2nid(group);
  if (nid == NID_undef) nid = EC_curve_nist2nid(group);
  return nid == NID_X9_62_prime256v1;
}

std::string ecCurveName(EVP_PKEY* key) {
  char group[80] = {};
  size_t length = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof(group), &length) != 1) {
    ERR_clear_error();
    return "unknown curve";
  }
  return group;
}

}  // namespace

std::string describeKey(EVP_PKEY* key) {
  if (key == nullptr) return "no key";
  if (EVP_PKEY_is_a(key, "EC")) {
    return isP256(key) ? "EC P-256" : "EC " + ecCurveName(key);
  }
  if (EVP_PKEY_is_a(key, "RSA")) {
    return "RSA " + std::to_string(EVP_PKEY_get_bits(key)) + " bits";
  }
  const char* type = EVP_PKEY_get0_type_name(key);
  return type != nullptr ? type : "unknown key type";
}

Status checkKeyPolicy(EVP_PKEY* key) {
  if (key == nullptr) return invalidArgument("no public key");
  if (EVP_PKEY_is_a(key, "EC")) {
    if (isP256(key)) return Status::ok();
    return invalidArgument("EC key on curve " + ecCurveName(key) + "; need P-256 (prime256v1)");
  }
  if (EVP_PKEY_is_a(key, "RSA")) {
    int bits = EVP_PKEY_get_bits(key);
    if (bits >= 2048) return Status::ok();
    return invalidArgument("RSA key of " + std::to_string(bits) + " bits; need at least 2048");
  }
  return invalidArgument(describeKey(key) + " key is not supported; use EC P-256 or RSA >= 2048 bits");
}

const EVP_MD* signingDigestFor(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448")) return nullptr;
  return EVP_sha256();
}

std::string lowercaseHex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

std::optional<int64_t> asn1TimeToUnix(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  // Civil-date arithmetic instead of timegm(), which is not standard C++.
  using namespace std::chrono;
  const year_month_day date{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                            day{static_cast<unsigned>(tm.tm_mday)}};
  const auto midnight = sys_days{date}.time_since_epoch();
  return duration_cast<seconds>(midnight).count() + tm.tm_hour * 3600LL + tm.tm_min * 60LL +
         tm.tm_sec;
}

}  // namespace floe::pki::detail
