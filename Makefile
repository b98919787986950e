# Outbound Caller Admin API. Only Go is needed for `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

GO        ?= go
FUNCTIONS := $(notdir $(wildcard functions/*))
BUILD_DIR := build
# Lambda: provided.al2023 on Graviton; no cgo, no RPC shim, reproducible paths.
LAMBDA_ENV   := CGO_ENABLED=0 GOOS=linux GOARCH=arm64
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags "-s -w"
ROLE ?= admin
# The race detector needs cgo; use it wherever a C compiler makes cgo available.
RACE := $(if $(filter 1,$(shell $(GO) env CGO_ENABLED)),-race,)

FUNCTION ?= update-client
EVENT    ?=

.PHONY: all build run invoke token hash-password test test-moto bench fuzz race-long lint fmt vet cfn-lint actionlint clean $(addprefix build-fn-,$(FUNCTIONS))

all: lint test

## build: one bootstrap per function in build/<function>/bootstrap (linux/arm64)
build: $(addprefix build-fn-,$(FUNCTIONS))

$(addprefix build-fn-,$(FUNCTIONS)): build-fn-%:
	mkdir -p $(BUILD_DIR)/$*
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(BUILD_DIR)/$*/bootstrap ./functions/$*

# sam build (BuildMethod: makefile) calls build-<LogicalId> with ARTIFACTS_DIR
# set. Each template function's logical id maps to its folder in functions/.
FN_UpdateClientFunction := update-client
FN_CreateClientFunction := create-client
FN_GetClientFunction := get-client
FN_ListClientsFunction := list-clients
FN_DeleteClientFunction := delete-client
FN_ResetSecretFunction := reset-secret
FN_AdminLoginFunction := admin-login
FN_ClientLoginFunction := client-login
FN_OauthTokenFunction := oauth-token
FN_GetOwnClientFunction := get-own-client
FN_UpdateOwnClientFunction := update-own-client

build-%Function:
	@test -n "$(FN_$*Function)" || { echo "no functions/ folder mapped for $*Function"; exit 1; }
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(FN_$*Function)

## run: the API on 127.0.0.1:$${PORT:-3000} over an embedded, seeded store
run:
	$(GO) run ./cmd/local

## invoke: FUNCTION's real bootstrap under the Lambda Runtime Interface
## Emulator with EVENT (default events/$$FUNCTION.json): sam local invoke
## without Docker, over the embedded seeded store unless
## AWS_ENDPOINT_URL_DYNAMODB is set
invoke:
	$(GO) run ./cmd/invoke -function "$(FUNCTION)" -event "$(EVENT)"

## token: print a local admin token (ROLE=client for a client token)
token:
	@$(GO) run ./cmd/token -role $(ROLE)

## hash-password: print an argon2id hash for ADMIN_PASSWORD_HASH; the
## password is read without echo (or from PASSWORD / standard input)
hash-password:
	@if [ -z "$${PASSWORD:-}" ] && [ -t 0 ]; then read -rsp 'Password: ' PASSWORD; echo >&2; export PASSWORD; fi; \
	$(GO) run ./cmd/hash-password

## test: every test, against the embedded store
test:
	$(GO) test $(RACE) -count=1 ./...

## test-moto: the same suites against moto (python3 -m moto.server)
test-moto:
	./.ci/with-moto.sh $(GO) test -count=1 ./...

## bench: benchmarks, cold start, load (embedded and moto); writes bench/results.md. Slow; not part of test.
BENCH_COUNT ?= 5
COLD_RUNS   ?= 20
WARM        ?= 1000
LOAD_TIME   ?= 20s
LOAD_C      ?= 8
# Each round runs every benchmark once, so that a handler and its bare pair
# run side by side in time and a change in machine load hits both.
bench:
	mkdir -p bench/out
	cat /proc/loadavg > bench/out/loadavg-start.txt 2>/dev/null || true
	: > bench/out/gotest.txt
	for i in $$(seq $(BENCH_COUNT)); do $(GO) test -run '^$$' -bench . -benchmem -count 1 ./internal/... | tee -a bench/out/gotest.txt; done
	$(GO) run ./cmd/coldstart -runs $(COLD_RUNS) -warm $(WARM) -o bench/out/coldstart.json
	$(GO) run ./cmd/loadgen -c $(LOAD_C) -d $(LOAD_TIME) -o bench/out/load-embedded.json
	./.ci/with-moto.sh bash -c '$(GO) run ./cmd/loadgen -c $(LOAD_C) -d $(LOAD_TIME) -endpoint "$$TEST_DYNAMODB_ENDPOINT" -o bench/out/load-moto.json'
	$(GO) run ./cmd/benchreport -dir bench/out -o bench/results.md

## fuzz: each fuzz target for FUZZTIME (CI: 10s; a campaign: make fuzz FUZZTIME=10m)
FUZZTIME ?= 10s
FUZZ_TARGETS := ./internal/client:FuzzDecodeUpdate ./internal/auth:FuzzAuthorize ./internal/auth:FuzzBearerToken ./internal/api:FuzzClientID ./internal/cursor:FuzzCursorDecode ./internal/api:FuzzListQuery
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $${t##*:} ($${t%%:*}) for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$${t##*:}$$" -fuzztime $(FUZZTIME) -parallel 1 $${t%%:*}; \
	done

## race-long: the race suite with RACE_OPS operations (replay one with RACE_SEED=<seed>)
RACE_OPS ?= 20000
race-long:
	RACE_OPS=$(RACE_OPS) $(GO) test $(RACE) -count=1 -timeout 60m -run '^TestConcurrentUpdatesKeepUniqueness$$' -v ./e2e

lint: vet fmt cfn-lint actionlint

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

cfn-lint:
	cfn-lint template.yaml

# actionlint lives in its own tool module (tools/go.mod): see the note there.
actionlint:
	$(GO) -C tools tool actionlint

clean:
	rm -rf $(BUILD_DIR) .aws-sam
