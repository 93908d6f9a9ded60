# syntax=docker/dockerfile:1
# Production image of dialoog: one image for web (gunicorn), worker and beat (Celery) and the
# one-shot migrate job; docker-compose.yml picks the role with `command:`.

# --- Stage 1: front-end assets. Node lives only in this stage. ---------------------------------
FROM node:20-slim AS static
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY scripts/build-static.mjs scripts/build-static.mjs
# Copies Bootstrap and Bootstrap Icons into static/vendor.
RUN npm run build

# --- Stage 2: the Python app. --------------------------------------------------------------------
FROM python:3.11-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=dialoog.settings

RUN groupadd --system --gid 10001 dialoog \
    && useradd --system --uid 10001 --gid dialoog --create-home --home-dir /home/dialoog \
       --shell /usr/sbin/nologin dialoog

WORKDIR /app

# Runtime dependencies only (no dev lock); a layer of its own so code changes reuse it.
COPY requirements.lock ./
RUN pip install --root-user-action=ignore --no-cache-dir -r requirements.lock

COPY . .
COPY --from=static /build/static/vendor ./static/vendor

# collectstatic needs settings that import with DEBUG off; these throwaway values exist only for
# this RUN (build args are not baked into the image's environment). The real SECRET_KEY and
# ALLOWED_HOSTS come from the environment at run time.
ARG COLLECTSTATIC_SECRET_KEY=collectstatic-only-not-a-real-key
ARG COLLECTSTATIC_ALLOWED_HOSTS=localhost
ARG COLLECTSTATIC_BALLOT_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLWtleSEhISE=
RUN DEBUG=0 \
    SECRET_KEY="$COLLECTSTATIC_SECRET_KEY" \
    BALLOT_KEYS="$COLLECTSTATIC_BALLOT_KEYS" \
    ALLOWED_HOSTS="$COLLECTSTATIC_ALLOWED_HOSTS" \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p var \
    && chown dialoog:dialoog var

USER dialoog

EXPOSE 8000

# Python's urllib, so the image needs no curl. The Host header is the first ALLOWED_HOSTS entry
# and X-Forwarded-Proto says https, so the check passes with SECURE_SSL_REDIRECT on; any non-2xx
# (503 when the database or broker is down) makes urlopen raise and the check fail.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = (os.environ.get('ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=5)"]

CMD ["gunicorn", "dialoog.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
