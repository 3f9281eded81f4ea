#!/usr/bin/env bash
# Object-store emulators on 127.0.0.1 for the lake tests and local runs.
#   bash scripts/emulators.sh install   # Azurite from npm into .tools/emulators (moto and the GCS emulator are pip deps)
#   bash scripts/emulators.sh start     # moto :${MOTO_PORT:-5000}, Azurite :${AZURITE_PORT:-10000}, GCS :${GCS_PORT:-9023}
#   bash scripts/emulators.sh stop | status | env
# The pytest fixtures (tests/conftest_lake.py) start their own instances on free ports; this script is for
# CI set-up and for trying the multi-site lake by hand (`eval "$(bash scripts/emulators.sh env)"`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
TOOLS="$ROOT/.tools/emulators"
RUN="$TOOLS/run"
VENV_BIN="${VENV:-$ROOT/.venv}/bin"
AZURITE_VERSION="${AZURITE_VERSION:-3.35.0}"
MOTO_PORT="${MOTO_PORT:-5000}"
AZURITE_PORT="${AZURITE_PORT:-10000}"
GCS_PORT="${GCS_PORT:-9023}"

# Azurite ignores the `startFrom` parameter of List Blobs (an offset listing that real Azure honours), so
# delta-rs, which lists `_delta_log/` from the version it holds, re-reads older commits and fails with
# "Invalid table version" on a table's third commit. Patch the handler to honour it (idempotent).
patch_azurite() {
  local handler="$TOOLS/node_modules/azurite/dist/src/blob/handlers/ContainerHandler.js"
  [ -f "$handler" ] || return 0
  grep -q "worldmill: startFrom" "$handler" && return 0
  sed -i 's|^        const \[blobs, _prefixes, nextMarker\] = await this.metadataStore.listBlobs(context, accountName, containerName, undefined, undefined, options.prefix, options.maxresults, marker, includeSnapshots, includeUncommittedBlobs);$|        let [blobs, _prefixes, nextMarker] = await this.metadataStore.listBlobs(context, accountName, containerName, undefined, undefined, options.prefix, options.maxresults, marker, includeSnapshots, includeUncommittedBlobs);\n        const startFrom = request.getQuery("startFrom"); // worldmill: startFrom as Azure answers it\n        if (startFrom) { blobs = blobs.filter(blob => blob.name >= startFrom); }|' "$handler"
  grep -q "worldmill: startFrom" "$handler" || { echo "could not patch Azurite's startFrom listing ($handler)" >&2; return 1; }
  echo "azurite patched: List Blobs honours startFrom"
}

install() {
  if [ -x "$TOOLS/node_modules/.bin/azurite-blob" ]; then echo "azurite already installed in $TOOLS"; patch_azurite; return 0; fi
  if ! command -v npm >/dev/null; then
    echo "npm not found: Azurite tests will be skipped (install Node.js 18+ to enable them)" >&2; return 0
  fi
  mkdir -p "$TOOLS"
  (cd "$TOOLS" && npm install --no-audit --no-fund --loglevel=error "azurite@$AZURITE_VERSION") \
    || { echo "npm install azurite failed: Azurite tests will be skipped" >&2; return 0; }
  echo "azurite $AZURITE_VERSION installed in $TOOLS"
  patch_azurite
}

start_one() {  # name port command...
  local name=$1 port=$2; shift 2
  mkdir -p "$RUN"
  if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then echo "$name already running"; return; fi
  setsid "$@" >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$name listening on 127.0.0.1:$port"; return; fi
    sleep 0.2
  done
  echo "$name did not start; see $RUN/$name.log" >&2; return 1
}

start() {
  start_one moto "$MOTO_PORT" "$VENV_BIN/moto_server" -H 127.0.0.1 -p "$MOTO_PORT"
  if [ -x "$TOOLS/node_modules/.bin/azurite-blob" ]; then
    start_one azurite "$AZURITE_PORT" "$TOOLS/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 \
      --blobPort "$AZURITE_PORT" --location "$RUN/azurite-data" --skipApiVersionCheck --silent --disableTelemetry --loose
  else
    echo "azurite not installed (run: $0 install); skipping" >&2
  fi
  start_one gcs "$GCS_PORT" "$VENV_BIN/gcp-storage-emulator" start --host 127.0.0.1 --port "$GCS_PORT" --in-memory
}

stop() {
  for name in moto azurite gcs; do
    if [ -f "$RUN/$name.pid" ]; then
      pid=$(cat "$RUN/$name.pid")
      kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
      rm -f "$RUN/$name.pid"; echo "$name stopped"
    fi
  done
}

status() {
  for name in moto azurite gcs; do
    if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then echo "$name running (pid $(cat "$RUN/$name.pid"))"
    else echo "$name stopped"; fi
  done
}

env_vars() {  # emulator credentials are public test values, not secrets
  cat <<EOT
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT
export AZURE_STORAGE_USE_EMULATOR=true AZURE_STORAGE_ENDPOINT=http://127.0.0.1:$AZURITE_PORT AZURITE_BLOB_STORAGE_URL=http://127.0.0.1:$AZURITE_PORT
export STORAGE_EMULATOR_HOST=127.0.0.1:$GCS_PORT GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false
EOT
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) env_vars ;;
  *) echo "usage: $0 install|start|stop|status|env" >&2; exit 2 ;;
esac
