# Two commands for a newcomer: `make run` and `make test`. Python 3.11+ is all they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install worker lint check-deploy audit clean bench

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# The site on http://127.0.0.1:$(PORT) and a real Celery worker (with beat) on the embedded broker.
# `make run PORT=8101` when 8000 is taken: links in emails follow (SITE_URL), unless SITE_URL is set.
PORT ?= 8000
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput >/dev/null
	$(BIN)/python manage.py demo_data
	PORT=$(PORT) $(BIN)/python scripts/run_dev.py

worker: $(STAMP)
	$(BIN)/celery -A portal worker --beat --loglevel=INFO --schedule .broker/celerybeat-schedule

# --maxschedchunk 2: a worker holds at most two tests waiting, so that a run of long tests (the fuzzing, 90 to
# 125 s each) is shared as they come instead of queued behind one worker while the other sits idle at the end.
test: $(STAMP)
	$(BIN)/pytest -n 2 --maxschedchunk 2

lint: $(STAMP)
	$(BIN)/ruff check .

check-deploy: $(STAMP)
	DJANGO_SETTINGS_MODULE=portal.settings.production DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	DJANGO_ALLOWED_HOSTS=portal.example.com DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0} CACHE_URL=$${CACHE_URL:-redis://127.0.0.1:6379/1} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Load 100,000 customers into portal_bench (BENCH_DATABASE_URL) with COPY, serve them with gunicorn,
# drive them with wrk and print one table of ratios (docs/performance.md). BENCH_ARGS: e.g. --customers 1000000.
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get install -y wrk || sudo apt-get install -y wrk) >/dev/null 2>&1 \
		|| echo "wrk could not be installed: the slower Python load generator will be used."
	DJANGO_SETTINGS_MODULE=portal.settings.bench $(BIN)/python manage.py bench --json .bench/results.json $(BENCH_ARGS)

# Known vulnerabilities in the installed dependencies (pip-audit asks PyPI's advisory service, so it
# needs the network; --strict fails when a package could not be checked), then a static scan of the
# project's code at medium severity and above. docs/security.md explains every accepted finding.
audit: $(STAMP)
	$(BIN)/pip-audit --strict --progress-spinner off
	$(BIN)/bandit -ll -q -r . -x ./.venv,./tests,./staticfiles,./.broker,./.broker-test

clean:
	rm -rf $(VENV) staticfiles .broker .mail .sms db.sqlite3* .test-db-*
