#!/usr/bin/env bash
# Prove the SLURM profile once: install Debian's slurm-wlm + munge, start a one-node cluster on
# this machine, run the example through `--executor slurm` (workflow/profiles/slurm), run it
# locally too, and check both produce the same tables. Needs root (apt, daemons); takes a few
# minutes, so it is not part of the default test suite.
#
#   sudo bash tests/slurm/run_example_on_slurm.sh [scratch-folder]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SCRATCH="${1:-/tmp/signature-reversal-slurm}"
NODE=localhost
say() { printf '\n== %s\n' "$*"; }

say "installing slurm-wlm, munge and the Snakemake SLURM executor plugin"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq slurm-wlm munge >/dev/null
fi
python -m pip install -q -e "$REPO" snakemake-executor-plugin-slurm

say "starting munge"
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
[ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
munge -n | unmunge >/dev/null

say "starting a one-node SLURM cluster ($NODE)"
CPUS=$(nproc)
MEMORY_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=signature-reversal
SlurmctldHost=$NODE
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=3600
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$NODE CPUs=$CPUS RealMemory=$MEMORY_MB State=UNKNOWN
PartitionName=main Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
pkill -x slurmctld || true
pkill -x slurmd || true
sleep 1
slurmctld
slurmd -N "$NODE"
for _ in $(seq 30); do
  sinfo -h -o '%T' 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo
srun -N1 -n1 hostname

say "running the example locally and through SLURM"
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
for run in local slurm; do
  mkdir -p "$SCRATCH/$run"
  (cd "$REPO" && git ls-files -z | xargs -0 cp --parents -t "$SCRATCH/$run/")
done
(cd "$SCRATCH/local" && snakemake --cores "$CPUS" --quiet)
(cd "$SCRATCH/slurm" && snakemake --workflow-profile workflow/profiles/slurm --slurm-no-account \
  --slurm-keep-successful-logs --slurm-status-command squeue --default-resources slurm_partition=main --quiet)

say "comparing the tables of the two runs"
python - "$SCRATCH" <<'PY'
import sys
from pathlib import Path

scratch = Path(sys.argv[1])
local, slurm = scratch / "local" / "results", scratch / "slurm" / "results"
files = sorted(
    p.relative_to(local)
    for p in local.rglob("*")
    if p.suffix in {".tsv", ".json", ".gmt"} and "benchmarks" not in p.parts
)
assert files, "the local run wrote no tables"
different = [str(f) for f in files if (local / f).read_bytes() != (slurm / f).read_bytes()]
jobs = sorted((scratch / "slurm" / ".snakemake" / "slurm_logs").rglob("*.log"))
print(f"{len(files)} tables compared, {len(different)} differ; {len(jobs)} SLURM job logs")
if different:
    sys.exit("differ: " + ", ".join(different))
if not jobs:
    sys.exit("no SLURM job logs: the jobs did not run through SLURM")
print("SLURM run == local run")
PY
