#!/bin/sh
# One-shot job (temporalio/admin-tools image): create the namespace when it is missing, then
# register the platform's custom search attributes, the list of SEARCH_ATTRIBUTES in
# servicekit/temporal.py, all of type Keyword.
# Idempotent: a namespace or attribute that exists is left alone, so the job runs at every start.
set -eu

address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-30d}"
attributes="AccountId RegistrationStatus SubscriptionId ContractNumber SubscriptionStatus SiteId OfferingId"

# The server may still be starting: wait until it answers (3 minutes at most).
tries=0
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 90 ]; then
    echo "Temporal not answering at $address after 180 s" >&2
    exit 1
  fi
  sleep 2
done

if temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
  echo "namespace $namespace: exists"
else
  temporal operator namespace create --address "$address" --namespace "$namespace" \
    --retention "$retention"
  echo "namespace $namespace: created (retention $retention)"
fi

# A namespace just created is usable once the server's namespace cache sees it (seconds).
tries=0
until existing="$(temporal operator search-attribute list --address "$address" --namespace "$namespace" 2>/dev/null)"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 90 ]; then
    echo "namespace $namespace not usable at $address after 180 s" >&2
    exit 1
  fi
  sleep 2
done
for name in $attributes; do
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "search attribute $name: already registered"
  else
    temporal operator search-attribute create --address "$address" --namespace "$namespace" \
      --name "$name" --type Keyword
    echo "search attribute $name: registered (Keyword)"
  fi
done
