# Korea Reader. The two commands a newcomer needs:
#   make run    set up everything and serve http://127.0.0.1:8000/ with demo data
#   make test   set up everything and run the whole test suite
# Without DATABASE_URL both use the embedded PostgreSQL in .data/ (korea_reader/embedded_db.py).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Starts the embedded server for the command and stops it after, unless it was running.
WITH_DB := $(PY) -m korea_reader.embedded_db run --
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# Development defaults; a value set in the environment wins.
export DEBUG ?= 1

.PHONY: run serve test lint format install lock db-start db-stop db-status clean backup restore bench-reading bench-dashboard bench-export bench-weight bench-district bench-load bench-corrections bench-flood bench-hide-all bench-grades bench-poll bench-writes bench-search bench-imports bench-badge

run: install
	@$(WITH_DB) $(MAKE) --no-print-directory serve

# The steps of `make run`, once the database is up.
serve:
	$(PY) manage.py migrate --no-input
	$(PY) manage.py lti_keys
	$(PY) manage.py load_documents
	$(PY) manage.py load_glossary
	@$(PY) manage.py load_demo --if-empty --site http://$(HOST):$(PORT)
	@echo "Serving Korea Reader at http://$(HOST):$(PORT)/ (Ctrl-C stops it)."
	@# The grade sender (docs/LTI.md, "Grades") beside the server; stopped with it.
	$(PY) manage.py send_grades & sender=$$!; \
	trap 'kill $$sender 2>/dev/null; wait $$sender' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(WITH_DB) $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

install: $(VENV)/.installed

# Installs exactly the locked versions (hashes checked), again whenever the lock changes.
$(VENV)/.installed: requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit("Korea Reader needs Python 3.11 or newer; set PYTHON=python3.11") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/dev.txt
	@touch $@

# Re-lock after changing pyproject.toml; add PIP_COMPILE_ARGS=--upgrade to move to newer versions.
lock: install
	$(VENV)/bin/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe $(PIP_COMPILE_ARGS) -o requirements/base.txt pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe --extra dev $(PIP_COMPILE_ARGS) -o requirements/dev.txt pyproject.toml

db-start: install
	$(PY) -m korea_reader.embedded_db start

db-stop: install
	$(PY) -m korea_reader.embedded_db stop

db-status: install
	$(PY) -m korea_reader.embedded_db status

# FILE for the shell in single quotes, each ' in it closed, escaped and reopened, so that
# no part of a file name ($(...), `...`, ;) is ever run.
QUOTED_FILE = '$(subst ','\'',$(FILE))'

# Dumps the app's database to backups/korea-reader-YYYYMMDD-HHMMSS.dump, or to FILE=path.
backup: install
	$(WITH_DB) $(PY) manage.py backup $(if $(FILE),--output $(QUOTED_FILE))

# Replaces the app's database with FILE; CONFIRM=yes when it holds highlights or users.
restore: install
	@test -n $(QUOTED_FILE) || { echo "usage: make restore FILE=backups/<name>.dump [CONFIRM=yes]" >&2; exit 2; }
	$(WITH_DB) $(PY) manage.py restore $(QUOTED_FILE) $(if $(filter yes,$(CONFIRM)),--yes)

# Removes the virtualenv and build output; the database in .data/ is kept.
clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .hypothesis

# Benchmarks (see docs/PERFORMANCE.md); each runs in its own database.
bench-reading: install
	$(WITH_DB) $(PY) bench/reading_view.py

bench-dashboard: install
	$(WITH_DB) $(PY) bench/dashboard.py

# The header's badge of new notifications alone, for readers with nothing new and one new.
bench-badge: install
	$(WITH_DB) $(PY) bench/badge.py

bench-export: install
	$(WITH_DB) $(PY) bench/export.py

# gunicorn on 127.0.0.1 under simulated students (locust), about 5 minutes;
# BENCH_PHASES=a,b,c, BENCH_WORKERS, BENCH_STUDENTS, BENCH_SECONDS: see bench/load.py.
bench-load: install
	$(WITH_DB) $(PY) bench/load.py

# Builds the district (360,000 highlights, bench/district.py) unless it is there, then measures.
bench-district: install
	$(WITH_DB) $(PY) bench/district_pages.py

# Search over the district (built first unless it is there): a teacher's and a student's.
bench-search: install
	$(WITH_DB) $(PY) bench/search.py

# The worst corrections of a paragraph the form accepts, with 1,200 highlights on the article.
bench-corrections: install
	$(WITH_DB) $(PY) bench/corrections.py

bench-weight: install
	$(WITH_DB) $(PY) bench/page_weight.py

# One student posting 5,000 highlights as fast as they go (BENCH_FLOOD_TRIES): what is saved.
bench-flood: install
	$(WITH_DB) $(PY) bench/flood.py

# One student's 5,000 shared highlights, hidden from the class in one request (bench/hide_all.py).
bench-hide-all: install
	$(WITH_DB) $(PY) bench/hide_all.py

# The grade sender posting a class's scores to the LMS simulator (bench/grade_sender.py).
bench-grades: install
	$(WITH_DB) $(PY) bench/grade_sender.py

# The live reading view's poll with nothing new against /healthz, then a district's polls
# (3,000 students every 15 s: 200 a second) against gunicorn, with its CPU (bench/poll.py).
bench-poll: install
	$(WITH_DB) $(PY) bench/poll.py

# A highlight saved and a reply posted against a minimal authenticated write (bench/writes.py).
bench-writes: install
	$(WITH_DB) $(PY) bench/writes.py

# A teacher's upload of 2,000 Hypothesis annotations into a class, then the same again (bench/imports.py).
bench-imports: install
	$(WITH_DB) $(PY) bench/imports.py
