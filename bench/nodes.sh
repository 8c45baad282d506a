#!/usr/bin/env bash
# Two api nodes on one PostgreSQL database, as behind a load balancer. Checks and reports:
#   1. a write on node A is read on node B at once (signed in: straight from the database) and
#      by anonymous readers of B within a second (B's response cache follows the change log);
#   2. the news-list load split over both nodes runs without errors (figures beside one node's);
#   3. node A killed with SIGKILL while an editor writes and readers read: every write A or B
#      acknowledged is in the database, and B keeps serving without errors.
#
#   bench/nodes.sh
#   NODES_ARTICLES=100000 NODES_SECONDS=10 bench/nodes.sh
#
# Settings: NODES_ARTICLES (20000), NODES_SECONDS (5), BENCH_POSTGRES_URL
# (postgres://postgres@127.0.0.1:5432; the scratch database is `newsdesk_nodes`), NODES_DIR
# (target/nodes). Exits non-zero when a check fails.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ARTICLES="${NODES_ARTICLES:-20000}"
SECONDS_EACH="${NODES_SECONDS:-5}"
PG_SERVER="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
WORK="${NODES_DIR:-$ROOT/target/nodes}"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/newsdesk"
A=http://127.0.0.1:18081
B=http://127.0.0.1:18082
export NEWSDESK_JWT_SECRET="nodes-benchmark-secret-shared-by-all-nodes-0123"
DB_URL="$PG_SERVER/newsdesk_nodes"

say() { printf '\n== %s\n' "$*" >&2; }
fail() { echo "FAILED: $*" >&2; exit 1; }

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null; else sudo apt-get install -y -q wrk >/dev/null; fi
fi
say "building the release binary"
(cd "$ROOT" && cargo build --release -q -p newsdesk)
rm -rf "$WORK"
mkdir -p "$WORK"

say "seeding $ARTICLES articles into newsdesk_nodes"
psql "$PG_SERVER/postgres" -q -c 'DROP DATABASE IF EXISTS newsdesk_nodes WITH (FORCE)' -c 'CREATE DATABASE newsdesk_nodes' >/dev/null
NEWSDESK_LOG=warn "$BIN" --database-url "$DB_URL" --data-dir "$WORK/seed" seed --synthetic "$ARTICLES" >>"$WORK/nodes.log" 2>&1
NEWSDESK_USER_PASSWORD=nodes-password "$BIN" --database-url "$DB_URL" --data-dir "$WORK/seed" \
    user add --email editor@nodes.example --role editor >>"$WORK/nodes.log" 2>&1

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# start NAME PORT: one node, with its own data folder (its search index).
start() {
    NEWSDESK_LOG=warn "$BIN" --database-url "$DB_URL" --data-dir "$WORK/$1" --listen "127.0.0.1:$2" \
        >>"$WORK/$1.log" 2>&1 &
    PIDS+=($!)
    echo $!
}
wait_ready() {
    for _ in $(seq 1 6000); do curl -sf "$1/readyz" >/dev/null && return 0; sleep 0.02; done
    fail "$1 did not become ready"
}
say "starting node A (:18081) and node B (:18082)"
PID_A=$(start a 18081)
PID_B=$(start b 18082)
PIDS=("$PID_A" "$PID_B")
wait_ready "$A"
wait_ready "$B"

python3 - "$ROOT/examples/queries/news_list.graphql" >"$WORK/news.json" <<'PY'
import json, sys
print(json.dumps({"query": open(sys.argv[1]).read()}))
PY
cat >"$WORK/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("NODES_BODY"), "r"))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = f:read("*a")
f:close()
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.3f %.2f %.2f %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
LUA
# load URL CONNECTIONS SECONDS [THREADS]: runs wrk; prints "requests seconds p50 p99 errors".
load() {
    NODES_BODY="$WORK/news.json" wrk -t"${4:-1}" -c"$2" -d"$3s" --latency -s "$WORK/post.lua" "$1/graphql" | awk '/^RESULT/ {print $2, $3, $4, $5, $6}'
}
row() { # LABEL "requests seconds p50 p99 errors"
    set -- "$1" $2
    python3 -c "import sys; l,r,s,p50,p99,e=sys.argv[1:]; print(f'| {l} | {int(r)/float(s):,.0f} | {p50} | {p99} | {e} |')" "$@"
}

# --- 1. write on A, read on B ----------------------------------------------------------------
say "1. a write on A, read on B"
python3 - "$A" "$B" >"$WORK/check1.txt" <<'PY'
import json, sys, time, urllib.request
a, b = sys.argv[1:]
def gql(base, query, variables=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    data = json.load(urllib.request.urlopen(urllib.request.Request(base + "/graphql", body, headers)))
    if "errors" in data:
        raise SystemExit(f"errors: {data['errors']}")
    return data["data"]
token = gql(a, 'mutation { login(email: "editor@nodes.example", password: "nodes-password") { accessToken } }')["login"]["accessToken"]
news = "{ articles(first: 1) { edges { node { id version title } } } }"
for _ in range(3):  # B's cache now holds the anonymous news list
    gql(b, news)
    time.sleep(0.3)
node = gql(b, news)["articles"]["edges"][0]["node"]
title = f"Written on node A at {time.time():.3f}"
gql(a, "mutation($id: ID!, $v: Int!, $t: String!) { updateArticle(input: {id: $id, version: $v, title: $t}) { article { title } } }",
    {"id": node["id"], "v": node["version"], "t": title}, token)
written = time.monotonic()
signed_in = gql(b, news, token=token)["articles"]["edges"][0]["node"]["title"]
signed_in_ms = (time.monotonic() - written) * 1000
while gql(b, news)["articles"]["edges"][0]["node"]["title"] != title:
    if time.monotonic() - written > 1.0:
        raise SystemExit("anonymous readers of B still saw the old title after a second")
    time.sleep(0.01)
anonymous_ms = (time.monotonic() - written) * 1000
if signed_in != title:
    raise SystemExit("a signed-in read on B did not see the write at once")
print(f"signed-in read on B saw it in the first request ({signed_in_ms:.0f} ms after the write); "
      f"anonymous (cached) reads on B saw it after {anonymous_ms:.0f} ms")
PY
cat "$WORK/check1.txt" >&2

# --- 2. the load split over both -------------------------------------------------------------
say "2. news-list load: one node, then split over both"
load "$A" 32 1 >/dev/null
load "$B" 32 1 >/dev/null
one=$(load "$A" 32 "$SECONDS_EACH" 2)
load "$A" 16 "$SECONDS_EACH" >"$WORK/split-a.txt" &
load "$B" 16 "$SECONDS_EACH" >"$WORK/split-b.txt"
wait
split_a=$(cat "$WORK/split-a.txt")
split_b=$(cat "$WORK/split-b.txt")
split_errors=$(( $(echo "$split_a" | awk '{print $5}') + $(echo "$split_b" | awk '{print $5}') ))
[ "$split_errors" = 0 ] || fail "the split load had $split_errors errors"
total=$(python3 -c "import sys; a=sys.argv[1].split(); b=sys.argv[2].split(); print(f'{int(a[0])/float(a[1]) + int(b[0])/float(b[1]):,.0f}')" "$split_a" "$split_b")

# --- 3. kill A mid-load ----------------------------------------------------------------------
say "3. node A killed (SIGKILL) while an editor writes and readers read B"
load "$B" 16 6 >"$WORK/during-kill.txt" &
reader=$!
python3 - "$A" "$B" "$WORK/acked.txt" >"$WORK/writer.txt" 2>&1 <<'PY' &
# An editor creates sections one after another for 4 s on A, and on B once A stops answering;
# a write counts as acknowledged when its response carried the new section.
import json, sys, time, urllib.error, urllib.request
a, b, out = sys.argv[1:]
def gql(base, query, variables, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    body = json.dumps({"query": query, "variables": variables}).encode()
    return json.load(urllib.request.urlopen(urllib.request.Request(base + "/graphql", body, headers), timeout=5))
token = gql(a, 'mutation { login(email: "editor@nodes.example", password: "nodes-password") { accessToken } }', {})["data"]["login"]["accessToken"]
create = "mutation($slug: String!) { createSection(input: {slug: $slug, name: $slug}) { section { slug } } }"
node, acked, failed_over, n = "A", [], None, 0
deadline = time.monotonic() + 4
with open(out, "w") as file:
    while time.monotonic() < deadline:
        n += 1
        slug = f"written-during-kill-{n}"
        try:
            data = gql(a if node == "A" else b, create, {"slug": slug}, token)
        except (urllib.error.URLError, ConnectionError, OSError):
            if node == "A":
                node, failed_over = "B", time.monotonic()
            continue
        if (data.get("data") or {}).get("createSection"):
            acked.append(slug)
            file.write(f"{slug} {node}\n")
            file.flush()
print(f"writer: {len(acked)} acknowledged, {n} attempted, failed over to B: {failed_over is not None}")
PY
writer=$!
sleep 2
kill -9 "$PID_A"
echo "node A killed" >&2
wait "$writer" || fail "the writer failed: $(cat "$WORK/writer.txt")"
wait "$reader"
cat "$WORK/writer.txt" >&2
python3 - "$B" "$WORK/acked.txt" >"$WORK/check3.txt" <<'PY'
import json, sys, urllib.request
b, acked = sys.argv[1], [line.split() for line in open(sys.argv[2])]
missing = []
for slug, node in acked:
    body = json.dumps({"query": "query($s: String!) { section(slug: $s) { slug } }", "variables": {"s": slug}}).encode()
    data = json.load(urllib.request.urlopen(urllib.request.Request(b + "/graphql", body, {"Content-Type": "application/json"})))
    if not (data.get("data") or {}).get("section"):
        missing.append(slug)
on_a = sum(1 for _, node in acked if node == "A")
print(f"{len(acked)} writes acknowledged ({on_a} by A before it died, {len(acked) - on_a} by B); "
      f"{len(acked) - len(missing)} of them found through B")
if missing:
    raise SystemExit(f"acknowledged writes lost: {missing[:10]}")
PY
cat "$WORK/check3.txt" >&2
during=$(cat "$WORK/during-kill.txt")
[ "$(echo "$during" | awk '{print $5}')" = 0 ] || fail "B answered with errors while A was killed: $during"

{
    echo "## Two nodes on one PostgreSQL, $(date -u +%Y-%m-%d)"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) memory;" \
        "$ARTICLES synthetic articles; wrk on the same cores; ${SECONDS_EACH} s per measurement."
    echo
    echo "1. Write on A, read on B: $(cat "$WORK/check1.txt")."
    echo
    echo "2. News list (GraphQL POST, anonymous, as shipped):"
    echo
    echo "| load | req/s | p50 ms | p99 ms | errors |"
    echo "|---|---:|---:|---:|---:|"
    row "one node, 32 connections (wrk, 2 threads)" "$one"
    row "node A, 16 connections (wrk, 1 thread)" "$split_a"
    row "node B, 16 connections (wrk, 1 thread)" "$split_b"
    echo "| both nodes together | $total | | | $split_errors |"
    echo
    echo "3. Node A killed with SIGKILL mid-load: $(cat "$WORK/check3.txt");" \
        "node B meanwhile: $(row "B" "$during" | awk -F'|' '{printf "%s req/s, p99 %s ms, errors %s", $3, $5, $6}')."
} | tee "$WORK/results.md"
