"""The stock yardstick: a Django project as ``django-admin startproject`` makes it (its default
apps and its seven default middleware, no app of ours, no access log), with two views every
benchmark ratio divides by: an empty ``HttpResponse()`` and a one-row insert through the ORM.
Served by the same gunicorn configuration as dialoog, in the same run (bench/run.py)."""
