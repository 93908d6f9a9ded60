"""The production settings plus the bare views the benchmarks compare against: same
middleware, same database connection handling, one extra URL module."""

from dialoog.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
