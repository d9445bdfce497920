# Embedscope: `make run` opens the app, `make test` runs the tests. Both set everything up
# first (Debian libraries for Qt, a .venv, the Python packages), so a fresh clone needs nothing.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# The CPU build of PyTorch lies on these machines' disk; elsewhere torch is optional and the
# tests that need it skip (a plain `pip install torch` would pull a multi-GB CUDA build).
TORCH_WHEEL := $(firstword $(wildcard /opt/wheels/torch-2.13.0+cpu-*.whl))

export QT_API := pyside6
export PYQTGRAPH_QT_LIB := PySide6

.PHONY: setup run test bench screenshots package sample clean demo

setup: $(STAMP)

$(STAMP): pyproject.toml packaging/system-deps.sh
	bash packaging/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@if [ -n "$(TORCH_WHEEL)" ]; then $(PY) -m pip install --quiet "$(TORCH_WHEEL)" \
	  || echo "torch not installed: the PyTorch export test will skip"; fi
	touch $(STAMP)

run: setup
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "No display found: running the headless demo instead of the window."; \
	  echo "To see the window, run 'make run' from a desktop session, or under a virtual"; \
	  echo "screen: xvfb-run -a make run"; \
	  $(PY) -m embedscope demo; \
	else \
	  $(PY) -m embedscope; \
	fi

demo: setup
	$(PY) -m embedscope demo

# The second run checks the plain paths the compiled ones are tested against (core/compiled.py).
test: setup
	$(PY) -m ruff check app tests bench packaging
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider tests
	EMBEDSCOPE_PLAIN=1 QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider tests/core tests/io

bench: setup
	$(PY) bench/load.py && $(PY) bench/check.py && $(PY) bench/query.py && \
	$(PY) bench/project.py && $(PY) bench/export.py && $(PY) bench/compare.py

screenshots: setup
	QT_QPA_PLATFORM=offscreen $(PY) packaging/screenshots.py docs/screenshots

package: setup
	bash packaging/build.sh

sample: setup
	$(PY) resources/sample/make_sample.py

clean:
	rm -rf build dist *.egg-info app/*.egg-info .pytest_cache
