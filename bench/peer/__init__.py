"""The peer: django-survey-and-report (https://github.com/Pierre-Sassoulas/django-survey),
installed in the benchmark's own environment only (var/bench/peer-venv, made by bench/run.py),
in a project as ``startproject`` makes it, with one survey of 40 five-point questions on one
page. Its complete questionnaire is what dialoog's whole teacher flow is measured against."""
