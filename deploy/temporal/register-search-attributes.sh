#!/bin/sh
# One-shot job (temporalio/admin-tools image): register the platform's custom search attributes,
# the list of SEARCH_ATTRIBUTES in servicekit/temporal.py, all of type Keyword.
# Idempotent: an attribute already registered is left alone, so the job can run at every start.
set -eu

address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
attributes="AccountId RegistrationStatus SubscriptionId ContractNumber SubscriptionStatus SiteId OfferingId"

# The server answers before auto-setup has created the namespace: wait for it (3 minutes at most).
tries=0
until temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 90 ]; then
    echo "namespace $namespace not found at $address after 180 s" >&2
    exit 1
  fi
  sleep 2
done

existing="$(temporal operator search-attribute list --address "$address" --namespace "$namespace")"
for name in $attributes; do
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "search attribute $name: already registered"
  else
    temporal operator search-attribute create --address "$address" --namespace "$namespace" \
      --name "$name" --type Keyword
    echo "search attribute $name: registered (Keyword)"
  fi
done
