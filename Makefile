# kefu — the two commands: `make demo` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
KEFU   := $(VENV)/bin/kefu
STAMP  := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test lint bench messages clean chromium

$(STAMP): pyproject.toml
	@BASE=$$(tools/find-python) || exit 1; \
	  test -x $(PY) || "$$BASE" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(KEFU) demo

# Debian's chromium for the browser tests, and a CJK font so Chinese pages render (screenshots).
chromium:
	@test -x $(CHROMIUM) && fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  echo "installing Debian's chromium and fonts-noto-cjk for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

test: $(STAMP) chromium lint
	$(VENV)/bin/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) benchmarks/run.py

messages: $(STAMP)
	cd src/kefu && ../../$(KEFU) makemessages -l zh_Hans -l en --ignore '*/tests/*' && ../../$(KEFU) compilemessages

clean:
	rm -rf $(VENV) var build src/*.egg-info
