#!/usr/bin/env bash
# Manual control of the local services, for running tests from an IDE or poking at the swarm:
#   up      start (or reuse) them and leave them running; then `source .dev/env`
#   down    stop this checkout's manager dockerd and Azurite, whoever started them
#   status  what is running and answering
set -euo pipefail
# shellcheck source=lib/services.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/services.sh"

case ${1:-} in
    up)
        hm_install_prereqs
        # Until everything is up, a failure stops what was started; after that it all stays.
        hm_stop_on_exit
        hm_services_up
        hm_services_keep
        echo "Services are running. Load their settings with:  source $HM_ENV_FILE"
        echo "Stop them with:  bash $HM_ROOT/scripts/services.sh down"
        ;;
    down)
        hm_services_stop_all
        ;;
    status)
        hm_services_status
        ;;
    *)
        echo "usage: $0 up|down|status" >&2
        exit 2
        ;;
esac
