"""The Celery app, wired the usual way: settings under the CELERY_ namespace, tasks found in
every installed app's ``tasks.py``."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dialoog.settings")

app = Celery("dialoog")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The embedded broker (kombu's filesystem transport) keeps its messages in folders that
# must exist before the first message is sent or read.
if str(app.conf.broker_url).startswith("filesystem://"):
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        folder = app.conf.broker_transport_options.get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
