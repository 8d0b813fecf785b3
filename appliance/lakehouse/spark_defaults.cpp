#include "lakehouse/spark_defaults.h"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace floe::appliance::lakehouse {
namespace {

constexpr std::string_view kIcebergExtensions = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions";
constexpr std::string_view kIcebergSparkCatalog = "org.apache.iceberg.spark.SparkCatalog";
constexpr std::string_view kS3FileIo = "org.apache.iceberg.aws.s3.S3FileIO";
// Iceberg's REST catalog replaces a property value `env:NAME` by $NAME.
constexpr std::string_view kIcebergEnvironmentPrefix = "env:";

bool hasWhitespace(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); });
}

// Letters, digits and underscores, not starting with a digit: Spark catalog names
// (they are SQL identifiers) and environment variable names alike.
bool isIdentifier(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text.front()))) return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// Kubernetes object names (DNS-1123 subdomain, as Secrets use).
bool isKubernetesName(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  if (!std::isalnum(static_cast<unsigned char>(text.front())) || !std::isalnum(static_cast<unsigned char>(text.back())))
    return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-' || c == '.';
  });
}

// A URL as it may be shown in an error: user info (a typed-in password) replaced.
std::string redactUserInfo(std::string_view url) {
  auto authority = url.find("://");
  if (authority == std::string_view::npos) return std::string(url);
  authority += 3;
  auto at = url.find('@', authority);
  if (at == std::string_view::npos || at > url.find('/', authority)) return std::string(url);
  return std::string(url.substr(0, authority)) + "***" + std::string(url.substr(at));
}

Status validateHttpUrl(std::string_view what, std::string_view url) {
  auto fail = [&](std::string_view why) {
    return invalidArgument(std::string(what) + " '" + redactUserInfo(url) + "' " + std::string(why));
  };
  if (url.empty()) return invalidArgument(std::string(what) + " is empty: give an http:// or https:// URL");
  if (hasWhitespace(url)) return fail("contains whitespace");
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return fail("is not an absolute URL (" + parsed.error().message() + "), e.g. http://host:port/path");
  if (parsed->scheme() != "http" && parsed->scheme() != "https") {
    return fail("must use http or https, not '" + std::string(parsed->scheme()) + "'");
  }
  if (parsed->host().empty()) return fail("has no host");
  // Credentials travel in Secrets, never in settings that land in a ConfigMap.
  if (parsed->has_userinfo()) return fail("must not carry user:password@ (credentials come from a Secret)");
  if (parsed->has_query() || parsed->has_fragment()) return fail("must not have a ?query or #fragment");
  return Status::ok();
}

std::string withoutTrailingSlash(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

Status validateEndpoints(const LakehouseEndpoints& e) {
  FLOE_RETURN_IF_ERROR(validateHttpUrl("catalog URI", e.catalogUri));
  FLOE_RETURN_IF_ERROR(validateHttpUrl("S3 endpoint", e.s3Endpoint));
  if (!isIdentifier(e.catalogName)) {
    return invalidArgument("catalog name '" + e.catalogName +
                           "' must be letters, digits and underscores, not starting with a digit");
  }
  if (e.warehouse.empty()) return invalidArgument("warehouse is empty: give the catalog's warehouse name or location");
  if (hasWhitespace(e.warehouse)) return invalidArgument("warehouse '" + e.warehouse + "' contains whitespace");
  if (e.region.empty() || !std::all_of(e.region.begin(), e.region.end(), [](unsigned char c) {
        return std::islower(c) || std::isdigit(c) || c == '-';
      })) {
    return invalidArgument("region '" + e.region + "' must be lowercase letters, digits and dashes, e.g. us-east-1");
  }
  for (auto [what, name] : {std::pair{"S3 access key variable", &e.s3AccessKeyIdVariable},
                            std::pair{"S3 secret key variable", &e.s3SecretAccessKeyVariable}}) {
    if (!isIdentifier(*name)) {
      return invalidArgument(std::string(what) + " '" + *name + "' is not an environment variable name");
    }
  }
  if (!isKubernetesName(e.s3CredentialsSecret)) {
    return invalidArgument("S3 credentials Secret '" + e.s3CredentialsSecret + "' is not a Kubernetes object name");
  }
  if (!e.catalogCredentialVariable.empty()) {
    if (!isIdentifier(e.catalogCredentialVariable)) {
      return invalidArgument("catalog credential variable '" + e.catalogCredentialVariable +
                             "' is not an environment variable name");
    }
    if (!isKubernetesName(e.catalogCredentialsSecret)) {
      return invalidArgument("catalog credentials Secret '" + e.catalogCredentialsSecret +
                             "' is not a Kubernetes object name");
    }
    if (hasWhitespace(e.catalogScope)) {
      return invalidArgument("catalog scope '" + e.catalogScope + "' contains whitespace");
    }
  }
  return Status::ok();
}

std::vector<SparkProperty> sparkProperties(const LakehouseEndpoints& e) {
  const std::string catalog = "spark.sql.catalog." + e.catalogName;
  const std::string catalogUri = withoutTrailingSlash(e.catalogUri);
  std::vector<SparkProperty> properties = {
      {"spark.sql.extensions", std::string(kIcebergExtensions)},
      {"spark.sql.defaultCatalog", e.catalogName},
      {catalog, std::string(kIcebergSparkCatalog)},
      {catalog + ".type", "rest"},
      {catalog + ".uri", catalogUri},
      {catalog + ".warehouse", e.warehouse},
      {catalog + ".io-impl", std::string(kS3FileIo)},
      {catalog + ".s3.endpoint", withoutTrailingSlash(e.s3Endpoint)},
      {catalog + ".s3.path-style-access", e.pathStyleAccess ? "true" : "false"},
      {catalog + ".client.region", e.region},
      {catalog + ".s3.access-key-id", std::string(kIcebergEnvironmentPrefix) + e.s3AccessKeyIdVariable},
      {catalog + ".s3.secret-access-key", std::string(kIcebergEnvironmentPrefix) + e.s3SecretAccessKeyVariable},
  };
  if (!e.catalogCredentialVariable.empty()) {
    properties.emplace_back(catalog + ".rest.auth.type", "oauth2");
    properties.emplace_back(catalog + ".credential",
                            std::string(kIcebergEnvironmentPrefix) + e.catalogCredentialVariable);
    properties.emplace_back(catalog + ".oauth2-server-uri", catalogUri + "/v1/oauth/tokens");
    if (!e.catalogScope.empty()) properties.emplace_back(catalog + ".scope", e.catalogScope);
  }
  // On Kubernetes, Spark creates the driver (cluster mode) and executor pods itself and
  // sets these variables in them from the Secrets; elsewhere Spark ignores these keys
  // and the client's own environment supplies the variables.
  for (const auto& role : {"driver", "executor"}) {
    const std::string prefix = std::string("spark.kubernetes.") + role + ".secretKeyRef.";
    for (const auto* variable : {&e.s3AccessKeyIdVariable, &e.s3SecretAccessKeyVariable}) {
      properties.emplace_back(prefix + *variable, e.s3CredentialsSecret + ":" + *variable);
    }
    if (!e.catalogCredentialVariable.empty()) {
      properties.emplace_back(prefix + e.catalogCredentialVariable,
                              e.catalogCredentialsSecret + ":" + e.catalogCredentialVariable);
    }
  }
  return properties;
}

std::string renderSparkDefaultsConf(const std::vector<SparkProperty>& properties) {
  std::string out =
      "# Generated by floe (floe spark-defaults): the Iceberg catalog and S3 store of this lakehouse.\n"
      "# No secrets here: a value 'env:NAME' is read from the environment variable NAME by Iceberg.\n";
  for (const auto& [key, value] : properties) out += key + " " + value + "\n";
  return out;
}

std::string renderSubmitArguments(const std::vector<SparkProperty>& properties) {
  std::string out;
  for (const auto& [key, value] : properties) out += "--conf " + key + "=" + value + "\n";
  return out;
}

}  // namespace floe::appliance::lakehouse
