#!/bin/sh
# Nightly backup into ROOT/<date-time>, then removal of backups older than BACKUP_KEEP_DAYS.
# A failed backup leaves its directory without manifest.json and is removed, so only whole
# backups stay. Run by deploy/systemd/chuancheng-backup.service.
set -eu
root="${1:?usage: backup-nightly.sh BACKUP_ROOT}"
keep="${BACKUP_KEEP_DAYS:-14}"
target="$root/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$root"
if ! .venv/bin/python manage.py backup "$target"; then
    rm -rf "$target"
    exit 1
fi
find "$root" -mindepth 1 -maxdepth 1 -type d -mtime +"$keep" -exec rm -rf {} +
