#!/usr/bin/env bash
# Runs the whole build with the real local services (swarm manager dockerd, Azurite) around it.
# Extra arguments go to Maven, e.g. scripts/test.sh -Dit.test=JoinFunctionIT.
# Exits with Maven's exit code; stops only the services this run started.
set -euo pipefail
# shellcheck source=lib/services.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/services.sh"

hm_install_prereqs
hm_stop_on_exit
hm_services_up

# shellcheck source=/dev/null
source "$HM_ENV_FILE"
# LocalServices fails instead of skipping when CI=true; a developer's run just skips.
export CI=${CI:-false}

cd "$HM_ROOT"
rc=0
mvn -B verify "$@" || rc=$?
exit "$rc"
