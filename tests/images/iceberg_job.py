"""A small Spark job run inside the image by test_spark_image.py: Spark in local mode
writes and reads an Iceberg table in a Hadoop catalog at the warehouse path given as
the only argument, and maps over its rows in Python (so a PySpark worker runs too).
Prints one RESULT line for the test to check."""

import sys

from pyspark.sql import SparkSession

warehouse = sys.argv[1]
spark = (
    SparkSession.builder.master("local[2]")
    .appName("floe-image-iceberg-check")
    .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
    .config("spark.sql.catalog.local", "org.apache.iceberg.spark.SparkCatalog")
    .config("spark.sql.catalog.local.type", "hadoop")
    .config("spark.sql.catalog.local.warehouse", warehouse)
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
spark.sql("CREATE TABLE local.db.events (id BIGINT, name STRING) USING iceberg")
spark.sql("INSERT INTO local.db.events VALUES (1, 'a'), (2, 'b'), (3, 'c')")
spark.sql("INSERT INTO local.db.events VALUES (4, 'd')")
count, total = spark.sql("SELECT count(*), sum(id) FROM local.db.events").collect()[0]
doubled = spark.table("local.db.events").rdd.map(lambda row: row.id * 2).sum()
snapshots = spark.sql("SELECT count(*) FROM local.db.events.snapshots").collect()[0][0]
print(f"RESULT rows={count} sum={total} doubled={doubled} snapshots={snapshots}", flush=True)
spark.stop()
