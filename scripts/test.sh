#!/usr/bin/env bash
# Runs every check trement's CI runs, on a fresh machine too: it makes sure
# PostgreSQL answers on 127.0.0.1:5432 (starting it if it is installed but
# down), installs the tools the tests use (oathtool, Chromium) when it can,
# then vets, checks formatting and runs the whole suite with the race
# detector against SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

# Tools the tests drive: oathtool (an independent TOTP implementation) and a
# headless Chromium for the web pages. Installed from Debian when missing.
need=()
command -v oathtool >/dev/null 2>&1 || need+=(oathtool)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${need[*]}"
    # policy-rc.d keeps the prometheus package (wanted only for promtool)
    # from starting a server during the install.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null) ||
      log "could not install ${need[*]}: the tests that need them will skip"
    rm -f /usr/sbin/policy-rc.d
  else
    log "missing ${need[*]} and cannot install them: the tests that need them will skip"
  fi
fi

# axe-core, the accessibility engine the browser tests inject into the
# console's pages (from the npm registry, pinned, cached between runs).
axe_version=4.14.1
axe_dir="${XDG_CACHE_HOME:-$HOME/.cache}/trement-test/axe-core-$axe_version"
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
  if command -v npm >/dev/null 2>&1; then
    log "installing axe-core $axe_version (npm) into $axe_dir"
    npm install --prefix "$axe_dir" "axe-core@$axe_version" --no-audit --no-fund --silent >/dev/null 2>&1 ||
      log "could not install axe-core: the browser tests' accessibility checks will not run"
  else
    log "npm is missing: the browser tests' accessibility checks will not run"
  fi
fi
[ -f "$axe_dir/node_modules/axe-core/axe.min.js" ] && export TREMENT_AXE_JS="$axe_dir/node_modules/axe-core/axe.min.js"

# PostgreSQL for the contract suite.
if [ -z "${TREMENT_TEST_POSTGRES_URL:-}" ]; then
  if command -v pg_isready >/dev/null 2>&1; then
    if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
      log "starting PostgreSQL"
      for v in $(ls /etc/postgresql 2>/dev/null); do
        pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
      done
      for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
    fi
    if pg_isready -h 127.0.0.1 -p 5432 -q; then
      psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" 2>/dev/null | grep -q 1 ||
        psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test" >/dev/null 2>&1 || true
      export TREMENT_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
    else
      log "PostgreSQL is not answering on 127.0.0.1:5432: PostgreSQL runs of the contract suite will skip"
    fi
  else
    log "PostgreSQL is not installed: PostgreSQL runs of the contract suite will skip"
  fi
fi
[ -n "${TREMENT_TEST_POSTGRES_URL:-}" ] && log "PostgreSQL tests use ${TREMENT_TEST_POSTGRES_URL}"

log "go vet"
go vet ./...
log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt needed on:" >&2
  echo "$unformatted" >&2
  exit 1
fi
log "go mod tidy -diff"
if ! go mod tidy -diff >/dev/null; then
  echo "go.mod/go.sum are not tidy: run go mod tidy" >&2
  go mod tidy -diff >&2 || true
  exit 1
fi
log "staticcheck"
staticcheck="$(go env GOPATH)/bin/staticcheck"
if [ ! -x "$staticcheck" ]; then
  log "installing staticcheck (honnef.co/go/tools v0.8.2)"
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
"$staticcheck" ./...
if command -v promtool >/dev/null 2>&1; then
  log "promtool check rules / test rules"
  promtool check rules deploy/prometheus/alerts.yml >/dev/null
  (cd deploy/prometheus && promtool test rules alerts_test.yml)
else
  log "promtool missing: alert rules not checked"
fi
# The crash drill (cmd/trement TestCrashDrill) kill -9s a real trement
# process under load, on SQLite and PostgreSQL.
export TREMENT_DRILL=1
log "go test -race"
# The timeout only guards against a hang: the whole of this script took
# 8.5 min on a quiet 2-core machine (2 December), but cmd/trement alone went
# past 20 min on one shared with other builds (4 December, load 14-17).
go test -race -count=1 -timeout 45m ./... "$@"
