# pms — `make run` serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := libharfbuzz-subset0 fonts-wqy-microhei fonts-noto-cjk chromium poppler-utils wrk postgresql-client nginx systemd
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# Two workers on the two cores; each worker gets its own fresh database.
PYTEST_WORKERS ?= 2

# Every dependency (the `test` extra's too) pinned for Python 3.11: `make lock` writes it.
LOCK := requirements.lock
UV_VERSION ?= 0.13.9

.PHONY: run test install lock sysdeps migrate demo scheduler serve i18n clean bench

# Exactly the versions CI tested (the lock), then pms itself without resolving anything again.
$(STAMP): pyproject.toml $(LOCK)
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Re-pin after a change to pyproject.toml's dependencies: the pins in the lock are kept where
# they still fit; `make lock UPGRADE=1` takes the newest versions allowed instead.
lock:
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --universal \
	  $(if $(UPGRADE),--upgrade) --custom-compile-command "make lock" --quiet --output-file $(LOCK)

# Debian/Ubuntu as root: install what WeasyPrint (HarfBuzz subsetting, a CJK font) and the
# browser tests need. Anywhere else: print the command to run.
sysdeps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "system packages present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null) \
	  || { echo "apt-get failed for:$$missing"; [ "$${CI:-}" != true ]; }; \
	else echo "please run: sudo apt-get install -y$$missing"; fi

migrate: install
	$(BIN)/pms db upgrade

demo: migrate
	$(BIN)/pms demo load --if-empty

serve:
	$(BIN)/pms serve --host $(HOST) --port $(PORT)

scheduler:
	$(BIN)/pms scheduler

run: install sysdeps demo
	@echo "starting the scheduler and the web service on http://$(HOST):$(PORT)"
	@$(BIN)/pms scheduler & sched=$$!; trap "kill $$sched 2>/dev/null" EXIT INT TERM; \
	$(BIN)/pms serve --host $(HOST) --port $(PORT)

test: install sysdeps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider $(PYTEST_ARGS)

i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o pms/translations/messages.pot .
	$(BIN)/pybabel update -i pms/translations/messages.pot -d pms/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d pms/translations

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache
