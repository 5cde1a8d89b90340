# rampart - top-level entry points (DESIGN.md: make lab, make test, make bench).
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
MESON_FLAGS ?=
VPN ?= 0

.PHONY: all deps build test test-unit test-integration test-asan test-asan-lab fuzz fuzz-build lab lab-down lab-status \
	bench install format lint clean help

all: build

help:
	@echo "make deps       install the Debian packages rampart needs (root)"
	@echo "make            build into $(BUILD)/"
	@echo "make lab        start the appliance between namespaces lan and wan (root)"
	@echo "make lab VPN=1  the same with the VPN server and a road warrior host, road (root)"
	@echo "make lab-down   remove everything the lab created"
	@echo "make test       unit and integration tests (integration needs root)"
	@echo "make test-asan  unit tests under ASan+UBSan"
	@echo "make test-asan-lab  the lab's integration tests on the ASan+UBSan build (root)"
	@echo "make fuzz       build the libFuzzer targets and run each FUZZ_SECONDS"
	@echo "make bench      benchmarks against dpdk-testpmd, report in bench/report/"
	@echo "make install    binaries and systemd units under PREFIX, rampart.conf in SYSCONFDIR/rampart"

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX) --sysconfdir=$(SYSCONFDIR) $(MESON_FLAGS)

build: deps $(BUILD)/build.ninja
	@ninja -C $(BUILD) --quiet

lab: build
	@LAB_VPN=$(VPN) scripts/lab.sh up

lab-down:
	@scripts/lab.sh down

lab-status:
	@scripts/lab.sh status

# unit, fuzz (FUZZ_SECONDS_TEST each) and integration tests, one summary line
FUZZ_SECONDS_TEST ?= 10
test: build fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS_TEST) tests/run.sh $(BUILD)

test-unit: build
	@TESTS_ONLY=unit tests/run.sh $(BUILD)

test-integration: build
	@TESTS_ONLY=integration tests/run.sh $(BUILD)

test-asan: deps
	@[ -f $(ASAN_BUILD)/build.ninja ] || meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
	@ninja -C $(ASAN_BUILD) --quiet
	@UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
		TESTS_ONLY=unit tests/run.sh $(ASAN_BUILD)

# the integration tests with the dataplane and ctrl built with ASan+UBSan: a
# sanitizer report in the lab's logs fails the test (tests/run.sh)
test-asan-lab: deps
	@[ -f $(ASAN_BUILD)/build.ninja ] || meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
	@ninja -C $(ASAN_BUILD) --quiet
	@UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0 \
		TESTS_SKIP=test_capture \
		TESTS_SKIP_WHY="dpdk-dumpcap, a secondary process, cannot map itself into an ASan primary" \
		TESTS_ONLY=integration tests/run.sh $(ASAN_BUILD)

fuzz-build: deps
	@[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dtests=disabled -Dbuildtype=debug >/dev/null
	@ninja -C $(FUZZ_BUILD) --quiet

fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: build
	@bench/run.sh

install: build
	@meson configure $(BUILD) --prefix=$(PREFIX) --sysconfdir=$(SYSCONFDIR) >/dev/null
	meson install -C $(BUILD) $(if $(DESTDIR),--destdir $(DESTDIR))

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

lint:
	@git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror
	@cppcheck --quiet --error-exitcode=1 --enable=warning,performance --inline-suppr \
		--suppress=unknownMacro \
		-I . $$(git ls-files 'dataplane/*.c' 'ctrl/*.c' 'bench/*.c')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
