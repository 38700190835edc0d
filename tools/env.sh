# The environment every test run shares. Sourced by tools/test.sh (and `make prepare`); tools/runenv.py reads it back
# for bench/run.py, tools/slow.py and tools/suite_cpu.py, so the suite and the benchmarks run under one set-up.
# - real Kaggle files when ../shared/data is beside the clone (CI), and then the `kaggle` test flag;
# - one folder for everything the run writes outside the clone (the dataset cache, the Hugging Face cache, the network
#   guard's log, and every process's temporary files: TMPDIR), removed when the shell that sourced this file exits,
#   however it exits; a folder left by a run that was killed outright (SIGKILL, a power cut) goes at the next run. A
#   caller that reads the environment back instead of sourcing it (tools/runenv.py) makes the folder, passes it in
#   DLCOURSE_RUN_DIR, and removes it itself;
# - the network guard in every Python process (notebook workers included);
# - one PyTorch thread per process: tests and notebooks run two at a time on two cores; and OpenMP threads that
#   sleep while they wait (a process that asks for more threads must not spin against the others: issue 21);
# - "your turn" cells left blank are checked with the reference solution (dlcourse.exercises), which must pass.
_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${DLCOURSE_DATA:-}" ] && [ -d "$_root/../shared/data/titanic" ]; then
  export DLCOURSE_DATA=$(cd "$_root/../shared/data" && pwd)
fi
export DLCOURSE_FLAGS=""
if [ -n "${DLCOURSE_DATA:-}" ]; then DLCOURSE_FLAGS="kaggle"; fi
for _d in "${TMPDIR:-/tmp}"/dlcourse-run.*.*; do  # folders of earlier runs whose owner (the pid in the name) is gone
  _pid=${_d##*/dlcourse-run.}; _pid=${_pid%%.*}
  [ -d "$_d" ] && [ -O "$_d" ] && [ -n "$_pid" ] && [ -z "${_pid//[0-9]/}" ] || continue
  kill -0 "$_pid" 2>/dev/null || rm -rf "$_d"
done
if [ -z "${DLCOURSE_RUN_DIR:-}" ]; then
  _pid=$BASHPID  # this shell (not the subshell of $(...) below, nor the parent of a ( ... ) subshell, as $$ would be)
  DLCOURSE_RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dlcourse-run.$_pid.XXXXXX") || return 1 2>/dev/null || exit 1
  trap 'rm -rf "$DLCOURSE_RUN_DIR"' EXIT  # (replaces an EXIT trap of the sourcing shell: tools/test.sh has none)
fi
export DLCOURSE_RUN_DIR
mkdir -p "$DLCOURSE_RUN_DIR/cache" "$DLCOURSE_RUN_DIR/hf" "$DLCOURSE_RUN_DIR/tmp"
export DLCOURSE_CACHE=$DLCOURSE_RUN_DIR/cache
export DLCOURSE_NETGUARD_LOG=$DLCOURSE_RUN_DIR/netguard.log
export HF_HUB_OFFLINE=1
export HF_HUB_CACHE=$DLCOURSE_RUN_DIR/hf  # timm's weights cache: the shipped weights go there, not in your home
export TMPDIR=$DLCOURSE_RUN_DIR/tmp
export DLCOURSE_EXERCISES=fill
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
export PYTHONPATH="$_root/tests/netguard${PYTHONPATH:+:$PYTHONPATH}"
unset _root _d _pid
