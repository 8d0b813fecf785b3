"""Run inside the image by test_spark_image.py: writes to an s3a:// path whose endpoint
(the only argument) has nothing listening, and prints the exception chain, one line
each. The test checks that S3A got as far as an HTTP request, i.e. that hadoop-aws and
the AWS SDK classes it needs are all in the image (else: "No FileSystem for scheme
s3a" or a NoClassDefFoundError). Writing to a real S3 store is the lakehouse tier's."""

import sys

from pyspark.errors.exceptions.captured import CapturedException
from pyspark.sql import SparkSession
from py4j.protocol import Py4JJavaError

spark = (
    SparkSession.builder.master("local[1]")
    .appName("floe-image-s3a-check")
    .config("spark.hadoop.fs.s3a.endpoint", sys.argv[1])
    .config("spark.hadoop.fs.s3a.path.style.access", "true")
    .config("spark.hadoop.fs.s3a.access.key", "floe-test")
    .config("spark.hadoop.fs.s3a.secret.key", "floe-test-secret")
    .config("spark.hadoop.fs.s3a.attempts.maximum", "1")
    .config("spark.hadoop.fs.s3a.retry.limit", "1")
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
try:
    spark.range(3).write.mode("overwrite").parquet("s3a://floe-test/events")
    print("S3A unexpectedly wrote to an endpoint where nothing listens", flush=True)
except (Py4JJavaError, CapturedException) as error:
    cause = error.java_exception if isinstance(error, Py4JJavaError) else error._origin
    while cause is not None:
        print("S3A-CAUSE", cause.toString().splitlines()[0][:400], flush=True)
        cause = cause.getCause()
spark.stop()
