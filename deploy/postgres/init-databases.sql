-- One database per owner, each with its own login role: identity, subscriptions, payments,
-- the workers' sent-mail ledger (worker), and Temporal's two (temporal, temporal_visibility,
-- both owned by the role temporal).
--
-- Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d/), as the
-- superuser, with psql. The passwords come from the container's environment (psql's \getenv,
-- PostgreSQL 15+), so none is written here: docker-compose.yml passes IDENTITY_DB_PASSWORD,
-- SUBSCRIPTIONS_DB_PASSWORD, PAYMENTS_DB_PASSWORD, TEMPORAL_DB_PASSWORD and WORKER_DB_PASSWORD.
--
-- No service can connect to another's database (CONNECT is revoked from PUBLIC): a service that
-- needs another's data calls its API. Each role owns its database, so it owns the public schema
-- there (PostgreSQL 15+) and its migrations can create tables; temporal can create the trusted
-- btree_gin extension its visibility schema asks for.

\set ON_ERROR_STOP on

\getenv identity_password IDENTITY_DB_PASSWORD
\getenv subscriptions_password SUBSCRIPTIONS_DB_PASSWORD
\getenv payments_password PAYMENTS_DB_PASSWORD
\getenv temporal_password TEMPORAL_DB_PASSWORD
\getenv worker_password WORKER_DB_PASSWORD

\if :{?identity_password}
\else
  \warn 'IDENTITY_DB_PASSWORD is not set'
  SELECT 1 / 0 AS missing_password;
\endif
\if :{?subscriptions_password}
\else
  \warn 'SUBSCRIPTIONS_DB_PASSWORD is not set'
  SELECT 1 / 0 AS missing_password;
\endif
\if :{?payments_password}
\else
  \warn 'PAYMENTS_DB_PASSWORD is not set'
  SELECT 1 / 0 AS missing_password;
\endif
\if :{?temporal_password}
\else
  \warn 'TEMPORAL_DB_PASSWORD is not set'
  SELECT 1 / 0 AS missing_password;
\endif
\if :{?worker_password}
\else
  \warn 'WORKER_DB_PASSWORD is not set'
  SELECT 1 / 0 AS missing_password;
\endif

CREATE ROLE identity LOGIN PASSWORD :'identity_password';
CREATE ROLE subscriptions LOGIN PASSWORD :'subscriptions_password';
CREATE ROLE payments LOGIN PASSWORD :'payments_password';
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE ROLE worker LOGIN PASSWORD :'worker_password';

CREATE DATABASE identity OWNER identity;
CREATE DATABASE subscriptions OWNER subscriptions;
CREATE DATABASE payments OWNER payments;
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
CREATE DATABASE worker OWNER worker;

REVOKE ALL ON DATABASE identity FROM PUBLIC;
REVOKE ALL ON DATABASE subscriptions FROM PUBLIC;
REVOKE ALL ON DATABASE payments FROM PUBLIC;
REVOKE ALL ON DATABASE temporal FROM PUBLIC;
REVOKE ALL ON DATABASE temporal_visibility FROM PUBLIC;
REVOKE ALL ON DATABASE worker FROM PUBLIC;
