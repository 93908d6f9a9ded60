"""Start the test identity provider: ``IDP_CONFIG=config.json python -m tests.oidc_provider.serve``.
Migrates its database, makes the client and the users of the config, and serves on the config's
port of 127.0.0.1 until it is terminated."""

from __future__ import annotations

import os

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import run  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

from tests.oidc_provider.settings import CONFIG  # noqa: E402
from tests.oidc_provider.validator import UNVERIFIED  # noqa: E402


def prepare() -> None:
    config = CONFIG
    call_command("migrate", "--noinput", "--verbosity", "0")
    client = config["client"]
    Application.objects.update_or_create(
        client_id=client["client_id"],
        defaults={
            "name": client["name"],
            "client_secret": client["client_secret"],
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": " ".join(client["redirect_uris"]),
            "algorithm": Application.RS256_ALGORITHM,
            "skip_authorization": False,
        },
    )
    unverified, _ = Group.objects.get_or_create(name=UNVERIFIED)
    for person in config["users"]:
        user, _ = User.objects.update_or_create(
            username=person["username"],
            defaults={"email": person["email"], "first_name": person.get("name", "")},
        )
        user.set_password(person["password"])
        user.save()
        if not person.get("verified", True):
            user.groups.add(unverified)


if __name__ == "__main__":
    prepare()
    run("127.0.0.1", int(CONFIG["port"]), get_wsgi_application(), threading=True)
