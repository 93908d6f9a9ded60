"""A real OpenID Connect provider for the sign-in tests: django-oauth-toolkit with OIDC, in a
Django project of its own that runs in its own process on 127.0.0.1 (``serve.py``), with its
own PostgreSQL database. It stands in for Microsoft, Google or Entree Federatie: a login page,
a consent page, the token, userinfo and key endpoints, discovery."""
