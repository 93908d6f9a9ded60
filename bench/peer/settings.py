"""The stock project's settings (startproject's) with the peer app in place of the stock one;
the database is the peer's own (bench/yardsticks.py sets YARDSTICK_DATABASE_URL)."""

from bench.stock.settings import *  # noqa: F403
from bench.stock.settings import INSTALLED_APPS

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "bench.stock"] + ["survey"]
ROOT_URLCONF = "bench.peer.urls"
WSGI_APPLICATION = "bench.peer.wsgi.application"
