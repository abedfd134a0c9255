"""Settings for bench/writes.py alone: production's (bench/setup.py sets DEBUG off), with
the benchmark's URLconf in front (bench/urls.py: its minimal write, then the site's), and
rates no run of the benchmark reaches. The limits are still counted on every write, as in
production; only their rates change. Never used by the site."""

from korea_reader.settings import *  # noqa: F403
from korea_reader.settings import WRITE_LIMITS

ROOT_URLCONF = "bench.urls"
WRITE_LIMITS = dict.fromkeys(WRITE_LIMITS, "1000000/m")
