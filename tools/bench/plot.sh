#!/bin/bash
# Plot Mpps by packet size for each mode (1 queue) from `make bench
# BENCH_ARGS="--long --json"` output:
#   tools/bench/plot.sh BENCH.json OUT.png
# Needs gnuplot (Debian: gnuplot-nox).
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 BENCH.json OUT.png" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "$0: gnuplot is not installed (apt-get install gnuplot-nox)" >&2; exit 1; }
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
# One data file per (direction, mode): "bytes mpps", 1 queue only.
tr '{' '\n' <"$1" | awk -v dir="$data" -F, '
    /"dir"/ {
        for (i = 1; i <= NF; i++) { split($i, kv, ":"); gsub(/"/, "", kv[1]); gsub(/"/, "", kv[2]); v[kv[1]] = kv[2] }
        if (v["queues"] == 1 && v["dir"] !~ /^rr/) print v["bytes"], v["mpps"] >> (dir "/" v["dir"] "-" v["mode"] ".dat")
    }'
plots=""
for f in "$data"/*.dat; do
    name=$(basename "$f" .dat)
    sort -n "$f" -o "$f"
    plots="${plots:+$plots, }'$f' using 1:2 with linespoints title '$name'"
done
gnuplot <<GP
set terminal pngcairo size 900,560 font ",11"
set output "$2"
set title "netstage on the simulator: packet rate by size (1 queue, medians)"
set xlabel "packet size (bytes)"
set ylabel "Mpps"
set logscale y
set logscale x 2
set xtics (64, 256, 1500)
set grid
set key outside right
plot $plots
GP
