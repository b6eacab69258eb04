#!/bin/sh
# `make bundle`: a tarball that installs chuancheng on a machine with no network (issue 13 §18).
#
#   dist/chuancheng-<commit>-cp311-<platform>.tar.gz
#     app/        the code at REF (git archive), with its vendored static files (static/vendor)
#     wheels/     every runtime dependency as a wheel for this platform and Python (pip wheel:
#                 downloaded where a wheel exists, built here where only a source archive does)
#     fonts/      the CJK font the PDFs need (WenQuanYi Micro Hei)
#     install.sh  deploy/bundle-install.sh: pip install --no-index --find-links wheels
#     BUNDLE.txt, SHA256SUMS
#
# Build it on the same OS release, architecture and Python minor version as the target (the
# wheels are for this one); the target needs the system packages listed in install.sh.
set -eu
ref="${1:-HEAD}"
out="${2:-dist}"
python="${PYTHON:-.venv/bin/python}"

commit=$(git rev-parse --short "$ref")
pyver=$("$python" -c 'import sys; print(f"cp{sys.version_info.major}{sys.version_info.minor}")')
platform=$("$python" -c 'import sysconfig; print(sysconfig.get_platform().replace("-", "_").replace(".", "_"))')
name="chuancheng-$commit-$pyver-$platform"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/$name"
mkdir -p "$root/app" "$root/wheels" "$root/fonts" "$out"

git archive "$ref" | tar -x -C "$root/app"
"$python" -m pip wheel --quiet --wheel-dir "$root/wheels" -r "$root/app/requirements.txt"
# pip itself, so the target's venv installs with a known pip.
"$python" -m pip download --quiet --only-binary=:all: --dest "$root/wheels" pip

font=$(fc-match -f '%{file}' 'WenQuanYi Micro Hei' 2>/dev/null || true)
case "$font" in
    *wqy-microhei*) cp "$font" "$root/fonts/" ;;
    *) echo "WenQuanYi Micro Hei not found (make system-packages installs it)" >&2; exit 1 ;;
esac

cp deploy/bundle-install.sh "$root/install.sh"
chmod +x "$root/install.sh"
cat > "$root/BUNDLE.txt" <<INFO
chuancheng $(git rev-parse "$ref")
built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release && echo "$PRETTY_NAME") $(uname -m)
python $("$python" -c 'import platform; print(platform.python_version())') ($pyver, $platform)
wheels $(ls "$root/wheels" | wc -l)
INFO
(cd "$root" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
tar -C "$work" -czf "$out/$name.tar.gz" "$name"
echo "$out/$name.tar.gz"
