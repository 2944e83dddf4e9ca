# moodsim — the two commands a user needs:
#   make demo    build, simulate the example model, and run the example virtual trial
#   make check   build with AddressSanitizer + UndefinedBehaviorSanitizer and run every test
# Both first install any missing Debian package (scripts/install-deps.sh).

BUILD       ?= build/release
CHECK_BUILD ?= build/check
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_SCENARIO ?= tests/trial/toy_scenario.yaml

.PHONY: all deps build demo check clean

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
	$(BUILD)/moodsim trial $(DEMO_SCENARIO) --out build/demo
	@echo "open build/demo/report.html"

check: build
	@cmake -S . -B $(CHECK_BUILD) -DMS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(CHECK_BUILD) -j $(JOBS)
	cd $(CHECK_BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf build
