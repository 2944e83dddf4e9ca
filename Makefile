# moodsim — the two commands a user needs:
#   make demo    build, simulate the example model, and run seed question (b) —
#                TMS alone vs TMS + exosome — with null and as-claimed effects
#   make check   build with AddressSanitizer + UndefinedBehaviorSanitizer and run every test
# Both first install any missing Debian package (scripts/install-deps.sh).

BUILD       ?= build/release
CHECK_BUILD ?= build/check
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_SCENARIOS ?= scenarios/b_tms_exosome_null.yaml scenarios/b_tms_exosome_as_claimed.yaml

.PHONY: all deps build demo check bench measure validate sbml-suite install uninstall clean

SBML_SUITE ?= $(abspath ../shared/sbml-test-suite/cases)

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/moodsim simulate models/example_il6_crp.yaml \
	    --protocol examples/endotoxin_challenge.yaml --days 7 --every 1 --out build/demo.csv
	@echo "wrote build/demo.csv ($$(($$(wc -l < build/demo.csv) - 1)) rows)"
	@mkdir -p build/demo
	@for s in $(DEMO_SCENARIOS); do \
	    n=$$(basename $$s .yaml); n=$${n#b_tms_exosome_}; \
	    echo "== $$s"; \
	    $(BUILD)/moodsim trial $$s --out build/demo/b_$$n || exit $$?; \
	done
	@echo "open build/demo/b_null/report.html and build/demo/b_as_claimed/report.html"

check: build
	@cmake -S . -B $(CHECK_BUILD) -DMS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(CHECK_BUILD) -j $(JOBS)
	cd $(CHECK_BUILD) && ctest --output-on-failure -j $(JOBS)

# Speed against hand-written peers (C + CVODE, SciPy, R deSolve) and
# whole-trial throughput; figures and how to read them: bench/README.md.
bench: build
	@scripts/install-deps.sh bench
	bench/run.sh $(BUILD)

# The figures docs/model.md and the README quote, re-measured at the model
# file's values after a change to the model: build/measure/ (about 16 minutes;
# scripts/measure/remeasure.sh says what each file holds).
measure: build
	@scripts/install-deps.sh measure
	scripts/measure/remeasure.sh $(BUILD)/moodsim build/measure

# The validation suite: every published result in validation/ (never fitted
# to) and the calibration plan's targets (fitted to), evaluated at the model
# file's values, one table (docs/validation.md keeps the latest): published,
# simulated with its Monte-Carlo interval, inside or not.  About ten minutes
# on 2 cores (the plan's checks run 20,000 patients per arm).
validate: build
	@mkdir -p build/validate
	$(BUILD)/moodsim validate validation calibration/depression_inflammation.yaml \
	    --out build/validate/validation.md

# Every semantic case of the SBML Test Suite: build/sbml-suite/results.csv,
# NNNNN-moodsim.csv per case, and a summary by component tag.
sbml-suite: build
	@mkdir -p build/sbml-suite
	$(BUILD)/sbml_suite $(SBML_SUITE) build/sbml-suite 1 1821

# The command, libmoodsim, moodsim.h, moodsim.pc and the Python package
# (docs/python.md) under PREFIX; DESTDIR stages them (packaging).  uninstall
# removes exactly what the last install into this build wrote.
PREFIX ?= /usr/local
install: build
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	DESTDIR=$(DESTDIR) cmake --build $(BUILD) --target install

uninstall:
	@test -f $(BUILD)/install_manifest.txt || { echo "uninstall: nothing installed from $(BUILD)"; exit 1; }
	@while IFS= read -r f || [ -n "$$f" ]; do \
	    rm -f -- "$$f" && echo "removed $$f"; \
	    case "$$f" in */moodsim/*.py) rm -rf -- "$$(dirname "$$f")/__pycache__";; esac; \
	    rmdir -- "$$(dirname "$$f")" 2>/dev/null || true; \
	done < $(BUILD)/install_manifest.txt
	@rm -f $(BUILD)/install_manifest.txt

clean:
	rm -rf build
