#!/usr/bin/env bash
# Runs pushdeck's benchmarks: whole-process send (pushdeck send vs an apns2
# driver vs the server's ceiling under h2load) and start-up to first frame.
# Installs h2load (Debian's nghttp2-client) when it is missing, then runs
# `go run ./bench` from the repository root; extra arguments go to it
# (e.g. bench/run.sh -quick). Results: bench/results/latest.{json,md}.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v h2load >/dev/null 2>&1; then
	echo "== installing h2load (nghttp2-client)" >&2
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo="sudo"
		else
			echo "bench/run.sh: h2load is missing and apt-get needs root; install nghttp2-client, or pass -h2load off" >&2
			exit 1
		fi
	fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nghttp2-client >/dev/null
fi

echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec go run ./bench "$@"
