#!/bin/sh
# Install chuancheng from this bundle with no network (issue 13 §18; docs/operations.md).
#
#   ./install.sh [TARGET]        TARGET defaults to /srv/chuancheng/app
#
# Needs on the target (Debian 12 packages; from the intranet's mirror or the install media):
# python3.11, python3-venv, libpango-1.0-0 and libpangoft2-1.0-0 (PDFs), fontconfig,
# postgresql-client (pg_dump for backups), nginx. Then follow docs/operations.md from
# "First installation" (environment files, database roles, migrate, units, nginx).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target="${1:-/srv/chuancheng/app}"
python="${PYTHON:-python3}"

echo "Checking the bundle's checksums"
(cd "$here" && sha256sum --quiet -c SHA256SUMS)

want=$(sed -n 's/^python .*(\(cp[0-9]*\),.*/\1/p' "$here/BUNDLE.txt")
have=$("$python" -c 'import sys; print(f"cp{sys.version_info.major}{sys.version_info.minor}")')
if [ "$want" != "$have" ]; then
    echo "This bundle's wheels are for $want; $python is $have" >&2
    exit 1
fi

echo "Installing the code into $target"
mkdir -p "$target"
cp -a "$here/app/." "$target/"

echo "Creating $target/.venv and installing the wheels (no index, no network)"
"$python" -m venv "$target/.venv"
"$target/.venv/bin/python" -m pip install --quiet --no-index --find-links "$here/wheels" --upgrade pip
"$target/.venv/bin/python" -m pip install --quiet --no-index --find-links "$here/wheels" -r "$target/requirements.txt"

echo "Installing the CJK font for PDFs"
if [ "$(id -u)" = 0 ]; then fonts=/usr/local/share/fonts/chuancheng; else fonts="$HOME/.local/share/fonts/chuancheng"; fi
mkdir -p "$fonts"
cp "$here"/fonts/* "$fonts/"
command -v fc-cache >/dev/null && fc-cache -f "$fonts" >/dev/null || true

# With the production environment loaded (set -a; . /etc/chuancheng/chuancheng.env), the static
# files are collected into STATIC_ROOT with their hashed names; otherwise that is left for later.
if [ -n "${STATIC_ROOT:-}" ]; then
    echo "Collecting static files into $STATIC_ROOT"
    (cd "$target" && .venv/bin/python manage.py collectstatic --noinput --verbosity 0)
fi

echo "Installed. Next: docs/operations.md, \"First installation\" (environment, roles, migrate, services)."
