# Developer entry points. `make demo` and `make test` work on a fresh machine: they build .venv
# from requirements-dev.txt first. Every step prints a "==> step" header; any failure stops the run.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
# The newest ansible-core (2.21) needs Python >= 3.12. Use the interpreter itself, not a pyenv shim.
PYTHON ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.12*/bin/python3.12) $(shell command -v python3.12))
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Every Python that sanity's compile/import tests should use (3.8 .. 3.13), found on PATH by ansible-test.
SANITY_PYTHON_PATH := $(subst $(eval) ,:,$(foreach v,3.8 3.9 3.10 3.11 3.12 3.13,$(firstword $(wildcard $(PYENV_ROOT)/versions/$(v).*/bin))))
# Outside the checkout: ansible-test walks up to the nearest .git and lists files with git, so a
# copy inside this repo (where the copy is ignored) would look empty to it.
BUILD ?= $(or $(TMPDIR),/tmp)/sailpoint-isc-build-$(shell printf %s "$(CURDIR)" | md5sum | cut -c1-8)
COLLECTIONS := $(BUILD)/collections
COLLECTION := $(COLLECTIONS)/ansible_collections/sailpoint/isc
ANSIBLE_TEST_PIP := $(HOME)/.ansible/test/cache
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_NOCOLOR := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv venv-oldest collection collection-tree sanity units units-processes units-sdk-v2024 integration integration-oldest lint docs-lint docs build test test-static test-runtime test-races demo tenants-example bench emulator clean

help:  ## Show the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  BUILD=$(BUILD)  (outside the checkout; make BUILD=... picks another)"

$(VENV)/.installed: requirements-dev.txt requirements-demo.txt tests/emulator/requirements.txt requirements.txt tests/unit/emulator/requirements-clients.txt
	@echo "==> venv: $(PYTHON) -> $(VENV), pinned dev dependencies"
	@test -n "$(PYTHON)" || { echo "Python 3.12 not found (looked in $(PYENV_ROOT)/versions and PATH)"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -r requirements.txt -r tests/unit/emulator/requirements-clients.txt
	touch $@

venv: $(VENV)/.installed  ## Create .venv with the pinned dev dependencies.

OLDEST_VENV := .venv-oldest
OLDEST_BIN := $(CURDIR)/$(OLDEST_VENV)/bin

$(OLDEST_VENV)/.installed: requirements-oldest.txt
	@echo "==> venv-oldest: $(PYTHON) -> $(OLDEST_VENV), the oldest ansible-core we declare"
	rm -rf $(OLDEST_VENV)
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_BIN)/python -m pip install --quiet -r requirements-oldest.txt
	touch $@

venv-oldest: $(OLDEST_VENV)/.installed

# The demo needs ansible-core, requests and the emulator's luqum, not the dev tools: a venv of its own, built in
# well under a minute, so that `make demo` on a fresh clone is quick. `make test` keeps the full .venv.
DEMO_VENV := .venv-demo
DEMO_BIN := $(CURDIR)/$(DEMO_VENV)/bin

$(DEMO_VENV)/.installed: requirements-demo.txt tests/emulator/requirements.txt
	@echo "==> venv-demo: $(PYTHON) -> $(DEMO_VENV), only what the demo needs (requirements-demo.txt)"
	@test -n "$(PYTHON)" || { echo "Python 3.12 not found (looked in $(PYENV_ROOT)/versions and PATH)"; exit 1; }
	rm -rf $(DEMO_VENV)
	# ensurepip alone takes seconds: the interpreter's own pip installs into a venv without pip, when it can (pip >= 22.3).
	if $(PYTHON) -m pip --python $(PYTHON) --version >/dev/null 2>&1; then \
	    $(PYTHON) -m venv --without-pip $(DEMO_VENV) && \
	    $(PYTHON) -m pip --python $(DEMO_BIN)/python install --quiet --disable-pip-version-check -r requirements-demo.txt; \
	else \
	    $(PYTHON) -m venv $(DEMO_VENV) && $(DEMO_BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-demo.txt; \
	fi
	touch $@

collection: venv collection-tree  ## Copy the checkout to $BUILD/collections/ansible_collections/sailpoint/isc (ansible-test refuses symlinks).
	mkdir -p $(ANSIBLE_TEST_PIP)
	# two streams run this: a file that is already there is left alone, a new one appears whole (mv), never half-written
	for v in 24_2 25_2; do cmp -s tests/utils/get_pip_standin.py $(ANSIBLE_TEST_PIP)/get_pip_$$v.py || { \
	    cp tests/utils/get_pip_standin.py $(ANSIBLE_TEST_PIP)/get_pip_$$v.py.$$$$ && \
	    mv $(ANSIBLE_TEST_PIP)/get_pip_$$v.py.$$$$ $(ANSIBLE_TEST_PIP)/get_pip_$$v.py; }; done

sanity: collection  ## ansible-test sanity, every Python from 3.8 to 3.13.
	@echo "==> sanity: ansible-test sanity (Pythons: $(SANITY_PYTHON_PATH))"
	cd $(COLLECTION) && PATH="$(BIN):$$PATH:$(SANITY_PYTHON_PATH)" $(BIN)/ansible-test sanity --venv --color no

units: venv  ## Unit and emulator tests (pytest, real HTTP against the emulator), without the process tests.
	@echo "==> units: pytest tests/unit, without the tests marked processes"
	$(BIN)/python -m pytest tests/unit -q -p no:cacheprovider -m "not processes"

# Which process tests units-processes runs: `make test` runs the race tests (RACE_TESTS) in a stream of their own.
PROCESS_TESTS ?= tests/unit
PROCESS_ARGS ?=
RACE_TESTS := tests/unit/plugins/modules/test_races.py tests/unit/test_role_races.py

units-processes: venv  ## The tests that start ansible-playbook or module processes (marked processes, see pytest.ini).
	@echo "==> units-processes: pytest $(PROCESS_TESTS) $(PROCESS_ARGS), the tests marked processes"
	$(BIN)/python -m pytest $(PROCESS_TESTS) -q -p no:cacheprovider -m processes $(PROCESS_ARGS)

# The official SDK 1.4 (sailpoint.v2024) has the same package name as the 2.x line in .venv, so it lives
# beside it (its dependencies are the same) and goes first on PYTHONPATH for its conformance run.
SDK_V2024 := $(BUILD)/sdk-v2024

$(SDK_V2024)/.installed: tests/unit/emulator/requirements-sdk-v2024.txt $(VENV)/.installed
	@echo "==> sdk-v2024: sailpoint 1.4 beside .venv"
	rm -rf $(SDK_V2024)
	$(BIN)/python -m pip install --quiet --no-deps --target $(SDK_V2024) -r tests/unit/emulator/requirements-sdk-v2024.txt
	touch $@

units-sdk-v2024: $(SDK_V2024)/.installed  ## The emulator against the official SDK 1.4 (sailpoint.v2024, /v2024 paths).
	@echo "==> units-sdk-v2024: the emulator checked by the official SDK 1.4 (v2024)"
	PYTHONPATH=$(SDK_V2024) $(BIN)/python -m pytest tests/unit/emulator/test_sdk_conformance.py -q -p no:cacheprovider

# Target names or --exclude options for ansible-test integration; empty runs every target. `make test` splits the
# targets between its static and runtime streams with it (STATIC_TARGETS below).
INTEGRATION_ARGS ?=

integration: collection  ## ansible-test integration targets: real ansible-playbook runs against the emulator.
	@echo "==> integration: ansible-test integration against the emulator $(INTEGRATION_ARGS)"
	cd $(COLLECTION) && PATH="$(BIN):$$PATH" $(BIN)/python -m tests.utils.with_emulator --seed empty --rate-limit-off --tenants 2 \
	    --integration-config tests/integration/integration_config.yml -- \
	    $(BIN)/ansible-test integration --local --color no --python-interpreter $(BIN)/python $(INTEGRATION_ARGS)

# The oldest ansible-core runs the targets that exercise what differs between ansible-core releases: the role
# (argument_specs, include_role), the shipped export playbook and the docs/examples inventory (templating, which
# 2.19 rewrote; the tenants target runs both) and the converge module (AnsibleModule, check mode, diff). The other
# targets test our Python, which is the same on both. OLDEST_TARGETS= (empty) runs every target.
OLDEST_TARGETS ?= governance_groups_role tenants workgroups

integration-oldest: collection venv-oldest  ## The role, export playbook and converge targets on the oldest declared ansible-core (2.16, as AAP 2.5 EEs ship it).
	@echo "==> integration-oldest: ansible-test integration on ansible-core $$($(OLDEST_BIN)/python -c 'import ansible; print(ansible.__version__)'): $(or $(OLDEST_TARGETS),every target)"
	cd $(COLLECTION) && PATH="$(OLDEST_BIN):$$PATH" $(BIN)/python -m tests.utils.with_emulator --seed empty --rate-limit-off --tenants 2 \
	    --integration-config tests/integration/integration_config.yml -- \
	    $(OLDEST_BIN)/ansible-test integration --local --color no --python-interpreter $(OLDEST_BIN)/python $(OLDEST_TARGETS)

lint: collection  ## ansible-lint, production profile, offline.
	@echo "==> lint: ansible-lint (production profile)"
	cd $(COLLECTION) && PATH="$(BIN):$$PATH" $(BIN)/ansible-lint --profile production --nocolor

docs-lint: collection  ## antsibull-docs lint-collection-docs and antsibull-changelog lint.
	@echo "==> docs-lint: antsibull-docs lint-collection-docs, antsibull-changelog lint"
	cd $(COLLECTION) && PATH="$(BIN):$$PATH" $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .
	cd $(COLLECTION) && $(BIN)/antsibull-changelog lint
	@echo "==> docs-lint: docs/collection is what 'make docs' generates from the current tree"
	rm -rf $(BUILD)/docs-check && mkdir -p $(BUILD)/docs-check
	PATH="$(BIN):$$PATH" $(BIN)/antsibull-docs collection --use-current --squash-hierarchy --output-format simplified-rst \
	    --no-add-antsibull-docs-version --fail-on-error --cleanup everything --dest-dir $(BUILD)/docs-check sailpoint.isc
	diff -ru docs/collection $(BUILD)/docs-check || { echo "docs/collection is stale: run 'make docs' and commit it"; exit 1; }

build: collection  ## Build the collection tarball, install it, and render every module's docs from the install.
	@echo "==> build: ansible-galaxy collection build + install"
	rm -rf $(BUILD)/dist $(BUILD)/installed && mkdir -p $(BUILD)/dist
	cd $(COLLECTION) && $(BIN)/ansible-galaxy collection build --output-path $(BUILD)/dist
	ANSIBLE_COLLECTIONS_PATH=$(BUILD)/installed $(BIN)/ansible-galaxy collection install --offline --force \
	    -p $(BUILD)/installed $(BUILD)/dist/sailpoint-isc-*.tar.gz
	# one ansible-doc process renders every module (a process per module cost 0.7 s of CPU each); each must be in its output
	modules="$$(ls plugins/modules/*.py | xargs -n1 basename | sed 's/\.py$$//')"; \
	ANSIBLE_COLLECTIONS_PATH=$(BUILD)/installed ANSIBLE_NOCOLOR=1 $(BIN)/ansible-doc $$(printf 'sailpoint.isc.%s ' $$modules) \
	    > $(BUILD)/ansible-doc.txt || exit 1; \
	for module in $$modules; do \
	    grep -q "^> MODULE sailpoint.isc.$$module (" $(BUILD)/ansible-doc.txt \
	        || { echo "ansible-doc cannot render sailpoint.isc.$$module from the installed tarball"; exit 1; }; \
	    echo "ansible-doc sailpoint.isc.$$module (installed from the tarball): ok"; \
	done

# Simplified RST (plain docutils, no Sphinx extension), one page per module and role; --cleanup everything
# removes pages of plugins that no longer exist. Run it after changing a DOCUMENTATION block or argument_specs.
docs: collection  ## Regenerate the module and role reference in docs/collection/ with antsibull-docs.
	@echo "==> docs: antsibull-docs collection sailpoint.isc -> docs/collection"
	mkdir -p docs/collection
	PATH="$(BIN):$$PATH" $(BIN)/antsibull-docs collection --use-current --squash-hierarchy --output-format simplified-rst \
	    --no-add-antsibull-docs-version --fail-on-error --cleanup everything --dest-dir docs/collection sailpoint.isc

# CI has two cores and most steps use one: `make test` runs three streams side by side, each step's lines prefixed
# with its stream. The streams share no files but ansible-test's pip bootstrap (see collection): "runtime" works in
# its own build directory ($(BUILD)/runtime), "races" writes none.
# The race tests (RACE_TESTS) mostly wait - emulator latency, and the client's backoff of up to a second and more after
# each lost answer - so they run in a stream of their own, beside the start of the other two. The other process tests
# run beside the integration targets; the integration targets in STATIC_TARGETS run in the static stream, lint in the
# runtime stream, to balance the two.
# Measured 2026-12-03 on this machine, one run after the other: with two streams (the races in the runtime stream)
# 491 s - static 403, runtime 491, about 90 s of it with one core idle while the races waited; with the races in a
# stream of their own 445 s - static 444, runtime 382, races 122; with lint in the runtime stream too 408 s - static
# 408 (sanity 87, docs-lint 18, build 3, integration-oldest 59, units 76, export and resilience 165), runtime 377
# (SDK 20, units-processes 155, lint 29, the other targets 173), races 100. docs-lint in the runtime stream as well
# gave 418 s (static 406, runtime 418): no better here, and worse in CI, whose runtime stream also installs the SDK.
STATIC_TARGETS := resilience export

test: venv venv-oldest  ## Everything CI runs, in three streams (STATIC_TARGETS: which integration targets go where).
	@echo "==> test: three streams side by side, [static], [runtime] and [races]"
	$(MAKE) --no-print-directory -j3 test-static test-runtime test-races
	@echo "==> test: all steps passed"

test-static:
	start=$$SECONDS; $(MAKE) --no-print-directory -j1 sanity docs-lint build integration-oldest units integration \
	    INTEGRATION_ARGS="$(STATIC_TARGETS)" 2>&1 | sed -u 's/^/[static]  /'; \
	    echo "[static]  ==> done in $$((SECONDS - start)) s"

test-runtime:
	start=$$SECONDS; $(MAKE) --no-print-directory -j1 BUILD=$(BUILD)/runtime units-sdk-v2024 units-processes lint integration \
	    INTEGRATION_ARGS="$(addprefix --exclude ,$(STATIC_TARGETS))" PROCESS_ARGS="$(PROCESS_ARGS) $(addprefix --ignore=,$(RACE_TESTS))" \
	    2>&1 | sed -u 's/^/[runtime] /'; \
	    echo "[runtime] ==> done in $$((SECONDS - start)) s"

test-races:
	start=$$SECONDS; $(MAKE) --no-print-directory -j1 units-processes PROCESS_TESTS="$(RACE_TESTS)" \
	    2>&1 | sed -u 's/^/[races]   /'; \
	    echo "[races]   ==> done in $$((SECONDS - start)) s"

demo: $(DEMO_VENV)/.installed collection-tree  ## Start the emulator with a demo tenant, run playbooks/demo.yml against it, stop it (own small venv).
	@echo "==> demo: playbooks/demo.yml against the emulator"
	cd $(COLLECTION) && PATH="$(DEMO_BIN):$$PATH" $(DEMO_BIN)/python -m tests.utils.with_emulator --seed demo -- \
	    $(DEMO_BIN)/ansible-playbook -i localhost, -c local -e 'ansible_python_interpreter=$(DEMO_BIN)/python' playbooks/demo.yml

# The README's two commands of "One repository, many tenants", in a copy of docs/examples/tenants, against two
# emulators seeded from its emulator/ directory (the same people under other ids in each); with_emulator exports
# ISC_SANDBOX_* and ISC_PRODUCTION_* (URL, client id, secret) for them, which inventory.yml reads.
tenants-example: $(DEMO_VENV)/.installed collection-tree  ## The many-tenants example (docs/examples/tenants) as the README runs it, against two seeded emulators.
	@echo "==> tenants-example: docs/examples/tenants against two emulators (sandbox, production)"
	cd $(COLLECTION)/docs/examples/tenants && PATH="$(DEMO_BIN):$$PATH" PYTHONPATH=$(COLLECTION) $(DEMO_BIN)/python -m tests.utils.with_emulator \
	    --tenant-names sandbox,production --seed emulator/sandbox.json --seed emulator/production.json -- bash -ec ' \
	    ansible-playbook -i inventory.yml site.yml --limit sandbox --check --diff; \
	    ansible-playbook -i inventory.yml site.yml --forks 2'

bench: collection  ## Benchmarks against the emulator (about 10-15 min; not part of test). BENCH_ARGS="--repeat 3" etc.
	@echo "==> bench: python -m benchmarks.run against the emulator (results in benchmarks/output/)"
	PATH="$(BIN):$$PATH" $(BIN)/python -m benchmarks.run --collections $(COLLECTIONS) $(BENCH_ARGS)

emulator: venv  ## Run the emulator in the foreground (PORT=8080 to choose the port).
	$(BIN)/python -m tests.emulator --port $${PORT:-0}

collection-tree:
	@echo "==> collection: copy to $(COLLECTION)"
	rm -rf $(COLLECTION) && mkdir -p $(COLLECTION)
	git ls-files -co --exclude-standard -z | tar --null -cf - -T - | tar -xf - -C $(COLLECTION)

clean:  ## Remove build output (keeps .venv).
	rm -rf $(BUILD) tests/output
