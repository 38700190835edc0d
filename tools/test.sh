#!/usr/bin/env bash
# Everything CI runs: the notebooks and the library in step, every notebook as a test (network blocked),
# then pytest. Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-env.sh || exit 1
B=.venv/bin
fail=0; npass=0; nfail=0
t_start=$(date +%s)

echo "== nbdev-clean: notebooks must already be clean"
$B/nbdev-clean
if ! git diff --quiet -- nbs; then echo "nbdev-clean changed these notebooks (run it and commit):"; git diff --stat -- nbs; fail=1; nfail=$((nfail+1)); else npass=$((npass+1)); fi

echo "== nbdev-export: dlcourse/ must match the notebooks"
$B/nbdev-export
changed=$(git status --porcelain -- dlcourse)
if [ -n "$changed" ]; then echo "nbdev-export changed these files (run it and commit):"; echo "$changed"; fail=1; nfail=$((nfail+1)); else npass=$((npass+1)); fi

# Real Kaggle files when the shared folder is beside the clone (CI); embedded data otherwise.
flags=""
if [ -z "${DLCOURSE_DATA:-}" ] && [ -d ../shared/data/titanic ]; then export DLCOURSE_DATA=$(cd ../shared/data && pwd); fi
if [ -n "${DLCOURSE_DATA:-}" ]; then flags="kaggle"; echo "== real data from DLCOURSE_DATA=$DLCOURSE_DATA: running #| kaggle cells too"; fi

# A private dataset cache, and the network guard in every Python process (notebook workers included).
export DLCOURSE_CACHE=$(mktemp -d)
export DLCOURSE_NETGUARD_LOG=$(mktemp)
export HF_HUB_OFFLINE=1
export PYTHONPATH="$PWD/tests/netguard${PYTHONPATH:+:$PYTHONPATH}"

echo "== nbdev-test (network blocked)"
nbs=$(ls nbs/*.ipynb | grep -v '/_' | wc -l)
t0=$(date +%s)
# nbdev-test runs one notebook per core at once; one PyTorch thread per notebook avoids oversubscribing the cores
# (small models train several times faster than with every worker spinning up a thread per core).
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} $B/nbdev-test --timing --flags "$flags" 2> >(tee /tmp/nbdev-test-stderr.$$ >&2)
rc=$?
t1=$(date +%s)
bad=0
if [ $rc -ne 0 ]; then
  bad=$(sed -n '/Tests Failed On The Following Notebooks/,$p' /tmp/nbdev-test-stderr.$$ | grep -c '\.ipynb' || true)
  [ "$bad" -gt 0 ] || bad=1
  fail=1
fi
npass=$((npass + nbs - bad)); nfail=$((nfail + bad))
echo "== nbdev-test: $((nbs - bad)) of $nbs notebooks passed in $((t1 - t0))s"
if [ -s "$DLCOURSE_NETGUARD_LOG" ]; then
  echo "network access was attempted during the notebooks:"; cat "$DLCOURSE_NETGUARD_LOG"; fail=1; nfail=$((nfail+1))
fi
rm -f /tmp/nbdev-test-stderr.$$

echo "== pytest"
# two test processes: most tests start fresh Python processes and wait on them
$B/python -m pytest -q -p no:cacheprovider -n 2 --junitxml=/tmp/pytest-$$.xml tests
prc=$?
if [ -f /tmp/pytest-$$.xml ]; then
  read pt pf < <($B/python - /tmp/pytest-$$.xml <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
s = r if r.tag == 'testsuite' else r.find('testsuite')
t, f, e, sk = (int(s.get(k, 0)) for k in ('tests', 'failures', 'errors', 'skipped'))
print(t - f - e - sk, f + e)
PY
)
  npass=$((npass + pt)); nfail=$((nfail + pf)); rm -f /tmp/pytest-$$.xml
fi
[ $prc -eq 0 ] || { fail=1; [ "${pf:-0}" -gt 0 ] || nfail=$((nfail+1)); }
rm -rf "$DLCOURSE_CACHE" "$DLCOURSE_NETGUARD_LOG"

echo "== whole suite: $(( $(date +%s) - t_start ))s (nbdev-test $((t1 - t0))s)"
echo "$npass passed, $nfail failed"
exit $fail
