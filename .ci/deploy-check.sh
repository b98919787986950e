#!/usr/bin/env bash
# make deploy-check: deploy template.yaml to moto as sam package + sam deploy
# would (.ci/deploy_check.py), then run the docs' examples through make run's
# server pointed at the table the stack created. docs/deploying.md says what
# this proves and what only a real AWS deploy can.
#
# Needs python3 with moto[server], boto3 and aws-sam-translator
# (pip install 'moto[server]' cfn-lint aws-sam-translator). Without them it
# skips with a message, unless REQUIRE_DEPLOY_CHECK=1 (CI), where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
go=${GO:-go}

if ! "$py" -c 'import moto, boto3, samtranslator' 2>/dev/null; then
  msg="deploy-check needs $py with moto, boto3 and samtranslator: pip install 'moto[server]' cfn-lint aws-sam-translator"
  if [ "${REQUIRE_DEPLOY_CHECK:-}" = 1 ]; then echo "$msg" >&2; exit 1; fi
  echo "SKIP $msg"
  exit 0
fi

# The artifacts sam build makes: make build's bootstraps (linux/arm64).
make -s build

out=$(mktemp -d)
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$out/moto.log"
"$py" -m moto.server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 1 300); do  # moto imports slowly on a loaded machine
  if curl -s -o /dev/null "http://127.0.0.1:$port/moto-api/"; then break; fi
  if ! kill -0 $pid 2>/dev/null; then cat "$log"; echo "moto did not start" >&2; exit 1; fi
  sleep 0.1
done
endpoint="http://127.0.0.1:$port"
echo "moto on $endpoint"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
if ! "$py" .ci/deploy_check.py --endpoint "$endpoint" --build-dir build --out-dir "$out" --region "$AWS_REGION"; then
  # A template error inside moto is a 500 whose cause is only in its log.
  echo "--- moto log, last errors:" >&2
  grep -E '^[A-Za-z.]*(Error|Exception)' "$log" | tail -3 >&2 || true
  exit 1
fi

# The integration run: the server make run starts, on the stack's table
# (created by CloudFormation from template.yaml, not by the code), serving
# every runnable example of README.md and docs/*.md through HTTP.
table=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["table"])' "$out/stack.json")
echo "== integration: the docs' examples through make run on table $table"
DOCS_DYNAMODB_ENDPOINT="$endpoint" DOCS_TABLE_NAME="$table" REQUIRE_CURL=1 \
  "$go" test -count=1 -run '^TestDocsRunAsWritten$' -v ./e2e
