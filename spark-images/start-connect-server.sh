#!/bin/bash
# /opt/spark/sbin/start-connect-server.sh: Apache's Spark distribution has this script
# and manifests written for it run it as the container's command (with
# SPARK_NO_DAEMONIZE=true); the pyspark package this image is assembled from does not
# carry it. In a container the server belongs in the foreground, so this always runs
# it there, through the entrypoint's connect-server role (same arguments: spark-submit
# options such as --conf k=v).
exec /opt/entrypoint.sh connect-server "$@"
