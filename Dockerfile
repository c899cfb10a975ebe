# The assistant as one container: `docker compose up -d` (compose.yaml) runs it with PostgreSQL.
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md NOTICE ./
COPY src ./src
# Installed as root, run as an unprivileged user that owns only /data.
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin troly \
    && mkdir -p /data \
    && chown troly:troly /data

ENV TROLY_HOST=0.0.0.0 \
    TROLY_PORT=8080 \
    TROLY_DATABASE_URL=sqlite:////data/troly.db \
    TROLY_ENVIRONMENT=production \
    PYTHONUNBUFFERED=1

VOLUME ["/data"]
EXPOSE 8080
USER troly

# /healthz answers 200 only while the database answers (503 otherwise; urlopen raises on it).
# The image has no curl: Python asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request as r; r.urlopen('http://127.0.0.1:' + os.environ.get('TROLY_PORT', '8080') + '/healthz', timeout=4)" || exit 1

CMD ["troly", "serve"]
