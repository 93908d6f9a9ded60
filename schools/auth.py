"""The authentication backend: Django's ModelBackend, kept under the project's own name.

Sessions remember the dotted path of the backend that logged a person in; renaming it would
log everyone out. (It once read the person with a statement prepared outside Django's cursor;
that is gone, so every query of a request is one Django sees and tests count.)"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class Backend(ModelBackend):
    pass
