# arcforge: `make run` runs the main job, `make test` runs the whole suite.
# Both install what they need first (a virtualenv in .venv, and Debian's Chromium for browser tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The native llama.cpp build crashes on this machine's CPU (its AMX path): build it generic.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF

.PHONY: install run test lint bench browser axe clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@# the sandbox: libseccomp2 (its system-call filter), uidmap (a second uid for programs when not root)
	@if [ "$$(id -u)" = 0 ] && ! dpkg -s uidmap libseccomp2 >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq uidmap libseccomp2 >/dev/null; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[local,postgres,ray,dev]'
	touch $(STAMP)

browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# axe-core (accessibility checks injected by the browser tests) from npm into a local folder, once
axe:
	@if [ ! -f .cache/axe/node_modules/axe-core/axe.min.js ]; then \
	  echo "installing axe-core for the accessibility tests"; \
	  command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null); \
	  npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core >/dev/null; \
	fi

run: install
	$(BIN)/python -m arcforge.pipelines.main_job

# lint first: ruff and mypy --strict over the whole package are part of the suite
test: lint browser axe
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: install
	@for b in benchmarks/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
