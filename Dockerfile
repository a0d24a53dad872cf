# One image for every component of the platform: identity, subscriptions, payments, the Temporal
# worker, the web front end and the one-shot migrations. docker-compose.yml chooses the command
# of each service; the default below runs the web front end.
#
#   docker build -t parking-platform .
#
# Runtime dependencies only, at the locked versions with their hashes (requirements/runtime.txt,
# `make lock`): no embedded tools (Temporal dev server, honcho, the mail catcher's aiosmtpd), no
# bench or test tools. Runs as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 platform \
    && useradd --system --uid 10001 --gid platform --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin platform

WORKDIR /src
# Dependencies first: their layer is reused until the lock changes.
COPY requirements/runtime.txt ./requirements/runtime.txt
RUN pip install --require-hashes -r requirements/runtime.txt
COPY pyproject.toml ./
COPY servicekit ./servicekit
COPY services ./services
COPY workflows ./workflows
COPY web ./web
COPY mailcatcher ./mailcatcher
# The gettext catalogs compiled once here (the root filesystem is read-only at run time).
RUN pip install --no-deps . \
    && python -c "from servicekit.i18n import compile_catalogs; compile_catalogs()" \
    && rm -rf /src

# /app: the working directory (no .env in the image: settings come from the environment).
# /var/lib/platform/identity: where identity keeps its signing key, /var/lib/platform/payments:
# cheque specimens and export files (volumes in compose); made here so a fresh named volume
# starts owned by the non-root user.
RUN mkdir -p /app /var/lib/platform/identity /var/lib/platform/payments \
    && chown -R platform:platform /app /var/lib/platform \
    && chmod 700 /var/lib/platform/identity /var/lib/platform/payments
WORKDIR /app
USER platform

EXPOSE 8000 8001 8002 8003
CMD ["uvicorn", "--factory", "web.main:create_app", "--host", "0.0.0.0", "--port", "8000"]
