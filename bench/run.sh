#!/usr/bin/env bash
# The Newsdesk benchmark: builds the release binary, loads 100,000 synthetic articles into
# SQLite and into PostgreSQL, starts the server on each, drives it with wrk, and prints one table
# per database: requests/s, p50, p99, errors, SQL statements per request and the server's peak
# resident memory, per operation, at concurrency 1 and 32.
#
#   bench/run.sh                      # both databases, 100,000 articles, 4 s per measurement
#   BENCH_DATABASES=sqlite bench/run.sh
#   BENCH_ARTICLES=20000 BENCH_SECONDS=3 bench/run.sh
#
# Settings (environment):
#   BENCH_ARTICLES      articles to generate (100000)
#   BENCH_SECONDS       length of each measurement (4); each is preceded by a 1 s warm-up
#   BENCH_DATABASES     "sqlite postgres" (both)
#   BENCH_POSTGRES_URL  server to create the scratch database `newsdesk_bench` on
#                       (postgres://postgres@127.0.0.1:5432)
#   BENCH_DIR           scratch folder (target/bench)
#   BENCH_PORT          port the server listens on (18080)
#
# Operations run as shipped ("cached": anonymous reads are answered from the rendered-response
# cache), with that cache off ("rendered": every request is resolved and rendered, on the node's
# kept reads: list pages, articles and related rows read once per change; signed-in callers
# there too, after reading the change log's position) and with kept reads off as well
# ("database": the reads of every request go to the database; list totals stay kept), so that
# every path is measured.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ARTICLES="${BENCH_ARTICLES:-100000}"
SECONDS_EACH="${BENCH_SECONDS:-4}"
DATABASES="${BENCH_DATABASES:-sqlite postgres}"
PG_SERVER="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
WORK="${BENCH_DIR:-$ROOT/target/bench}"
PORT="${BENCH_PORT:-18080}"
BASE="http://127.0.0.1:$PORT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release/newsdesk"
QUERIES="$ROOT/examples/queries"
SCRIPTS="$WORK/scripts"
started_all=$(date +%s)

say() { printf '\n== %s\n' "$*" >&2; }

# --- the load generator -------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    say "installing wrk (Debian package)"
    if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null; else sudo apt-get install -y -q wrk >/dev/null; fi
fi

say "building the release binary"
(cd "$ROOT" && cargo build --release -q -p newsdesk)

rm -rf "$WORK"
mkdir -p "$WORK" "$SCRIPTS"

# --- wrk scripts ----------------------------------------------------------------------------
# common.lua: prints one machine-readable line at the end of a run.
cat > "$SCRIPTS/common.lua" <<'LUA'
function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local body_errors = 0
  for _, t in ipairs(threads or {}) do body_errors = body_errors + (t:get("body_errors") or 0) end
  io.write(string.format("RESULT requests=%d seconds=%.3f p50=%.3f p99=%.3f errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, errors + body_errors))
end
LUA

# post.lua BODYFILE: POSTs one JSON body (signed in with BENCH_TOKEN when given).
cat > "$SCRIPTS/post.lua" <<'LUA'
dofile(os.getenv("BENCH_SCRIPTS") .. "/common.lua")
local f = assert(io.open(os.getenv("BENCH_BODY"), "r"))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
wrk.body = f:read("*a")
f:close()
LUA

# bodies.lua: POSTs the JSON bodies of a file, one per line, in turn (the cursor walk).
cat > "$SCRIPTS/bodies.lua" <<'LUA'
dofile(os.getenv("BENCH_SCRIPTS") .. "/common.lua")
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODY")) do bodies[#bodies + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" },
    bodies[(n % #bodies) + 1])
end
LUA

# get.lua: GETs a path, with If-None-Match (then anything but a 304 counts as an error) or
# Accept-Encoding when given.
cat > "$SCRIPTS/get.lua" <<'LUA'
dofile(os.getenv("BENCH_SCRIPTS") .. "/common.lua")
threads = {}
function setup(thread) threads[#threads + 1] = thread end
wrk.method = "GET"
wrk.path = os.getenv("BENCH_PATH")
local etag = os.getenv("BENCH_ETAG")
local encoding = os.getenv("BENCH_ENCODING")
if etag and etag ~= "" then wrk.headers["If-None-Match"] = etag end
if encoding and encoding ~= "" then wrk.headers["Accept-Encoding"] = encoding end
-- Only then: a response callback makes wrk hand every body to Lua, which slows it down.
if etag and etag ~= "" then
  local body_errors = 0
  response = function(status, headers, body)
    if status ~= 304 then
      body_errors = body_errors + 1
      wrk.thread:set("body_errors", body_errors)
    end
  end
end
LUA

# mutate.lua: an editor renames articles, each once and at the version it has (1), so updates
# never conflict; the bodies (one per article) are dealt out between wrk's threads.
cat > "$SCRIPTS/mutate.lua" <<'LUA'
dofile(os.getenv("BENCH_SCRIPTS") .. "/common.lua")
threads = {}
function setup(thread)
  thread:set("index", #threads)
  threads[#threads + 1] = thread
end
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODY")) do bodies[#bodies + 1] = line end
local total = tonumber(os.getenv("BENCH_THREADS"))
local n = 0
local body_errors = 0
request = function()
  local body = bodies[(index or 0) + n * total + 1] or bodies[1]
  n = n + 1
  return wrk.format("POST", "/graphql", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN") }, body)
end
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    body_errors = body_errors + 1
    wrk.thread:set("body_errors", body_errors)
  end
end
LUA

# JSON request bodies from the example operations.
json_body() { # FILE [VARIABLES-JSON]
    python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read(), "variables": json.loads(sys.argv[2])}))' "$1" "${2:-{\}}"
}

# --- helpers --------------------------------------------------------------------------------
SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
trap stop_server EXIT

# start_server EXTRA-ARGS...: starts the server and waits until /readyz answers; the seconds it
# took go into READY_SECONDS.
READY_SECONDS=""
start_server() {
    local t0 t1
    t0=$(date +%s.%N)
    # Warnings only: a line per request (the default `info`) costs about a fifth of the cached
    # path's throughput; in production the load balancer keeps the access log.
    NEWSDESK_LOG=warn "$BIN" --listen "127.0.0.1:$PORT" "$@" >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 12000); do
        if curl -sf "$BASE/readyz" >/dev/null 2>&1; then
            t1=$(date +%s.%N)
            READY_SECONDS=$(python3 -c "print(f'{$t1 - $t0:.3f}')")
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server exited; see $WORK/server.log" >&2; exit 1; }
        sleep 0.01
    done
    echo "the server did not become ready" >&2
    exit 1
}

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
peak_kib() { awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status"; }
statements() { curl -s "$BASE/metrics" | awk '/^newsdesk_sql_statements_total/ {print $2}'; }

graphql() { # BODY [TOKEN]
    local auth=()
    [ -n "${2:-}" ] && auth=(-H "Authorization: Bearer $2")
    curl -sf -X POST "$BASE/graphql" -H 'Content-Type: application/json' "${auth[@]}" --data "$1"
}

# check_ok BODY: fails the benchmark if a request answers with errors (a fast error is no result).
check_ok() {
    local out
    out=$(graphql "$1" "${2:-}") || { echo "request failed: $1" >&2; exit 1; }
    if printf '%s' "$out" | grep -q '"errors"'; then
        echo "request answered with errors: ${out:0:300}" >&2
        exit 1
    fi
}

ROWS_FILE=""
# measure LABEL CONCURRENCY SCRIPT [ENV...]: one wrk run, appended to the table.
measure() {
    local label=$1 conc=$2 script=$3
    shift 3
    local threads=$(( conc < 2 ? 1 : 2 ))
    if [ "$script" != mutate.lua ]; then # each rename is done once, so no warm-up for writes
        env BENCH_SCRIPTS="$SCRIPTS" "$@" wrk -t"$threads" -c"$conc" -d1s -s "$SCRIPTS/$script" "$BASE/graphql" >/dev/null 2>&1 || true
    fi
    local before after line
    before=$(statements)
    line=$(env BENCH_SCRIPTS="$SCRIPTS" "$@" wrk -t"$threads" -c"$conc" -d"${SECONDS_EACH}s" --latency -s "$SCRIPTS/$script" "$BASE/graphql" | grep '^RESULT')
    after=$(statements)
    python3 - "$label" "$conc" "$line" "$before" "$after" "$(peak_kib)" >>"$ROWS_FILE" <<'PY'
import sys
label, conc, line, before, after, peak = sys.argv[1:]
fields = dict(part.split("=") for part in line.split()[1:])
requests = int(fields["requests"])
rps = requests / float(fields["seconds"])
per = (int(after) - int(before)) / requests if requests else 0
print(f"| {label} | {conc} | {rps:,.0f} | {float(fields['p50']):.2f} | {float(fields['p99']):.2f} | {fields['errors']} | {per:.2f} | {int(peak) / 1024:.0f} |")
PY
    tail -n 1 "$ROWS_FILE" >&2
}

# --- one database ---------------------------------------------------------------------------
run_database() {
    local db=$1
    local data="$WORK/$db"
    local args=(--data-dir "$data")
    export NEWSDESK_JWT_SECRET="benchmark-secret-benchmark-secret-0123456789"
    if [ "$db" = postgres ]; then
        psql "$PG_SERVER/postgres" -q -c 'DROP DATABASE IF EXISTS newsdesk_bench' -c 'CREATE DATABASE newsdesk_bench' >/dev/null
        args+=(--database-url "$PG_SERVER/newsdesk_bench")
    fi
    ROWS_FILE="$WORK/rows-$db.md"
    : >"$ROWS_FILE"

    say "$db: seeding $ARTICLES synthetic articles"
    local t0 t1 seed_seconds
    t0=$(date +%s.%N)
    NEWSDESK_LOG=warn "$BIN" "${args[@]}" seed --synthetic "$ARTICLES" >>"$WORK/server.log" 2>&1
    t1=$(date +%s.%N)
    seed_seconds=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
    NEWSDESK_USER_PASSWORD=benchmark-password "$BIN" "${args[@]}" user add --email editor@bench.example --role editor >>"$WORK/server.log" 2>&1

    say "$db: first start (builds this node's search index)"
    start_server "${args[@]}"
    local first_start=$READY_SECONDS
    stop_server
    say "$db: start-up to ready, index present"
    start_server "${args[@]}"
    local startup=$READY_SECONDS
    sleep 1
    local idle
    idle=$(( $(rss_kib) / 1024 ))

    # Inputs: an institution's slug, the cursors of 50 pages, an editor's token.
    local institution token
    institution=$(graphql '{"query":"{ institutions(first: 1) { edges { node { slug } } } }"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["institutions"]["edges"][0]["node"]["slug"])')
    token=$(graphql '{"query":"mutation { login(email: \"editor@bench.example\", password: \"benchmark-password\") { accessToken } }"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])')
    json_body "$QUERIES/news_list.graphql" >"$WORK/news.json"
    json_body "$QUERIES/seed_article.graphql" '{"slug":"article-1"}' >"$WORK/article.json"
    json_body "$QUERIES/institution_page.graphql" "{\"slug\":\"$institution\"}" >"$WORK/institution.json"
    json_body "$QUERIES/search.graphql" '{"query":"vocational education"}' >"$WORK/search.json"
    python3 - "$BASE" "$QUERIES/cursor_walk.graphql" "$WORK" <<'PY'
import json, sys, urllib.request
base, path, work = sys.argv[1:]
query = open(path).read()
after, bodies = None, []
for page in range(50):
    body = json.dumps({"query": query, "variables": {"first": 20, "after": after}})
    bodies.append(body)
    request = urllib.request.Request(base + "/graphql", body.encode(), {"Content-Type": "application/json"})
    data = json.load(urllib.request.urlopen(request))["data"]["articles"]
    after = data["pageInfo"]["endCursor"]
open(f"{work}/walk.jsonl", "w").write("\n".join(bodies) + "\n")
open(f"{work}/page1.json", "w").write(bodies[0])
open(f"{work}/page50.json", "w").write(bodies[49])
PY
    # One body per article: ids FIRST.. (warm-up and measurement each take fresh ones).
    mutation_bodies() {
        python3 - "$QUERIES/update_title.graphql" "$1" "$2" <<'PY'
import base64, json, sys
query, first, count = open(sys.argv[1]).read(), int(sys.argv[2]), int(sys.argv[3])
for id in range(first, first + count):
    relay = base64.urlsafe_b64encode(f"Article:{id}".encode()).decode().rstrip("=")
    print(json.dumps({"query": query, "variables": {"id": relay, "version": 1, "title": f"Edited headline {id}"}}))
PY
    }
    for body in news article institution search page50; do check_ok "$(cat "$WORK/$body.json")"; done

    # Persisted query: register once (APQ), then GET by hash.
    local hash persisted_path
    hash=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1]).read().encode()).hexdigest())' "$QUERIES/news_list.graphql")
    python3 - "$QUERIES/news_list.graphql" "$hash" >"$WORK/apq.json" <<'PY'
import json, sys
print(json.dumps({"query": open(sys.argv[1]).read(), "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sys.argv[2]}}}))
PY
    persisted_path="/graphql?extensions=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.dumps({"persistedQuery":{"version":1,"sha256Hash":sys.argv[1]}})))' "$hash")"
    # The ETag of the list as it is now (writes change it).
    current_etag() {
        # Asked as wrk asks (no Accept header): a validator belongs to one request's representation.
        curl -s -H 'Accept:' -D - -o /dev/null "$BASE/api/v1/articles?limit=20" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r'
    }

    local first_id=1 span=$(( ARTICLES / 4 ))
    for mode in cached rendered database; do
        case $mode in
            rendered) stop_server; start_server "${args[@]}" --response-cache-mb 0 ;;
            database) stop_server; start_server "${args[@]}" --response-cache-mb 0 --kept-reads-mb 0 ;;
        esac
        # Register the persisted query (this node remembers it until it stops) and check it.
        check_ok "$(cat "$WORK/apq.json")"
        curl -sf "$BASE$persisted_path" | grep -q '"articles"' || { echo "the persisted query does not answer" >&2; exit 1; }
        for conc in 1 32; do
            measure "news list ($mode)" "$conc" post.lua BENCH_BODY="$WORK/news.json"
            measure "article by slug ($mode)" "$conc" post.lua BENCH_BODY="$WORK/article.json"
            if [ "$mode" = rendered ]; then
                measure "news list (rendered, signed in)" "$conc" post.lua BENCH_BODY="$WORK/news.json" BENCH_TOKEN="$token"
                measure "article by slug (rendered, signed in)" "$conc" post.lua BENCH_BODY="$WORK/article.json" BENCH_TOKEN="$token"
            fi
            if [ "$mode" = database ]; then
                measure "archive page 1 ($mode)" "$conc" post.lua BENCH_BODY="$WORK/page1.json"
                measure "archive page 50 ($mode)" "$conc" post.lua BENCH_BODY="$WORK/page50.json"
                measure "REST /api/v1/articles?limit=20 ($mode)" "$conc" get.lua BENCH_PATH="/api/v1/articles?limit=20"
                continue
            fi
            measure "institution page ($mode)" "$conc" post.lua BENCH_BODY="$WORK/institution.json"
            measure "cursor walk, pages 1-50 in turn ($mode)" "$conc" bodies.lua BENCH_BODY="$WORK/walk.jsonl"
            measure "archive page 1 ($mode)" "$conc" post.lua BENCH_BODY="$WORK/page1.json"
            measure "archive page 50 ($mode)" "$conc" post.lua BENCH_BODY="$WORK/page50.json"
            measure "REST /api/v1/articles?limit=20 ($mode)" "$conc" get.lua BENCH_PATH="/api/v1/articles?limit=20"
            measure "REST list, gzip ($mode)" "$conc" get.lua BENCH_PATH="/api/v1/articles?limit=20" BENCH_ENCODING=gzip
            measure "REST, If-None-Match -> 304 ($mode)" "$conc" get.lua BENCH_PATH="/api/v1/articles?limit=20" BENCH_ETAG="$(current_etag)"
            measure "persisted query, GET ($mode)" "$conc" get.lua BENCH_PATH="$persisted_path"
            measure "search ($mode)" "$conc" post.lua BENCH_BODY="$WORK/search.json"
            mutation_bodies "$first_id" "$span" >"$WORK/mutations.jsonl"
            measure "mutation: update a title ($mode)" "$conc" mutate.lua BENCH_BODY="$WORK/mutations.jsonl" \
                BENCH_TOKEN="$token" BENCH_THREADS=$(( conc < 2 ? 1 : 2 ))
            first_id=$((first_id + span))
        done
    done
    stop_server

    {
        echo
        echo "### $db"
        echo
        echo "$ARTICLES articles loaded in $seed_seconds s; first start (search index built) $first_start s;" \
            "start-up to ready with the index present $startup s; idle RSS $idle MiB."
        echo
        echo "| operation | concurrency | req/s | p50 ms | p99 ms | errors | SQL/request | peak RSS MiB |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|"
        cat "$ROWS_FILE"
    } >"$WORK/table-$db.md"
}

for db in $DATABASES; do
    run_database "$db"
done

{
    echo "## Newsdesk benchmark, $(date -u +%Y-%m-%d)"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) memory," \
        "$(uname -sr); wrk $(wrk -v 2>&1 | head -n1 | awk '{print $2}') on the same cores;" \
        "${SECONDS_EACH} s per measurement after a 1 s warm-up."
    for db in $DATABASES; do cat "$WORK/table-$db.md"; done
    echo
    echo "Whole run: $(( $(date +%s) - started_all )) s."
} | tee "$WORK/results.md"
