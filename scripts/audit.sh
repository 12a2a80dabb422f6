#!/usr/bin/env bash
# Dependency advisories: `pnpm audit` (high and critical fail the build) when the registry's audit
# endpoint answers, and always the offline floors of scripts/check-advisories.mjs.
set -uo pipefail
cd "$(dirname "$0")/.."
output="$(pnpm audit --audit-level high 2>&1)"
status=$?
if [ "$status" -eq 0 ]; then
  echo "$output" | tail -n 3
elif grep -q 'ERR_PNPM_AUDIT_BAD_RESPONSE\|ERR_PNPM_AUDIT_ENDPOINT_NOT_EXISTS\|ECONNREFUSED\|ETIMEDOUT\|ENOTFOUND' <<<"$output"; then
  echo "pnpm audit: the registry's audit endpoint did not answer here; relying on the advisory floors."
else
  echo "$output"
  exit 1
fi
node scripts/check-advisories.mjs
