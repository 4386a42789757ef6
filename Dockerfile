# syntax=docker/dockerfile:1
# safetybot's image: the builder stage turns the project and its dependencies into wheels; the final stage
# installs them (with the PostgreSQL driver) on a slim Python and runs as a non-root user.
#
#   docker build -t safetybot .
#   docker run --env-file .env -v safetybot-data:/data safetybot      # one process, SQLite in /data
#   docker compose up -d                                              # PostgreSQL and every role (compose.yaml)
#
# Needs BuildKit (the default builder since Docker 23) for the bind mount in the final stage.

FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY adapters ./adapters

# The project's wheel plus a wheel of every dependency, the postgres extra (asyncpg) included, so the final
# stage installs offline and needs no compiler. If a dependency has no wheel for your platform, add
# `RUN apt-get update && apt-get install -y --no-install-recommends build-essential` above this line.
RUN pip wheel --wheel-dir /wheels ".[postgres]"


FROM python:3.11-slim

LABEL org.opencontainers.image.title="safetybot" \
      org.opencontainers.image.description="A chat bot that helps people stay safe online" \
      org.opencontainers.image.licenses="MIT"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# Installed from the builder's wheels through a bind mount, so the wheels never become a layer of the image.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels "safetybot[postgres]"

RUN groupadd --system --gid 10001 safetybot \
 && useradd --system --uid 10001 --gid safetybot --create-home --home-dir /home/safetybot \
        --shell /usr/sbin/nologin safetybot \
 && mkdir -p /data \
 && chown safetybot:safetybot /data

WORKDIR /app

# The wheel does not carry content/ (only bot* and adapters* are packaged), so it lives beside the app,
# owned by root: the bot reads it and cannot change it.
COPY content ./content

ENV SAFETYBOT_DATA_DIR=/data \
    SAFETYBOT_CONTENT_DIR=/app/content \
    SAFETYBOT_METRICS_HOST=0.0.0.0 \
    SAFETYBOT_METRICS_PORT=9102

# SQLite (one-process deployments), the lock file beside it and the encoder's vector cache (/data/cache).
VOLUME ["/data"]

USER 10001:10001

# Metrics and health (/metrics, /healthz). Telegram's webhook port (TELEGRAM_WEBHOOK_PORT, 8443) and the
# dashboard's (SAFETYBOT_DASHBOARD_PORT) are published per service in compose.yaml.
EXPOSE 9102

# The bot stops gracefully on SIGTERM: senders give back what they hold, pools close. Allow it ~30 s
# (`docker stop -t 30`, compose's stop_grace_period).
STOPSIGNAL SIGTERM

# No curl in the slim image: Python's urllib. Shell form, so the port is read from the container's
# environment when the check runs; any failure (refused, timeout, non-2xx) exits 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${SAFETYBOT_METRICS_PORT:-9102}/healthz', timeout=4)" || exit 1

CMD ["safetybot", "run"]
