# Two commands for a newcomer: `make run` and `make test`.
# When `deno` is not on PATH, the pinned Deno is installed from the npm
# registry into .tools/ (git-ignored) and used from there.

DENO_VERSION := 2.9.6
LOCAL_DENO := $(CURDIR)/.tools/node_modules/.bin/deno

ifeq ($(shell command -v deno 2>/dev/null),)
DENO := $(LOCAL_DENO)
DENO_DEP := $(LOCAL_DENO)
else
DENO := deno
DENO_DEP :=
endif

CONFIG ?= config.toml

# V8 flags of the server, wherever it runs: `make run`, `bin/imapd`, the
# compiled binary (embedded by `deno compile`), the `run` task in deno.json and
# the bench. They must be on the command line: V8 reads them once, before the
# first isolate, and every thread (socket, store writer, store reader) gets
# them. tests/dist/v8_flags_test.ts keeps the copies equal;
# docs/performance.md ("The young generation") has the figures.
# --no-memory-pool-share-memory-on-teardown: a store thread that stops gives
# its heap back to the system (without it V8 keeps the pages; docs/performance.md,
# "Store threads that stop when idle").
V8_FLAGS := --max-semi-space-size=8,--no-memory-pool-share-memory-on-teardown

.PHONY: run test check fmt lint typecheck bench build deno clean

run: $(DENO_DEP)
	$(DENO) run -A --v8-flags=$(V8_FLAGS) main.ts --config $(CONFIG) run

test: $(DENO_DEP)
	$(DENO) test -A

check: $(DENO_DEP)
	$(DENO) fmt --check
	$(DENO) lint
	$(DENO) check main.ts lib tests $(wildcard bench)
	$(DENO) test -A

fmt: $(DENO_DEP)
	$(DENO) fmt

bench: $(DENO_DEP)
	$(DENO) run -A bench/main.ts $(if $(QUICK),--quick,)

# deno compile downloads a runtime base binary: this needs a connected machine.
build: $(DENO_DEP)
	$(DENO) compile -A --v8-flags=$(V8_FLAGS) --include lib/store/worker/store_thread.ts --output imapd main.ts

deno: $(DENO_DEP)

$(LOCAL_DENO):
	mkdir -p .tools
	npm install --no-save --no-audit --no-fund --loglevel=error --prefix .tools deno@$(DENO_VERSION)
	test -x $(LOCAL_DENO)

clean:
	rm -rf .tools node_modules data imapd
