# Casework: the whole setup on a fresh machine is `make run` or `make test`.
#
#   make run     venv with the runtime only, migrate the SQLite database under instance/,
#                load demo data, print the demo logins, serve on http://127.0.0.1:5000
#                (another port: make run PORT=8080)
#   make test    adds the test extras to the venv, then the full suite on SQLite and on
#                PostgreSQL, side by side (scripts/test-all; a private cluster in .pgtest/ it had to
#                start is stopped at the end, the system cluster of a root run stays up);
#                extra pytest args: make test PYTEST_ARGS="-k foo -x"
#   make lint    ruff
#   make bench   every bench/bench_*.py in turn
#   make clean   caches and build output (keeps .venv, instance/ and .pgtest/)
#   make distclean  also .venv, the private test PostgreSQL in .pgtest/ and the test
#                OpenID provider's packages (tests/oidc/node_modules)

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PYTEST_ARGS ?=
PORT ?= 5000

# The interpreter that creates the venv: python3.11 if it works, else python3.
# Override with `make PYTHON=/path/to/python3.11 ...` (.ci/run does).
PYTHON ?= $(shell for p in python3.11 python3; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1 && { command -v $$p; break; }; \
	done)

.PHONY: venv run test lint bench clean distclean

venv: $(STAMP)

# The runtime only (what `make run` needs); the test extras are added by `make test`.
$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: no python3.11 (or python3 >= 3.11) found" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -e '.[postgres]'
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install -e '.[test,postgres]'
	@touch $(TEST_STAMP)

run: $(STAMP)
	$(VENV)/bin/casework db upgrade
	$(VENV)/bin/casework demo
	$(VENV)/bin/casework run --host 127.0.0.1 --port $(PORT)

test: $(TEST_STAMP)
	VENV=$(VENV) scripts/test-all $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check casework tests bench

bench: $(TEST_STAMP)
	@set -e; for f in bench/bench_*.py; do \
		[ -e "$$f" ] || { echo "no bench/bench_*.py"; break; }; \
		echo "==== $$f"; $(PY) "$$f"; \
	done

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .hypothesis artifacts
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	@if [ -d .pgtest/data ]; then \
		for b in /usr/lib/postgresql/*/bin/pg_ctl pg_ctl; do \
			command -v $$b >/dev/null 2>&1 && { $$b -D .pgtest/data -m fast stop >/dev/null 2>&1 || true; break; }; \
		done; \
	fi
	rm -rf $(VENV) .pgtest tests/oidc/node_modules
