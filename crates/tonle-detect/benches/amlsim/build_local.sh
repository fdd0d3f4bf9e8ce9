#!/usr/bin/env bash
# Offline build of AMLSim's Java simulator (see README.md). Run in the AMLSim directory prepared by run_all.sh.
set -euo pipefail
cd "$(dirname "$0")"
# 1. org.json: Maven Central is unreachable; extract the org/json classes of a JSON-java build already
#    present on this machine (bundled in the Google Cloud SDK datastore emulator) into jars/org-json.jar.
if [ ! -f jars/org-json.jar ]; then
  rm -rf build/orgjson && mkdir -p build/orgjson
  (cd build/orgjson && unzip -q -o /usr/lib/google-cloud-sdk/platform/cloud-datastore-emulator/CloudDatastore.jar 'org/json/*')
  jar cf jars/org-json.jar -C build/orgjson org
fi
# 2. Build sources = upstream src/main/java, with
#    - src/main/java/amlsim/stat/Diameter.java (needs WebGraph) replaced by shim/webgraph-free/amlsim/stat/Diameter.java
#    - Alert.java: acct.addAlertGroup(this) -> acct.addAlert(this) (stored Alert.java predates the
#      rename in Account.java; one-identifier consistency fix)
#    - MASON (sim.engine.*, ec.util.MersenneTwisterFast) from shim/mason
rm -rf build/src build/classes && mkdir -p build/src build/classes
cp -r src/main/java/. build/src/
rm build/src/amlsim/stat/Diameter.java
cp -r shim/webgraph-free/. build/src/
cp -r shim/mason/. build/src/
sed -i 's/acct\.addAlertGroup(this);/acct.addAlert(this);/' build/src/amlsim/Alert.java
find build/src -name '*.java' > build/sources.txt
javac -nowarn -encoding UTF-8 --release 8 -cp jars/org-json.jar -d build/classes @build/sources.txt 2>&1 | grep -v '^warning' || true
test -f build/classes/amlsim/AMLSim.class && echo "BUILD OK"
