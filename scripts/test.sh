#!/usr/bin/env bash
# Every check and test: lint, migrations, frontend unit tests, Python + websocket + RQ +
# browser tests against real PostgreSQL, Redis and S3 (SeaweedFS; each started here unless
# DATABASE_URL / AWS_S3_ENDPOINT_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
case "${DATABASE_URL:-}" in
  postgres*) ;;
  *) eval "$(scripts/services.sh start)" ;;
esac
[ -n "${AWS_S3_ENDPOINT_URL:-}" ] || eval "$(scripts/services.sh start-s3)"
export DATABASE_URL REDIS_URL AWS_S3_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> import rule (docs/ARCHITECTURE.md)"
.venv/bin/python scripts/check_imports.py
node frontend/scripts/check-imports.mjs
echo "==> makemigrations --check"
DJANGO_SETTINGS_MODULE=project.settings.test .venv/bin/python manage.py makemigrations --check --dry-run
echo "==> frontend unit tests (vitest)"
(cd frontend && npm test --silent)
echo "==> pytest"
.venv/bin/pytest "$@"
