# Herald: `docker compose up` runs it next to PostgreSQL (see docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HERALD_CONTENT_DIR=/app/content \
    HERALD_HTTP_PORT=8080 \
    HERALD_HTTP_HOST=0.0.0.0

WORKDIR /app

# Runtime dependencies only: `pip install .`, never the [test] extra. Built from /src, which is
# then removed, so the only copy of the code is the installed one.
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY adapters /src/adapters
RUN cd /src && pip install . \
    && cd / && rm -rf /src /root/.cache

# The sample posts, so the image runs on its own; compose mounts the real site's posts over them.
COPY content ./content

# A non-root user; ./data holds the SQLite database when HERALD_DATABASE_URL is left at its default.
RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin herald \
    && mkdir -p /app/data \
    && chown herald:herald /app/data
USER herald

EXPOSE 8080

# slim has no curl: probe /healthz with the standard library (urlopen raises on 503 → exit 1).
# HERALD_HTTP_PORT=0 turns the server off, and then there is nothing to probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD [ "${HERALD_HTTP_PORT:-8080}" = "0" ] || python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${HERALD_HTTP_PORT:-8080}/healthz', timeout=4)"

ENTRYPOINT ["herald"]
CMD ["run"]
