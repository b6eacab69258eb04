# The two commands of the README: `make run` and `make test`. Each does all its own set-up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# `make run PORT=8010` serves the demo on another port; `make run HOST=0.0.0.0` on every address
# of the machine (to try it from a phone on the same network), whose host names it then accepts.
PORT ?= 8000
HOST ?= 127.0.0.1
APT_PACKAGES := chromium fonts-wqy-microhei poppler-utils nginx logrotate

.PHONY: run test test-sqlite test-postgres venv system-packages bench lint migrate demo clean bundle bundle-check

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# Chromium for the browser tests, a CJK font for PDFs, pdftotext to read them back, nginx and
# logrotate for the tests of deploy/ (which run their own nginx on a free port, whatever the
# package's own service does).
system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "wenquanyi micro hei" || missing="$$missing fonts-wqy-microhei"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	command -v logrotate >/dev/null || test -x /usr/sbin/logrotate || missing="$$missing logrotate"; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	HOST=$(HOST) PORT=$(PORT) $(PY) manage.py load_demo

run: system-packages demo
	@echo "传承 demo: http://$(HOST):$(PORT)  (Ctrl-C stops the server and the task worker)"
	@$(PY) manage.py db_worker >/tmp/chuancheng-worker.log 2>&1 & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	RUN_HOST=$(HOST) $(PY) manage.py runserver $(HOST):$(PORT)

test: system-packages venv
	$(MAKE) test-sqlite
	@if [ -n "$$DATABASE_URL" ] || $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		$(MAKE) test-postgres; \
	else \
		echo "PostgreSQL not reachable on 127.0.0.1:5432 and DATABASE_URL unset: PostgreSQL run skipped"; \
	fi

test-sqlite: venv
	@echo "=== tests on SQLite ==="
	env -u DATABASE_URL $(PY) -m pytest

# As production runs: the test database is built by the owner role and the suite connects as the
# runtime role (chuancheng/testdb.py; deploy/postgres-roles.sql).
test-postgres: venv
	@echo "=== tests on PostgreSQL, as the runtime database role ==="
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m chuancheng.testdb

# Benchmarks on a generated national-scale data set (built once, kept in bench/ or in the
# chuancheng_bench PostgreSQL database); figures go to bench/results.json and docs/performance.md.
bench: venv
	$(PY) -m bench
	@if $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		BENCH_DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/chuancheng_bench} $(PY) -m bench; \
	fi

# An offline installation bundle for a government intranet (deploy/bundle.sh; docs/operations.md):
# dist/chuancheng-<commit>-<python>-<platform>.tar.gz with the code at BUNDLE_REF, every wheel
# for this platform, the CJK font and an install script that needs no network.
BUNDLE_REF ?= HEAD
bundle: system-packages venv
	PYTHON=$(PY) sh deploy/bundle.sh $(BUNDLE_REF) dist

# Installs the newest bundle in a network namespace with no network, migrates, serves the home page.
bundle-check: bundle
	sh deploy/bundle-check.sh "$$(ls -t dist/chuancheng-*.tar.gz | head -1)"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles media .pytest_cache
