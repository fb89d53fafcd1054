#!/usr/bin/env bash
# Writes the seed corpora of Tests/Fuzz/<target>/ with Korskoll's own writers (Tests/FuzzTests/FuzzSeeds.swift).
#
#   Tests/Fuzz/make-seeds.sh        # add the seeds that are missing
#   Tests/Fuzz/make-seeds.sh all    # write every seed again (sealed seeds change: fresh stream keys)
set -euo pipefail
cd "$(dirname "$0")/../.."
KORSKOLL_FUZZ_WRITE_SEEDS="${1:-1}" swift test --disable-xctest --filter 'FuzzTests/validSeedsAreAccepted'
