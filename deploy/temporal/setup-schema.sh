#!/bin/sh
# One-shot job (temporalio/admin-tools image): set up Temporal's two PostgreSQL schemas and bring
# them to the version of the server image, as Temporal's own compose files do. Idempotent: run at
# every `docker compose up`, it applies only the versions a database lacks, so a new server image
# migrates on deploy. The databases and their owner (role temporal) come from
# deploy/postgres/init-databases.sql; the password from SQL_PASSWORD.
set -eu

host="${POSTGRES_SEEDS:-postgres}"
port="${DB_PORT:-5432}"
user="${POSTGRES_USER:-temporal}"
schemas=/etc/temporal/schema/postgresql/v12

for database in temporal temporal_visibility; do
  case "$database" in
    temporal) versioned="$schemas/temporal/versioned" ;;
    *) versioned="$schemas/visibility/versioned" ;;
  esac
  tool="temporal-sql-tool --plugin postgres12 --ep $host -p $port -u $user --db $database"
  $tool setup-schema -v 0.0
  $tool update-schema -d "$versioned"
  echo "schema of $database: up to date"
done
