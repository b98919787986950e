# Outbound Caller Admin API. Only Go is needed for `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

GO        ?= go
FUNCTIONS := $(notdir $(wildcard functions/*))
BUILD_DIR := build
# Lambda: provided.al2023 on Graviton; no cgo, no RPC shim, reproducible paths.
# validator_novalidatefn keeps the linker from retaining every exported
# method of every linked type (validator's reflect.MethodByName): 4 MiB of
# each bootstrap. The tags are also rie.LambdaTags (internal/rie), which
# the emulator tests, cmd/bench/coldstart and the size test build with; a test
# holds the two equal.
LAMBDA_TAGS  := lambda.norpc,validator_novalidatefn
LAMBDA_ENV   := CGO_ENABLED=0 GOOS=linux GOARCH=arm64
LAMBDA_FLAGS := -tags $(LAMBDA_TAGS) -trimpath -ldflags "-s -w"
ROLE ?= admin
# The race detector needs cgo; use it wherever a C compiler makes cgo available.
RACE := $(if $(filter 1,$(shell $(GO) env CGO_ENABLED)),-race,)

FUNCTION ?= update-client
EVENT    ?=

.PHONY: all help deploy-check build run invoke token hash-password migrate test test-moto bench fuzz race-long lint fmt vet cfn-lint actionlint clean $(addprefix build-fn-,$(FUNCTIONS))

## all: lint and test (the default; cfn-lint needs pip install cfn-lint)
all: lint test

# Every target documents itself with a "## name: what it does" line above
# it; help prints those lines, so a target without one is invisible here.
# The optional targets need more than Go:
#   pip install 'moto[server]' cfn-lint aws-sam-translator   (test-moto, cfn-lint, bench, deploy-check)
#   apt-get install valgrind chromium                        (memory checks, console browser tests)
## help: list the targets and what each does
help:
	@awk '/^## [A-Za-z0-9_%-]+:/ { name = $$2; sub(/:$$/, "", name); sub(/^## [^:]+: */, ""); printf "  %-24s %s\n", name, $$0; next } \
	     /^## / && name != "" { sub(/^## */, ""); printf "  %-24s %s\n", "", $$0; next } { name = "" }' $(MAKEFILE_LIST)
	@echo
	@echo "Optional targets need: pip install 'moto[server]' cfn-lint aws-sam-translator; apt-get install valgrind chromium"

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
FN_GetClientHistoryFunction := get-client-history
FN_HistoryWriterFunction := history-writer
FN_ListClientsFunction := list-clients
FN_DeleteClientFunction := delete-client
FN_ResetSecretFunction := reset-secret
FN_AdminLoginFunction := admin-login
FN_ClientLoginFunction := client-login
FN_OauthTokenFunction := oauth-token
FN_GetOwnClientFunction := get-own-client
FN_UpdateOwnClientFunction := update-own-client
FN_ConsoleFunction := console

## build-LogicalIdFunction: what sam build calls per function (ARTIFACTS_DIR set by sam)
build-%Function:
	@test -n "$(FN_$*Function)" || { echo "no functions/ folder mapped for $*Function"; exit 1; }
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(FN_$*Function)

# run builds, then execs, the server rather than `go run` it: go run adds an
# "exit status 1" line of its own and stands between Ctrl-C and the server.
# Many stale packages mean a cold build cache (or module cache): say so
# before the minute of silence that downloading and compiling them takes.
# GOPROXY=off and -e keep the check itself offline and under a second.
## run: the API on 127.0.0.1:3000 (PORT=…) over an embedded, seeded store
run:
	@stale=$$(GOPROXY=off $(GO) list -e -deps -f '{{if .Stale}}x{{end}}' ./cmd/local 2>/dev/null | grep -c x || true); \
	if [ "$$stale" -gt 20 ]; then echo "building… (a first run downloads and compiles the dependencies: a minute or more)"; \
	elif [ "$$stale" -gt 1 ]; then echo "building…"; fi
	@mkdir -p $(BUILD_DIR)
	@$(GO) build -o $(BUILD_DIR)/local ./cmd/local
	@exec ./$(BUILD_DIR)/local

# sam local invoke without Docker: the function's real bootstrap under the
# Lambda Runtime Interface Emulator, over the embedded seeded store unless
# AWS_ENDPOINT_URL_DYNAMODB is set.
## invoke: run FUNCTION's bootstrap under the Lambda emulator with EVENT (default events/<FUNCTION>.json)
invoke:
	$(GO) run ./cmd/invoke -function "$(FUNCTION)" -event "$(EVENT)"

## migrate: move the original's clients in: FROM=mongodb://…/db or FROM=export.json [DRY_RUN=1] [REPORT=file]
##   (TABLE_NAME, ADMIN_JWT_SECRET_ARN, AWS_ENDPOINT_URL_DYNAMODB as for the functions; docs/migration.md)
FROM    ?=
DRY_RUN ?=
REPORT  ?=
# Not echoed: FROM may hold a MongoDB password. make turns every failure
# into its own exit status 2, so the recipe says which status the tool gave;
# scripts that tell 1 (refusals) from 2 run bin/migrate itself.
migrate:
	@test -n "$(FROM)" || { echo "make migrate FROM=mongodb://host/db (or a mongoexport file) [DRY_RUN=1] [REPORT=report.json]"; exit 2; }
	@$(GO) build -o bin/migrate ./cmd/migrate
	@./bin/migrate -from "$(FROM)" $(if $(filter 1,$(DRY_RUN)),-dry-run,) $(if $(REPORT),-report "$(REPORT)",) || { st=$$?; echo "migrate: exit status $$st (1: refusals, 2: the run could not be done); scripts read it from bin/migrate directly" >&2; exit $$st; }

## token: print a local admin token (ROLE=client for a client token; TTL=12h;
##   SCOPE="read:clients …" for an admin token granting only those scopes)
TTL   ?= 12h
SCOPE ?=
token:
	@$(GO) run ./cmd/token -role $(ROLE) -ttl $(TTL) $(if $(SCOPE),-scope "$(SCOPE)",)

# The password is read without echo (or from PASSWORD in the environment or
# standard input), never from make's command line.
## hash-password: print an argon2id hash of a password typed without echo
hash-password:
ifeq ($(origin PASSWORD),command line)
	$(error PASSWORD on the command line ends up in shell history and process listings; run make hash-password and type it, or export PASSWORD)
endif
	@if [ -z "$${PASSWORD:-}" ] && [ -t 0 ]; then read -rsp 'Password: ' PASSWORD; echo >&2; export PASSWORD; fi; \
	$(GO) run ./cmd/hash-password

# go test -json through cmd/testsummary: one line per package, the whole
# output of what failed, and every skipped test with its reason at the end
# (go test's own non-verbose output hides skips); go test's exit status.
## test: every test, against the embedded store; lists the skipped tests and why
test:
	$(GO) run ./cmd/testsummary $(RACE) -count=1 ./...

## test-moto: the same suites against moto (python3 -m moto.server)
test-moto:
	./.ci/with-moto.sh $(GO) test -count=1 ./...

# Slow; not part of test.
## bench: benchmarks, instruction counts (valgrind, where installed), bootstrap
## sizes, cold start, load, list page cost (embedded and moto), create at 100
## and 20,000 clients and a 10,000-client migration into bench/results.md
BENCH_COUNT ?= 5
COLD_RUNS   ?= 10
WARM        ?= 1000
LOAD_TIME   ?= 20s
LOAD_C      ?= 8
LIST_SIZES  ?= 1000,10000
MIGRATE_CLIENTS ?= 10000
# Each round runs every benchmark once, so that a handler and its bare pair
# run side by side in time and a change in machine load hits both.
bench:
	mkdir -p bench/out
	cat /proc/loadavg > bench/out/loadavg-start.txt 2>/dev/null || true
	: > bench/out/gotest.txt
	for i in $$(seq $(BENCH_COUNT)); do $(GO) test -run '^$$' -bench . -benchmem -count 1 ./pkg/... ./internal/... | tee -a bench/out/gotest.txt; done
	$(GO) test -run '^$$' -bench MigrateExportFile -benchtime 1x ./cmd/migrate -args -migrate.clients=$(MIGRATE_CLIENTS) | tee -a bench/out/gotest.txt
	$(GO) run ./cmd/bench/instructions -n1 200 -n2 1200 -o bench/out/instructions.json
	$(GO) run ./cmd/bench/coldstart -runs $(COLD_RUNS) -warm $(WARM) -o bench/out/coldstart.json
	$(GO) run ./cmd/bench/loadgen -c $(LOAD_C) -d $(LOAD_TIME) -o bench/out/load-embedded.json
	./.ci/with-moto.sh bash -c '$(GO) run ./cmd/bench/loadgen -c $(LOAD_C) -d $(LOAD_TIME) -endpoint "$$TEST_DYNAMODB_ENDPOINT" -o bench/out/load-moto.json'
	$(GO) run ./cmd/bench/listcost -sizes $(LIST_SIZES) -o bench/out/listcost-embedded.json
	./.ci/with-moto.sh bash -c '$(GO) run ./cmd/bench/listcost -sizes $(LIST_SIZES) -endpoint "$$TEST_DYNAMODB_ENDPOINT" -o bench/out/listcost-moto.json'
	$(GO) run ./cmd/bench/benchreport -dir bench/out -o bench/results.md

## fuzz: each fuzz target for FUZZTIME (CI: 10s; a campaign: make fuzz FUZZTIME=10m)
FUZZTIME ?= 10s
FUZZ_TARGETS := ./pkg/api:FuzzDecodeUpdate ./pkg/auth:FuzzAuthorize ./pkg/auth:FuzzBearerToken ./pkg/auth:FuzzParseClaims ./pkg/api:FuzzClientID ./pkg/cursor:FuzzCursorDecode ./pkg/api:FuzzListQuery ./pkg/client:FuzzRulePatterns ./pkg/api:FuzzHistoryPosition ./pkg/api:FuzzPlainString ./pkg/api:FuzzObjectMembers ./pkg/client:FuzzFormatTime
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $${t##*:} ($${t%%:*}) for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$${t##*:}$$" -fuzztime $(FUZZTIME) -parallel 1 $${t%%:*}; \
	done

## race-long: the race suite with RACE_OPS operations (replay one with RACE_SEED=<seed>)
RACE_OPS ?= 20000
race-long:
	RACE_OPS=$(RACE_OPS) $(GO) test $(RACE) -count=1 -timeout 60m -run '^TestConcurrentUpdatesKeepUniqueness$$' -v ./e2e

## lint: vet, fmt, cfn-lint, actionlint
lint: vet fmt cfn-lint actionlint

## vet: go vet ./...
vet:
	$(GO) vet ./...

## fmt: fail if any Go file needs gofmt
fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## cfn-lint: lint template.yaml (pip install cfn-lint)
cfn-lint:
	cfn-lint template.yaml

# actionlint lives in its own tool module (tools/go.mod): see the note there.
## actionlint: check the GitHub workflows
actionlint:
	$(GO) -C tools tool actionlint

# Needs python3 with moto, boto3 and samtranslator; skips without them unless
# REQUIRE_DEPLOY_CHECK=1 (CI). docs/deploying.md: what it proves.
## deploy-check: deploy template.yaml to moto (package, SAM transform, CloudFormation) and run the docs' examples on its table
deploy-check:
	./.ci/deploy-check.sh

## clean: remove build outputs
clean:
	rm -rf $(BUILD_DIR) .aws-sam
