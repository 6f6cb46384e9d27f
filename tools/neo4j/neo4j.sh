#!/usr/bin/env bash
# A local Neo4j 5 Community server without Docker: its jars from Maven Central (cached in
# ~/.m2), started by Launcher.java with Bolt on 127.0.0.1. Used by `make neo4j`, `make test`
# and `make bench`; see README "Neo4j".
#
#   tools/neo4j/neo4j.sh start   [HOME [PORT]]  start (or find running) and wait until it answers
#   tools/neo4j/neo4j.sh stop    [HOME]         stop it and wait until it has stopped
#   tools/neo4j/neo4j.sh status  [HOME]
#
# HOME defaults to .teamgraph/neo4j, PORT to 7687. User `neo4j`, password $NEO4J_PASSWORD
# (default `teamgraph`). Memory: -Xmx $NEO4J_HEAP (default 1g), page cache $NEO4J_PAGECACHE_MB.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-status}
home=$(realpath -m "${2:-.teamgraph/neo4j}")
port=${3:-7687}
password=${NEO4J_PASSWORD:-teamgraph}
heap=${NEO4J_HEAP:-1g}
pidfile="$home/launcher.pid"
log="$home/launcher.log"
build="$here/.build"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

classpath() {
  # Resolve the jars once per pom.xml (Maven caches the downloads in ~/.m2), compile the launcher.
  mkdir -p "$build"
  local stamp
  stamp=$(cat "$here/pom.xml" "$here/Launcher.java" | sha256sum | cut -c1-16)
  if [ ! -f "$build/$stamp.cp" ]; then
    echo "neo4j: resolving the Neo4j Community jars with Maven (first run downloads ~140 MB)" >&2
    mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:build-classpath -Dmdep.outputFile="$build/jars.cp" >&2
    rm -rf "$build/classes"
    javac -d "$build/classes" -cp "$(cat "$build/jars.cp")" "$here/Launcher.java"
    cp "$build/jars.cp" "$build/$stamp.cp"
  fi
  echo "$(cat "$build/$stamp.cp"):$build/classes"
}

case "$cmd" in
  start)
    if running; then
      echo "neo4j: already running (pid $(cat "$pidfile")), $(tail -n 1 "$log")"
      exit 0
    fi
    cp=$(classpath)
    mkdir -p "$home"
    : > "$log"
    # setsid: the server outlives the shell that started it (make neo4j returns at once)
    setsid java "-Xmx$heap" -XX:+UseG1GC -cp "$cp" Launcher "$home/data" "$port" "$password" \
      >> "$log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    for _ in $(seq 1 240); do
      if grep -q '^ready ' "$log"; then
        echo "neo4j: $(grep '^ready ' "$log") user neo4j (pid $(cat "$pidfile"), data $home/data)"
        exit 0
      fi
      if ! running; then
        echo "neo4j: the server stopped while starting; its log ($log):" >&2
        tail -n 30 "$log" >&2
        exit 1
      fi
      sleep 0.5
    done
    echo "neo4j: not ready after 120 s; its log is $log" >&2
    exit 1
    ;;
  stop)
    if running; then
      pid=$(cat "$pidfile")
      kill "$pid"
      for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      echo "neo4j: stopped (pid $pid)"
    else
      echo "neo4j: not running"
    fi
    rm -f "$pidfile"
    ;;
  status)
    if running; then echo "neo4j: running (pid $(cat "$pidfile")), $(grep '^ready ' "$log")"
    else echo "neo4j: not running"; exit 3; fi
    ;;
  *)
    echo "usage: $0 start|stop|status [HOME [PORT]]" >&2
    exit 2
    ;;
esac
