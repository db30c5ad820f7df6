#!/bin/sh
# Legacy (v1) entry point, kept so existing jobs keep working: runs backup-db-v2.sh with the
# same options. v2 is recommended.
set -eu
echo "backup-db.sh: this is the legacy v1 name; storage/scripts/backup-db-v2.sh is recommended (running it now)" >&2
exec sh "$(dirname -- "$0")/backup-db-v2.sh" "$@"
