#!/usr/bin/env bash
# Runs IBM AMLSim end to end, offline, in an AMLSim checkout (see README.md):
#   run_all.sh AMLSIM_DIR [conf_10K.json]
# Needs: Java 11+ (javac, jar), Python 3.7 (PYTHON37; else python3.7 if it runs, else the newest of pyenv's
# 3.7 versions) with pip access to PyPI, and
# JSON-java's org/json classes (ORG_JSON_JAR, or the Google Cloud SDK's copy found by build_local.sh).
set -euo pipefail
KIT="$(cd "$(dirname "$0")" && pwd)"
DIR="$(cd "$1" && pwd)"
CONF=${2:-conf_10K.json}
# Python 3.7: $PYTHON37, else python3.7 if it runs, else pyenv's 3.7 (its shim refuses python3.7 unless 3.7 is
# the selected version).
if [ -z "${PYTHON37:-}" ]; then
  PYTHON37=python3.7
  if ! python3.7 --version >/dev/null 2>&1; then
    PYTHON37=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.7*/bin/python3.7 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$PYTHON37" ]; then
      echo "run_all.sh: no Python 3.7 found (python3.7 does not run, none under pyenv's versions); set PYTHON37" >&2
      exit 1
    fi
  fi
fi
TONLE=${TONLE:-tonle}
cp -r "$KIT/shim" "$DIR/"
cp "$KIT/build_local.sh" "$KIT/requirements.lock.txt" "$DIR/"
mkdir -p "$DIR/jars"
if [ -n "${ORG_JSON_JAR:-}" ]; then cp "$ORG_JSON_JAR" "$DIR/jars/org-json.jar"; fi
python3 "$KIT/prepare_params.py" "$DIR"
cd "$DIR"
# AMLSim makes outputs/<sim>/ with File.mkdir, which does not make a missing parent (upstream's checkout has
# outputs/README.md, which the manifest does not fetch).
mkdir -p outputs
if [ ! -x venv37/bin/python ]; then
  "$PYTHON37" -m venv venv37
  venv37/bin/pip install -q -r requirements.lock.txt
fi
./build_local.sh
venv37/bin/python scripts/transaction_graph_generator.py "$CONF"                  # graph -> tmp/<sim>/
java -Xms2g -Xmx4g -cp "jars/org-json.jar:build/classes" amlsim.AMLSim "$CONF"     # simulation -> outputs/<sim>/tx_log.csv
venv37/bin/python scripts/convert_logs.py "$CONF"                                 # -> outputs/<sim>/transactions.csv
SIM=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['general']['simulation_name'])" "$CONF")
"$TONLE" stats --from amlsim "outputs/$SIM/transactions.csv"
