#!/usr/bin/env bash
# Idempotent set-up: system packages (when root), the virtualenv, Python and npm dependencies,
# and the frontend build. `scripts/setup.sh --test` also installs Chromium for browser tests and datumaro
# (in .venv-interop) for the interoperability tests.
set -euo pipefail
cd "$(dirname "$0")/.."
WANT_TEST=${1:-}

need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
if [ "$WANT_TEST" = "--test" ]; then
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> apt-get install ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "Please install: ${need_apt[*]} (e.g. sudo apt-get install ${need_apt[*]})" >&2; exit 1
  fi
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
[ -x .venv/bin/python ] || { echo "==> creating .venv"; "$PY" -m venv .venv; }
stamp=".venv/.deps-$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> installing Python dependencies (torch is large: a few minutes the first time)"
  .venv/bin/python - > .venv/requirements.txt <<'PY'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["dev"]))
PY
  .venv/bin/pip install -q --disable-pip-version-check -r .venv/requirements.txt -c requirements.lock 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import django, torch, torchvision, rq, channels, PIL" 
  rm -f .venv/.deps-* && touch "$stamp"
fi

if [ "$WANT_TEST" = "--test" ]; then
  # datumaro, for the interoperability tests, in its own virtualenv: it pins a Pillow the app does not use
  interop_stamp=".venv-interop/.deps-$(sha256sum tests/interop/requirements.lock | cut -c1-16)"
  if [ ! -f "$interop_stamp" ]; then
    echo "==> installing datumaro for the interoperability tests (.venv-interop)"
    [ -x .venv-interop/bin/python ] || "$PY" -m venv .venv-interop
    .venv-interop/bin/pip install -q --disable-pip-version-check -r tests/interop/requirements.lock 2>&1 | grep -v "is ignored" || true
    .venv-interop/bin/python -c "import datumaro"
    rm -f .venv-interop/.deps-* && touch "$interop_stamp"
  fi
fi

lock_stamp="frontend/node_modules/.lock-$(sha256sum frontend/package-lock.json | cut -c1-16)"
if [ ! -f "$lock_stamp" ]; then
  echo "==> npm ci"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  touch "$lock_stamp"
fi
echo "==> building the frontend"
(cd frontend && npm run --silent build >/dev/null)
