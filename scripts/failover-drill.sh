#!/usr/bin/env bash
# A failover drill: Rapport's servers on a PostgreSQL primary with a
# synchronous streaming standby, reached through one multi-host URL
# (target_session_attrs=read-write). In the middle of a load the standby
# is promoted and the old primary stopped at once (pg_ctl stop -m
# immediate: its loss); the servers go on against the new primary, and at
# the end every write a server acknowledged must be there.
#
# Needs PostgreSQL's server binaries (the newest /usr/lib/postgresql/*/bin,
# or PG_BIN), Go and python3. Run it as root (the clusters then run as the
# postgres user) or as an ordinary user. Everything lives in a temporary
# directory that is removed on exit, the clusters with it.
#
#   scripts/failover-drill.sh              # 30 s of load, the switch at 10 s
#   DURATION=60s SWITCH_AFTER=20s USERS=40 scripts/failover-drill.sh
#
# It exits non-zero when an acknowledged write is missing, when requests
# still fail after writes came back, or when anything on the way fails.
set -euo pipefail
cd "$(dirname "$0")/.."
began=$(date +%s%N)

duration="${DURATION:-30s}"
switch_after="${SWITCH_AFTER:-10s}"
users="${USERS:-20}"
people="${PEOPLE:-2000}"

bin="${PG_BIN:-$( { ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true; } | sort -V | tail -n 1)}"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "failover-drill: no PostgreSQL server binaries (set PG_BIN to the directory of initdb and pg_ctl)" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/rapport-failover.XXXXXX")
# The clusters run as postgres when this runs as root (initdb refuses root).
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown postgres "$work"; fi
chmod 700 "$work"
primary="$work/primary" standby="$work/standby"
cleanup() {
  local rc=$?
  for d in "$primary" "$standby"; do
    [ -f "$d/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$d" stop -m immediate >/dev/null 2>&1 || true
  done
  if [ "$rc" -ne 0 ]; then
    for log in "$work"/primary.log "$work"/standby.log "$work"/bench.err; do
      if [ -s "$log" ]; then echo "--- $(basename "$log") (last lines)"; tail -n 20 "$log"; fi
    done >&2
  fi
  rm -rf "$work"
  exit "$rc"
}
bench_pid=""
# Interrupted: the load stops its servers first (it stops on SIGTERM).
interrupted() {
  if [ -n "$bench_pid" ]; then kill -TERM "$bench_pid" 2>/dev/null || true; wait "$bench_pid" 2>/dev/null || true; fi
  exit 130
}
trap cleanup EXIT
trap interrupted INT TERM

# free_port: a port on 127.0.0.1 that nothing listens on now.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "failover-drill: no free port" >&2
  return 1
}
secret() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
psql_on() { # psql_on PORT SQL...: as the clusters' superuser, over the socket
  local port=$1
  shift
  as_pg "$bin/psql" -h "$work" -p "$port" -U postgres -d postgres -X -q -At -v ON_ERROR_STOP=1 "$@"
}

p1=$(free_port)
p2=$(free_port)
while [ "$p2" = "$p1" ]; do p2=$(free_port); done
rapport_pw=$(secret) repl_pw=$(secret)

echo "building rapport"
go build -o "$work/rapport" ./cmd/rapport

echo "primary on port $p1"
as_pg "$bin/initdb" -D "$primary" -U postgres --auth-local=trust --auth-host=scram-sha-256 >"$work/initdb.log"
cat >>"$primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $p1
unix_socket_directories = '$work'
max_connections = 300
wal_level = replica
max_wal_senders = 4
synchronous_commit = on
CONF
echo "host replication replicator 127.0.0.1/32 scram-sha-256" >>"$primary/pg_hba.conf"
as_pg "$bin/pg_ctl" -D "$primary" -l "$work/primary.log" -w start >/dev/null
psql_on "$p1" -c "CREATE ROLE replicator REPLICATION LOGIN PASSWORD '$repl_pw'" \
  -c "CREATE ROLE rapport LOGIN PASSWORD '$rapport_pw'" -c "CREATE DATABASE rapport OWNER rapport"

echo "standby on port $p2"
as_pg env PGPASSWORD="$repl_pw" "$bin/pg_basebackup" -h 127.0.0.1 -p "$p1" -U replicator -D "$standby" -R -X stream -c fast
# The standby's own settings: its port, and no synchronous standby of its
# own once promoted (it runs alone until a new standby is attached; asking
# for one would hold every commit).
cat >>"$standby/postgresql.auto.conf" <<CONF
port = $p2
synchronous_standby_names = ''
CONF
as_pg "$bin/pg_ctl" -D "$standby" -l "$work/standby.log" -w start >/dev/null
# Only now that there is a standby to wait for: a commit is acknowledged
# once the standby has it, so a switch to it loses no acknowledged write.
psql_on "$p1" -c "ALTER SYSTEM SET synchronous_standby_names = '*'" -c "SELECT pg_reload_conf()" >/dev/null
for i in $(seq 1 60); do
  state=$(psql_on "$p1" -c "SELECT sync_state FROM pg_stat_replication LIMIT 1")
  [ "$state" = "sync" ] && break
  [ "$i" -eq 60 ] && { echo "failover-drill: the standby is not streaming synchronously (sync_state '$state')" >&2; exit 1; }
  sleep 0.5
done
echo "the standby streams synchronously; ready after $(ms_since "$began") ms"

multi="postgres://rapport:$rapport_pw@127.0.0.1:$p1,127.0.0.1:$p2/rapport?sslmode=disable&target_session_attrs=read-write&connect_timeout=5"
# The switch: promote the standby, then lose the old primary at once. With
# synchronous replication the old primary could acknowledge nothing in
# between (its standby stopped listening to it as it was promoted).
pgctl="$(printf '%q' "$bin/pg_ctl")"
if [ "$(id -u)" -eq 0 ]; then pgctl="runuser -u postgres -- $pgctl"; fi
switch="$pgctl -D $(printf '%q' "$standby") -w promote && $pgctl -D $(printf '%q' "$primary") stop -m immediate"

echo "load: $users users without pauses for $duration on 2 servers, the switch after $switch_after"
# In the background, so that an interruption reaches the trap at once.
"$work/rapport" bench --load --servers 2 --db "$multi" --kill-after 0 \
  --disrupt-after "$switch_after" --disrupt-cmd "$switch" --duration "$duration" --think=-1s \
  --users "$users" --people "$people" >"$work/bench.out" 2>"$work/bench.err" &
bench_pid=$!
bench_rc=0
wait "$bench_pid" || bench_rc=$?
bench_pid=""
sed -e '$d' "$work/bench.out"
tail -n 5 "$work/bench.err" >&2
result=$(tail -n 1 "$work/bench.out")

new_primary=$(psql_on "$p2" -c "SELECT NOT pg_is_in_recovery()")
old_down=yes
if as_pg "$bin/pg_ctl" -D "$primary" status >/dev/null 2>&1; then old_down=no; fi

RESULT="$result" BENCH_RC="$bench_rc" NEW_PRIMARY="$new_primary" OLD_DOWN="$old_down" TOOK_MS="$(ms_since "$began")" python3 - <<'PY'
import json, os, sys
try:
    r = json.loads(os.environ["RESULT"])
except ValueError:
    print("failover-drill: the load did not finish (see above)", file=sys.stderr)
    sys.exit(1)
sw, d = r.get("switch") or {}, r.get("disrupted") or {}
print()
print("failover drill")
print(f"  requests              {r['requests']} ({r['requests_per_s']:.0f}/s), {r['errors']} failed in all")
print(f"  switch                at {d.get('at_s', 0):.1f} s, the command took {d.get('took_s', 0):.2f} s{' (failed: ' + d['error'] + ')' if d.get('error') else ''}")
print(f"  errors during switch  {sw.get('errors', '?')}")
back = sw.get("writes_back_at_s", -1)
print(f"  writes refused        {sw.get('writes_stopped_s', 0):.2f} s" + (f" (back at {back:.1f} s)" if back >= 0 else " (never back)"))
print(f"  errors after it       {sw.get('errors_after', '?')}")
print(f"  acknowledged writes   {r['acknowledged_writes']}, missing on the new primary {r['acknowledged_missing']}")
print(f"  new primary           {'read-write' if os.environ['NEW_PRIMARY'] == 't' else 'NOT promoted'}; old primary {'stopped' if os.environ['OLD_DOWN'] == 'yes' else 'STILL RUNNING'}")
print(f"  total time            {int(os.environ['TOOK_MS']) / 1000:.1f} s")
bad = []
if int(os.environ["BENCH_RC"]) != 0:
    bad.append("the load command failed")
if r["acknowledged_missing"]:
    bad.append(f"{r['acknowledged_missing']} acknowledged writes missing")
if back < 0:
    bad.append("writes never came back")
if sw.get("errors_after"):
    bad.append(f"{sw['errors_after']} requests failed after writes came back")
if os.environ["NEW_PRIMARY"] != "t" or os.environ["OLD_DOWN"] != "yes":
    bad.append("the switch did not happen")
if bad:
    print("failover-drill: FAILED: " + "; ".join(bad), file=sys.stderr)
    sys.exit(1)
print("failover-drill: passed")
PY
