# The two set-up commands of the README: `make demo` and `make test`. Each builds its own venv first.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export WORLDMILL_LAKE_URI ?= $(CURDIR)/.worldmill/lake
PYTEST_ARGS ?=

.PHONY: demo test bench dev install clean

# Debian packages: Noto fonts and FriBiDi for sign text (Pillow's wheel brings raqm/HarfBuzz), Tesseract and its
# language packs to measure that signs read back. Installed when missing, as root (CI), else a note.
TESSERACT_PACKS := eng fra deu spa por ita nld pol tur vie ind msa swa rus ukr ell chi-sim chi-tra jpn kor ara fas urd hin ben tam tha heb
APT_PACKAGES := fonts-noto-core fonts-noto-cjk libfribidi0 tesseract-ocr $(addprefix tesseract-ocr-,$(TESSERACT_PACKS))

$(VENV)/.installed: pyproject.toml
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  else echo "note: sign fonts/OCR need: sudo apt-get install $$missing"; fi; \
	fi
	test -x $(PY) || python3 -m venv $(VENV)
	# torch first and pinned: the CPU wheel on disk; any other torch request pulls gigabytes of CUDA wheels.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[all,test]'
	bash scripts/emulators.sh install
	# headless Chromium from Debian: the preview test draws the Dagster UI's contact sheets in a real browser
	command -v chromium >/dev/null || { [ "$$(id -u)" != 0 ] || { apt-get update -qq && apt-get install -y -qq chromium; }; }
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(VENV)/bin/worldmill demo

test: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

bench: $(VENV)/.installed
	$(PY) bench/bench_render.py
	$(PY) bench/bench_job.py --cells 4 --clips 2
	$(PY) bench/bench_dedup.py
	$(PY) bench/bench_lake.py
	$(PY) bench/bench_diffusion.py --threads 1 --cosmos

dev: $(VENV)/.installed
	$(VENV)/bin/dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

clean:
	rm -rf .worldmill .dagster_home/storage .dagster_home/logs .dagster_home/history .dagster_home/schedules
