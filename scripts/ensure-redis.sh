#!/usr/bin/env bash
# The worker tests need a Redis broker on 127.0.0.1:${REDIS_PORT:-6379}.
# If none answers, install Debian's redis-server (if missing) and start one
# in the background, keeping nothing on disk. Safe to run again.
set -euo pipefail
port="${REDIS_PORT:-6379}"
answers() {
  python3 - "$port" <<'PY'
import socket, sys
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1) as s:
        s.sendall(b"PING\r\n")
        sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
PY
}
answers && exit 0
"$(dirname "$0")/system-deps.sh" redis-server
echo "Starting redis-server on 127.0.0.1:${port}"
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
  --dir /tmp --logfile "/tmp/redis-${port}.log"
for _ in $(seq 1 50); do answers && exit 0; sleep 0.1; done
echo "redis-server did not answer on port ${port}" >&2
exit 1
