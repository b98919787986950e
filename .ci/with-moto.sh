#!/usr/bin/env bash
# Runs a command with TEST_DYNAMODB_ENDPOINT pointing at a fresh moto server
# on a free loopback port, and stops the server afterwards.
set -euo pipefail
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
python3 "$(dirname "$0")/moto_serial.py" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/moto-api/"; then break; fi
  if ! kill -0 $pid 2>/dev/null; then cat "$log"; echo "moto did not start" >&2; exit 1; fi
  sleep 0.1
done
export TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
# moto serves every service on the one port.
export TEST_SECRETSMANAGER_ENDPOINT="$TEST_DYNAMODB_ENDPOINT"
echo "moto on $TEST_DYNAMODB_ENDPOINT"
"$@"
