#!/usr/bin/env bash
# Everything CI runs: the notebooks and the library in step, every notebook as a test (network blocked),
# then pytest. Prints where the time goes (each notebook's time, the slowest tests) and ends with one line
# "N passed, N failed"; exits 1 if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-env.sh || exit 1
B=.venv/bin
fail=0; npass=0; nfail=0
t_start=$(date +%s)
. tools/env.sh   # data, flags, caches and TMPDIR in one folder removed when this script exits, network guard, threads
ctf=$(mktemp -p "$DLCOURSE_RUN_DIR")
cpu_read() {  # CPU seconds (user + system) of the processes this script waited for, as `times > $ctf` wrote them
  tail -1 "$ctf" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.0f", u[1]*60 + u[2] + s[1]*60 + s[2] }'
}  # (CPU seconds are far less noisy than wall time when the machine is shared)

echo "== nbdev-clean: notebooks must already be clean"
$B/nbdev-clean
if ! git diff --quiet -- nbs; then
  echo "nbdev-clean changed these notebooks (run it and commit):"; git diff --stat -- nbs; fail=1; nfail=$((nfail+1))
else npass=$((npass+1)); fi

echo "== nbdev-export: dlcourse/ must match the notebooks"
$B/nbdev-export
changed=$(git status --porcelain -- dlcourse)
if [ -n "$changed" ]; then
  echo "nbdev-export changed these files (run it and commit):"; echo "$changed"; fail=1; nfail=$((nfail+1))
else npass=$((npass+1)); fi

if [ -n "$DLCOURSE_FLAGS" ]; then echo "== real data from DLCOURSE_DATA=$DLCOURSE_DATA: running #| kaggle cells too"; fi

echo "== nbdev-test (network blocked; 2 notebooks at a time; seconds per notebook, and cells over 5 s)"
nbs=$(ls nbs/*.ipynb | grep -v '/_' | wc -l)
errlog=$(mktemp -p "$DLCOURSE_RUN_DIR")
t0=$(date +%s); times > "$ctf"; c0=$(cpu_read)
$B/nbdev-test --n-workers 2 --timing --cell-timing-min 5 --flags "$DLCOURSE_FLAGS" 2> >(tee "$errlog" >&2)
rc=$?
t1=$(date +%s); times > "$ctf"; c1=$(cpu_read)
bad=0
if [ $rc -ne 0 ]; then
  bad=$(sed -n '/Tests Failed On The Following Notebooks/,$p' "$errlog" | grep -c '\.ipynb' || true)
  [ "$bad" -gt 0 ] || bad=1
  fail=1
fi
npass=$((npass + nbs - bad)); nfail=$((nfail + bad))
echo "== nbdev-test: $((nbs - bad)) of $nbs notebooks passed in $((t1 - t0))s ($((c1 - c0)) s of CPU)"
if [ -s "$DLCOURSE_NETGUARD_LOG" ]; then
  echo "network access was attempted during the notebooks:"; cat "$DLCOURSE_NETGUARD_LOG"; fail=1; nfail=$((nfail+1))
fi
# A lesson removes what it puts in the temporary folder (a learner runs it again and again): after the notebooks,
# TMPDIR holds only the caches kept there on purpose (tools/runenv.py's KEPT)
$B/python tools/runenv.py --leftovers "$TMPDIR" || { fail=1; nfail=$((nfail+1)); }

echo "== pytest (2 processes; the 10 slowest tests listed)"
junit=$(mktemp -p "$DLCOURSE_RUN_DIR")
t2=$(date +%s); times > "$ctf"; c2=$(cpu_read)
$B/python -m pytest -q -p no:cacheprovider -n 2 --maxschedchunk 1 --durations=10 --junitxml="$junit" tests
prc=$?
t3=$(date +%s); times > "$ctf"; c3=$(cpu_read)
pf=0
if [ -s "$junit" ]; then
  read pt pf < <($B/python - "$junit" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
s = r if r.tag == 'testsuite' else r.find('testsuite')
t, f, e, sk = (int(s.get(k, 0)) for k in ('tests', 'failures', 'errors', 'skipped'))
print(t - f - e - sk, f + e)
PY
)
  npass=$((npass + pt)); nfail=$((nfail + pf))
fi
[ $prc -eq 0 ] || { fail=1; [ "$pf" -gt 0 ] || nfail=$((nfail+1)); }
echo "== pytest: $((t3 - t2))s ($((c3 - c2)) s of CPU)"

echo "== whole suite: $(( $(date +%s) - t_start ))s (nbdev-test $((t1 - t0))s, pytest $((t3 - t2))s)"
echo "$npass passed, $nfail failed"
exit $fail
