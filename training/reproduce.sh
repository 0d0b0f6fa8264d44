#!/usr/bin/env bash
# Trains the shipped model from scratch (or resumes it) in the order the stages need:
#   bash training/reproduce.sh [teacher-minutes] [distill-minutes]
# then exports it with training/tessera/export.py. Each stage stops at its time budget and
# saves a resumable checkpoint; rerunning continues where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} OMP_WAIT_POLICY=PASSIVE PYTHONUNBUFFERED=1
python=${TESSERA_PYTHON:-/usr/bin/python3}

[ -f training/checkpoints/balls-s/ae.pt ] || "$python" training/train.py ae --minutes 12
teacher_minutes=${1:-180}
# The last sixth of the teacher's run takes the lr to zero (warmup-stable-decay).
"$python" training/train.py teacher --minutes "$teacher_minutes" --cooldown-minutes $((teacher_minutes / 6))
"$python" training/train.py distill --minutes "${2:-60}"
