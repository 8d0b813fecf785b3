// The Spark settings a client needs to reach this lakehouse: the Iceberg REST catalog
// (Apache Polaris), its warehouse, and the S3 store (SeaweedFS) the tables live in.
//
// One source for two consumers: `floe spark-defaults` prints them for a client, and
// the deployer fills the `floe-spark-defaults` ConfigMap (`spark-defaults.conf`) from
// the same functions. Secrets never appear in the settings; they are referenced:
// - Iceberg's REST catalog resolves a property value `env:NAME` to the environment
//   variable NAME (EnvironmentUtil.resolveAll, before the catalog and its S3FileIO
//   see them), so the settings name variables: `s3.access-key-id env:AWS_ACCESS_KEY_ID`,
//   `credential env:FLOE_CATALOG_CREDENTIAL` (the OAuth `client_id:client_secret`).
//   An unset variable leaves the property unset: S3FileIO then falls back to the AWS
//   SDK's default chain, which reads AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY itself.
//   Spark's own `${env:NAME}` substitution is not used: it applies to Spark's
//   registered settings only, and catalog options reach Iceberg unsubstituted.
// - On Kubernetes, Spark sets those variables in the driver (cluster mode) and executor
//   pods from the Secrets (`spark.kubernetes.{driver,executor}.secretKeyRef.*`).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "floe/common/status.h"

namespace floe::appliance::lakehouse {

// What the deployer deploys, by name. The deployer and this file must agree; these
// constants are the one place they are written down.
inline constexpr std::string_view kLakehouseNamespace = "floe-lakehouse";  // Polaris, PostgreSQL, Spark
inline constexpr std::string_view kStorageNamespace = "floe-storage";      // SeaweedFS
inline constexpr std::string_view kDefaultCatalogUri = "http://polaris.floe-lakehouse.svc:8181/api/catalog";
inline constexpr std::string_view kDefaultS3Endpoint = "http://seaweedfs-s3.floe-storage.svc:8333";
// Polaris selects its catalog by the client's `warehouse`: it is the Polaris catalog
// name, whose storage base location is s3://<kDefaultWarehouseBucket>/.
inline constexpr std::string_view kDefaultWarehouse = "floe";
inline constexpr std::string_view kDefaultWarehouseBucket = "floe-warehouse";
inline constexpr std::string_view kDefaultCatalogName = "floe";  // spark.sql.catalog.<name>
// SeaweedFS ignores the region, but the AWS SDK refuses to sign without one.
inline constexpr std::string_view kDefaultRegion = "us-east-1";
// Polaris grants a principal its roles only when asked for them.
inline constexpr std::string_view kDefaultCatalogScope = "PRINCIPAL_ROLE:ALL";

// The ConfigMap the deployer writes, and its key (mounted as $SPARK_CONF_DIR/spark-defaults.conf).
inline constexpr std::string_view kSparkDefaultsConfigMap = "floe-spark-defaults";
inline constexpr std::string_view kSparkDefaultsConfigMapKey = "spark-defaults.conf";
// Secrets in kLakehouseNamespace. Their keys are named like the environment variables
// they become, so a pod can also take them whole with `envFrom`.
inline constexpr std::string_view kS3CredentialsSecret = "floe-s3-credentials";
inline constexpr std::string_view kS3AccessKeyIdVariable = "AWS_ACCESS_KEY_ID";
inline constexpr std::string_view kS3SecretAccessKeyVariable = "AWS_SECRET_ACCESS_KEY";
inline constexpr std::string_view kCatalogCredentialsSecret = "floe-catalog-credentials";
inline constexpr std::string_view kCatalogCredentialVariable = "FLOE_CATALOG_CREDENTIAL";  // client_id:client_secret

struct LakehouseEndpoints {
  std::string catalogUri{kDefaultCatalogUri};  // Iceberg REST catalog base URI
  std::string catalogName{kDefaultCatalogName};
  std::string warehouse{kDefaultWarehouse};
  std::string s3Endpoint{kDefaultS3Endpoint};
  std::string region{kDefaultRegion};
  bool pathStyleAccess = true;  // SeaweedFS serves buckets as paths, not as host names
  std::string s3AccessKeyIdVariable{kS3AccessKeyIdVariable};
  std::string s3SecretAccessKeyVariable{kS3SecretAccessKeyVariable};
  std::string s3CredentialsSecret{kS3CredentialsSecret};
  // Empty: the catalog needs no credential (no OAuth settings are emitted).
  std::string catalogCredentialVariable{kCatalogCredentialVariable};
  std::string catalogCredentialsSecret{kCatalogCredentialsSecret};
  std::string catalogScope{kDefaultCatalogScope};
};

using SparkProperty = std::pair<std::string, std::string>;

// Checks every field: URLs are absolute http(s) with a host and carry no user info
// (a credential in a URL would end up in a ConfigMap and in `ps`), names are what
// Spark and environment variables accept, and no value has whitespace (which neither
// spark-defaults.conf nor a `--conf k=v` word could carry).
Status validateEndpoints(const LakehouseEndpoints& endpoints);

// The Spark properties, in a stable order: Iceberg extensions, the catalog, its S3
// FileIO, credential references, the Kubernetes Secret references. Call
// validateEndpoints first.
std::vector<SparkProperty> sparkProperties(const LakehouseEndpoints& endpoints);

// `spark-defaults.conf`: a comment header, then one `key value` line per property.
std::string renderSparkDefaultsConf(const std::vector<SparkProperty>& properties);
// One `--conf key=value` per line, for spark-submit / pyspark / spark-sql
// (`spark-submit $(floe spark-defaults --format submit) app.py`).
std::string renderSubmitArguments(const std::vector<SparkProperty>& properties);

}  // namespace floe::appliance::lakehouse
