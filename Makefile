# The two set-up commands are `make demo` and `make test`; each creates or reuses .venv first.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.ripple-installed

.PHONY: demo test test-fast lint schemas bench clean system-deps

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

demo: $(STAMP)  ## Run the whole pipeline locally: broker, worker, sink, simulator, preview page
	$(PY) -m ripple demo

system-deps:  ## Debian packages the tests start for real (needs root; CI runs this via .ci/run)
	@missing=""; \
	command -v clickhouse-server >/dev/null || missing="$$missing clickhouse-server"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	command -v amtool >/dev/null || missing="$$missing prometheus-alertmanager"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	dpkg -s fonts-liberation >/dev/null 2>&1 || missing="$$missing fonts-liberation"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "missing Debian packages:$$missing (run: sudo apt-get install$$missing)"; exit 1; fi; \
	fi

test: $(STAMP) system-deps  ## The whole suite against real parts (Tansu, clickhouse-server, chDB)
	$(PY) -m pytest

test-fast: $(STAMP)  ## Unit tests only
	$(PY) -m pytest tests/unit -q

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

schemas: $(STAMP)  ## Re-export the published JSON Schemas (commit them; a test guards compatibility)
	$(PY) -m ripple contracts export ripple/schemas

clean:
	rm -rf .ripple artifacts .pytest_cache .mypy_cache .ruff_cache
