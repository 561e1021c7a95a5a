"""Settings for bench/api.py's server: the project's, plus bare baseline views."""

from pipeline_safety.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bench"
