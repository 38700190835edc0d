# The environment every test run shares. Sourced by tools/test.sh; bench/run.py reads it the same way
# (`bash -c '. tools/env.sh; env -0'`), so the suite and the benchmarks run under one set-up.
# - real Kaggle files when ../shared/data is beside the clone (CI), and then the `kaggle` test flag;
# - a private dataset cache and Hugging Face cache; the network guard in every Python process (notebook workers included);
# - one PyTorch thread per process: tests and notebooks run two at a time on two cores; and OpenMP threads that
#   sleep while they wait (a process that asks for more threads must not spin against the others: issue 21);
# - "your turn" cells left blank are checked with the reference solution (dlcourse.exercises), which must pass.
_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${DLCOURSE_DATA:-}" ] && [ -d "$_root/../shared/data/titanic" ]; then
  export DLCOURSE_DATA=$(cd "$_root/../shared/data" && pwd)
fi
export DLCOURSE_FLAGS=""
if [ -n "${DLCOURSE_DATA:-}" ]; then DLCOURSE_FLAGS="kaggle"; fi
export DLCOURSE_CACHE=$(mktemp -d)
export DLCOURSE_NETGUARD_LOG=$(mktemp)
export HF_HUB_OFFLINE=1
export HF_HUB_CACHE=$(mktemp -d)  # timm's weights cache: the shipped weights are installed there, not in your home
export DLCOURSE_EXERCISES=fill
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
export PYTHONPATH="$_root/tests/netguard${PYTHONPATH:+:$PYTHONPATH}"
unset _root
