#!/bin/sh
# `make bundle-check`: install a bundle inside a network namespace that has no network (only a
# loopback interface), migrate a fresh SQLite database and serve the home page with gunicorn
# (issue 13 §18). Needs `unshare` (util-linux) and root or unprivileged user namespaces.
#
#   deploy/bundle-check.sh dist/chuancheng-<commit>-<python>-<platform>.tar.gz
set -eu
tarball=$(realpath "${1:?usage: bundle-check.sh BUNDLE.tar.gz}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
bundle=$(ls -d "$work"/chuancheng-*)

cat > "$work/inside.sh" <<INSIDE
set -eu
ip link set lo up 2>/dev/null || true
if python3 -c "import socket; socket.create_connection(('pypi.org', 443), 3)" 2>/dev/null; then
    echo "FAIL: the namespace reaches the network" >&2; exit 1
fi
HOME="$work/home" PIP_CONFIG_FILE=/dev/null sh "$bundle/install.sh" "$work/app"
cd "$work/app"
export DATABASE_URL="sqlite:///$work/db.sqlite3" MEDIA_ROOT="$work/media"
.venv/bin/python manage.py migrate --verbosity 0
.venv/bin/gunicorn --config deploy/gunicorn.conf.py --bind 127.0.0.1:8765 --workers 1 \
    --error-logfile "$work/gunicorn.log" --pid "$work/gunicorn.pid" --daemon chuancheng.wsgi
trap 'kill \$(cat "$work/gunicorn.pid") 2>/dev/null || true' EXIT
.venv/bin/python - <<'PY'
import time, urllib.request
for _ in range(60):
    try:
        body = urllib.request.urlopen("http://127.0.0.1:8765/", timeout=5).read().decode()
        break
    except OSError:
        time.sleep(1)
else:
    raise SystemExit("FAIL: the home page did not answer")
assert "传承" in body, "FAIL: the home page is not chuancheng's"
print("OK: installed with no network, migrated, served the home page")
PY
INSIDE

if [ "$(id -u)" = 0 ]; then
    unshare --net sh "$work/inside.sh"
else
    unshare --net --map-root-user sh "$work/inside.sh"
fi
