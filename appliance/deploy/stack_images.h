// The upstream images and chart the stack references, pinned in one place. The airgap bundle
// must carry exactly these (k8s-manifests/README.md lists them); `floe render` shows where
// each is used.
#pragma once

namespace floe::appliance::images {

// SEAWEEDFS_VERSION of appliance/lakehouse/versions.env: the release the lakehouse tier tests.
inline constexpr const char* kSeaweedfs = "docker.io/chrislusf/seaweedfs:4.48";
inline constexpr const char* kPostgres = "docker.io/library/postgres:17.6";
inline constexpr const char* kPolaris = "docker.io/apache/polaris:1.3.0-incubating";
inline constexpr const char* kPolarisAdmin = "docker.io/apache/polaris-admin-tool:1.3.0-incubating";
inline constexpr const char* kCurl = "docker.io/curlimages/curl:8.16.0";
// Built by spark-images/ (no registry involved) and imported by k3s from the airgap bundle;
// the tag is <SPARK_VERSION>-iceberg<ICEBERG_VERSION> of appliance/lakehouse/versions.env (a
// unit test keeps them equal).
inline constexpr const char* kSpark = "docker.io/floe/spark:4.1.3-iceberg1.11.0";

// Kubeflow Spark Operator: chart archive (charts/ of the airgap bundle) and its image.
inline constexpr const char* kSparkOperatorChartVersion = "2.3.0";
inline constexpr const char* kSparkOperatorChartFile = "spark-operator-2.3.0.tgz";
inline constexpr const char* kSparkOperatorRegistry = "ghcr.io";
inline constexpr const char* kSparkOperatorRepository = "kubeflow/spark-operator/controller";
inline constexpr const char* kSparkOperatorTag = "2.3.0";

}  // namespace floe::appliance::images
