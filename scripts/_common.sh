# Shared helpers for scripts/serve and scripts/test (sourced, not executed).
#
# Odoo 18.0 is found, in this order:
#   1. ODOO_BIN=/path/to/odoo-bin  (a source tree; its folder is put on PYTHONPATH)
#   2. an `odoo` package importable by $PYTHON (pip editable install, Debian
#      package, the official odoo:18.0 docker image), run as `python3 -m odoo`;
#   3. the virtual environment .local/odoo-venv, which require_odoo makes when
#      neither is there: Odoo 18.0 from CAR_PORTAL_ODOO_SOURCE (a folder, a
#      tarball or a URL; default Odoo's official 18.0 archive on GitHub) with its
#      requirements (scripts/odoo_install.py). CAR_PORTAL_ODOO_INSTALL=0 stops
#      with instructions instead. From then on $PYTHON is that venv's python.
# The database server is taken from PGHOST/PGPORT/PGUSER/PGPASSWORD
# (defaults: 127.0.0.1, 5432, odoo, no password).

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
export PGHOST=${PGHOST:-127.0.0.1}
export PGPORT=${PGPORT:-5432}
export PGUSER=${PGUSER:-odoo}
CAR_PORTAL_ADDONS=${CAR_PORTAL_ADDONS:-car_portal_orders,car_portal_sepidar,car_portal_reports}
# Where Odoo keeps its filestore and where the scripts write their logs.
LOCAL_DIR=${CAR_PORTAL_DATA_DIR:-"$REPO_ROOT/.local"}

say() { printf '\033[1m[car-portal]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[car-portal] %s\033[0m\n' "$*" >&2; exit 1; }

# The venv and the source tree live in the repository's own .local, whatever
# CAR_PORTAL_DATA_DIR says (scripts/test moves the data of phase 2 elsewhere).
ODOO_VENV=${CAR_PORTAL_ODOO_VENV:-"$REPO_ROOT/.local/odoo-venv"}
ODOO_SRC=${CAR_PORTAL_ODOO_SRC:-"$REPO_ROOT/.local/odoo-src"}
ODOO_SOURCE_DEFAULT=https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz

is_odoo18() {
    "$1" -c 'import odoo.release as r, sys; sys.exit(r.version_info[:2] != (18, 0))' 2>/dev/null
}

require_odoo() {
    if [ -n "${ODOO_BIN:-}" ]; then
        [ -f "$ODOO_BIN" ] || die "ODOO_BIN=$ODOO_BIN does not exist."
        export PYTHONPATH="$(cd "$(dirname "$ODOO_BIN")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"
    fi
    is_odoo18 "$PYTHON" && return 0
    [ -z "${ODOO_BIN:-}" ] || die "ODOO_BIN=$ODOO_BIN is not an Odoo 18.0 that $PYTHON can run (its requirements installed?)."
    if ! { [ -f "$ODOO_VENV/.car-portal-odoo" ] && is_odoo18 "$ODOO_VENV/bin/python"; }; then
        [ "${CAR_PORTAL_ODOO_INSTALL:-1}" != 0 ] || die "Odoo 18.0 is not importable by $PYTHON.
Install Odoo 18.0 community (see README.md, \"Odoo 18.0\"), or let the scripts
install it into $ODOO_VENV: unset CAR_PORTAL_ODOO_INSTALL."
        install_odoo
    fi
    PYTHON="$ODOO_VENV/bin/python"
    export PYTHON
}

# Install Odoo 18.0 into $ODOO_VENV (one install at a time: a lock).
install_odoo() {
    local source=${CAR_PORTAL_ODOO_SOURCE:-$ODOO_SOURCE_DEFAULT} started=$SECONDS
    mkdir -p "$(dirname "$ODOO_VENV")"
    say "Odoo 18.0 is not importable by $PYTHON: installing it into $ODOO_VENV from $source"
    (
        flock 9
        if [ -f "$ODOO_VENV/.car-portal-odoo" ] && is_odoo18 "$ODOO_VENV/bin/python"; then
            exit 0  # installed by another run while this one waited
        fi
        "$PYTHON" "$REPO_ROOT/scripts/odoo_install.py" --venv "$ODOO_VENV" \
            --src "$ODOO_SRC" --source "$source" --python "$PYTHON"
    ) 9>"$ODOO_VENV.lock" || die "Could not install Odoo 18.0 into $ODOO_VENV (see above).
CAR_PORTAL_ODOO_SOURCE may point at a local copy: a source folder, a tarball or a URL."
    is_odoo18 "$ODOO_VENV/bin/python" || die "$ODOO_VENV/bin/python cannot import Odoo 18.0."
    say "Odoo 18.0 installed into $ODOO_VENV in $((SECONDS - started)) s"
}

# Odoo's command line: ODOO_BIN, else scripts/odoo_launcher.py (as odoo-bin:
# unlike `python3 -m odoo`, it can start the gevent process of workers mode).
odoo_cmd() {
    if [ -n "${ODOO_BIN:-}" ]; then
        "$PYTHON" "$ODOO_BIN" "$@"
    else
        "$PYTHON" "$REPO_ROOT/scripts/odoo_launcher.py" "$@"
    fi
}

# The gevent process of workers mode (/websocket) dies at every start, and is
# started again every second, when gevent cannot load its plugins: zope.event
# >= 5.1 or zope.interface >= 6.5 with setuptools < 70 (DistributionNotFound).
# scripts/odoo_install.py pins them in .local/odoo-venv; elsewhere, say how.
gevent_check() {
    "$PYTHON" -c 'import gevent.monkey; gevent.monkey.patch_all()' 2>/dev/null && return 0
    say "WARNING: gevent cannot start with $PYTHON, so /websocket (the web client's live updates) will not work in workers mode; fix: $PYTHON -m pip install 'zope.event<5.1' 'zope.interface<6.5'"
}

# Odoo options of workers (prefork) mode, one a line, for N HTTP workers:
# a cron worker, the gevent port for /websocket and the per-worker limits
# (CAR_PORTAL_GEVENT_PORT, CAR_PORTAL_LIMIT_MEMORY_SOFT/_HARD,
# CAR_PORTAL_LIMIT_TIME_CPU/_REAL change them). README.md, "Production layout".
prefork_options() {
    local workers=$1
    [[ $workers =~ ^[1-9][0-9]*$ ]] || die "CAR_PORTAL_WORKERS=$workers: give a number of workers (1 or more)."
    printf '%s\n' --workers="$workers" --max-cron-threads=1 \
        --gevent-port="${CAR_PORTAL_GEVENT_PORT:-8072}" \
        --limit-memory-soft="${CAR_PORTAL_LIMIT_MEMORY_SOFT:-2147483648}" \
        --limit-memory-hard="${CAR_PORTAL_LIMIT_MEMORY_HARD:-2684354560}" \
        --limit-time-cpu="${CAR_PORTAL_LIMIT_TIME_CPU:-600}" \
        --limit-time-real="${CAR_PORTAL_LIMIT_TIME_REAL:-1200}" \
        --limit-request=65536
}

# Odoo's own addons folders plus ours, comma separated.
addons_path() {
    "$PYTHON" - "$REPO_ROOT/addons" <<'EOF'
import os
import sys

import odoo

root = os.path.dirname(os.path.abspath(odoo.__file__))
candidates = [os.path.join(root, "addons"), os.path.join(root, os.pardir, "addons")]
paths = [os.path.abspath(p) for p in candidates if os.path.isdir(p)]
print(",".join([sys.argv[1], *paths]))
EOF
}

# The common Odoo options: our config file (or the one given, e.g. the one
# scripts/serve generates from it), overridden by this machine's database server
# and addons path.
odoo_options() {
    local conf=${1:-"$REPO_ROOT/config/odoo.conf"}
    local opts=(-c "$conf" --addons-path="$(addons_path)"
        --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER"
        --data-dir="$LOCAL_DIR/data")
    if [ -n "${PGPASSWORD:-}" ]; then opts+=(--db_password="$PGPASSWORD"); fi
    printf '%s\n' "${opts[@]}"
}

# The master password of the database manager (Odoo's admin_passwd), printed on
# stdout: CAR_PORTAL_MASTER_PASSWORD when set, else the one kept in
# $LOCAL_DIR/master-password (mode 600), generated on first use. Never
# committed: config/odoo.conf has none.
master_password() {
    if [ -n "${CAR_PORTAL_MASTER_PASSWORD:-}" ]; then
        say "master password: from CAR_PORTAL_MASTER_PASSWORD"
        printf '%s\n' "$CAR_PORTAL_MASTER_PASSWORD"
        return 0
    fi
    local file="$LOCAL_DIR/master-password" tmp password
    if [ ! -e "$file" ]; then
        mkdir -p "$LOCAL_DIR"
        tmp=$(umask 077 && mktemp "$file.XXXXXX")
        "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))' > "$tmp" \
            || { rm -f "$tmp"; die "could not generate a master password."; }
        # ln, not mv: when two starts race, the first password wins for both.
        ln "$tmp" "$file" 2>/dev/null && say "generated a master password for the database manager"
        rm -f "$tmp"
    fi
    chmod 600 "$file"
    password=$(head -n 1 "$file")
    [ -n "$password" ] || die "$file is empty: delete it to generate a new master password."
    say "master password: $file"
    printf '%s\n' "$password"
}

# The interface scripts/serve makes Odoo listen on: --http-interface among the
# given (extra) arguments, else CAR_PORTAL_HTTP_INTERFACE, else loopback.
http_interface() {
    local interface=${CAR_PORTAL_HTTP_INTERFACE:-127.0.0.1}
    while [ $# -gt 0 ]; do
        case $1 in
            --http-interface=*) interface=${1#*=} ;;
            --http-interface) interface=${2:-}; [ $# -gt 1 ] && shift ;;
        esac
        shift
    done
    printf '%s\n' "$interface"
}

is_loopback() {
    case $1 in 127.*|localhost|::1) return 0 ;; *) return 1 ;; esac
}

# Write the Odoo configuration scripts/serve runs with: config/odoo.conf plus
# admin_passwd and list_db (True or False). Mode 600, replaced atomically; the
# password goes through the environment, never on a command line.
write_serve_conf() {
    local dest=$1 list_db=$2 password=$3
    mkdir -p "$(dirname "$dest")"
    CAR_PORTAL_SERVE_PASSWORD=$password "$PYTHON" - "$REPO_ROOT/config/odoo.conf" \
        "$dest" "$list_db" <<'EOF' || die "could not write $dest."
import configparser
import os
import sys
import tempfile

source, dest, list_db = sys.argv[1:]
password = os.environ.pop("CAR_PORTAL_SERVE_PASSWORD")
if not password or password != password.strip() or "\n" in password:
    sys.exit("the master password must be one line without surrounding spaces.")
config = configparser.RawConfigParser()
if not config.read(source, encoding="utf-8"):
    sys.exit(f"{source} is missing.")
config.set("options", "admin_passwd", password)
config.set("options", "list_db", list_db)
fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".odoo-serve.")
with os.fdopen(fd, "w", encoding="utf-8") as handle:
    handle.write(
        f"; Written by scripts/serve from {source} at every start: edit\n"
        "; that file instead. It holds the master password: keep it private.\n"
    )
    config.write(handle)
os.replace(tmp, dest)
EOF
}

is_local_pg() {
    case "$PGHOST" in 127.0.0.1|localhost|::1|/*) return 0 ;; *) return 1 ;; esac
}

# Make sure PostgreSQL answers; start the local cluster if it is down, and
# create the login role Odoo uses (Odoo refuses to run as `postgres`).
ensure_postgres() {
    if ! is_local_pg; then
        # A database server of its own (docker compose): give it time to start.
        for _ in $(seq 60); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
    fi
    if ! pg_isready -q -h "$PGHOST" -p "$PGPORT" -t 3; then
        is_local_pg || die "PostgreSQL at $PGHOST:$PGPORT does not answer."
        say "PostgreSQL is down, starting the local cluster"
        local version
        version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
        [ -n "$version" ] || die "No local PostgreSQL cluster found in /etc/postgresql."
        pg_ctlcluster --skip-systemctl-redirect "$version" main start \
            || die "Could not start PostgreSQL $version/main."
        for _ in $(seq 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
        pg_isready -q -h "$PGHOST" -p "$PGPORT" || die "PostgreSQL did not come up."
    fi
    if ! psql -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
        is_local_pg || die "Cannot log in to PostgreSQL as $PGUSER."
        say "creating the PostgreSQL role $PGUSER"
        psql -U postgres -d postgres -qc "CREATE ROLE \"$PGUSER\" LOGIN CREATEDB" \
            || die "Could not create the PostgreSQL role $PGUSER."
    fi
}

# Let a local streaming replica connect (tests/test_read_replica.py makes one
# with pg_basebackup): on a local cluster whose pg_hba.conf has no replication
# rule for 127.0.0.1, append `host replication all 127.0.0.1/32 trust` (the
# rule the cluster already has for every database, trust from loopback) and
# reload. wal_level and max_wal_senders need a restart: they are only checked.
ensure_replication() {
    is_local_pg || return 0
    local su=(psql -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -Atq) hba
    "${su[@]}" -c 'select 1' >/dev/null 2>&1 || { say "no PostgreSQL superuser 'postgres': replication access not checked"; return 0; }
    [ "$("${su[@]}" -c "select current_setting('wal_level') <> 'minimal' and current_setting('max_wal_senders')::int > 1")" = t ] \
        || die "PostgreSQL needs wal_level = replica and max_wal_senders > 1 for a streaming replica (then restart it)."
    [ "$("${su[@]}" -c "select count(*) from pg_hba_file_rules where 'replication' = any(database) and ('127.0.0.1'::inet & netmask::inet) = (address::inet & netmask::inet) and auth_method = 'trust'")" != 0 ] && return 0
    hba=$("${su[@]}" -c 'show hba_file')
    [ -w "$hba" ] || die "$hba allows no replication from 127.0.0.1: add 'host replication all 127.0.0.1/32 trust' and reload PostgreSQL."
    say "allowing replication connections from 127.0.0.1 in $hba (for the read replica test)"
    printf '# car-portal (scripts/_common.sh, ensure_replication): a local streaming replica\nhost    replication     all             127.0.0.1/32            trust\n' >> "$hba"
    "${su[@]}" -c 'select pg_reload_conf()' >/dev/null
}

# Odoo calls `rtlcss` to build right-to-left (Persian) style sheets; without
# it, it logs a warning and serves left-to-right CSS.
ensure_rtlcss() {
    command -v rtlcss >/dev/null && return 0
    command -v npm >/dev/null || die "rtlcss is missing and npm is not available: install Node.js and 'npm install -g rtlcss'."
    say "installing rtlcss (npm) for right-to-left CSS"
    if [ "$(id -u)" = 0 ]; then npm install -g --silent rtlcss >/dev/null; else sudo npm install -g --silent rtlcss >/dev/null; fi \
        || die "Could not install rtlcss: npm install -g rtlcss."
}

db_exists() {
    [ "$(psql -d postgres -Atqc "select 1 from pg_database where datname = '$1'")" = 1 ]
}

drop_db() {
    dropdb --if-exists "$1" 2>/dev/null || true
    rm -rf "$LOCAL_DIR/data/filestore/$1"
}

# Fail when an Odoo log holds a warning or an error that is not on the ignore
# list (OCA CI treats warnings as failures too).
checklog() {
    local log=$1 bad
    bad=$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$log" \
        | grep -vEf <(grep -v '^#' "$REPO_ROOT/.ci/checklog-ignore") || true)
    if [ -n "$bad" ]; then
        printf '%s\n' "$bad" >&2
        die "$log holds warnings or errors (above)."
    fi
}
