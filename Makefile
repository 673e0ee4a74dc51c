.PHONY: run test setup
run: ## install everything, migrate, seed the demo, start web + worker + Redis
	scripts/setup.sh
	.venv/bin/python manage.py migrate --noinput
	.venv/bin/python manage.py runstack --seed

test: ## every check and test (lint, migrations, vitest, pytest incl. browser tests)
	scripts/test.sh

setup:
	scripts/setup.sh
