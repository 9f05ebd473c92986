#!/usr/bin/env bash
# Regenerates the files derived from the catalogue, the RFC texts and the profiles: docs/coverage.md,
# docs/coverage.json and the README's deviation table. The harness tests fail while they are stale.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Conformance.sln -c Release -nologo -clp:ErrorsOnly
SRV6CONF_UPDATE_DOCS=1 dotnet test tests/Conformance.Harness.Tests -c Release --no-build --nologo \
  --filter "FullyQualifiedName~CoverageMatrixTests.Committed|FullyQualifiedName~GeneratedDocs" >/dev/null || true
# The coverage counts are embedded in the harness: build again so the statement carries the new ones.
dotnet build Conformance.sln -c Release -nologo -clp:ErrorsOnly
SRV6CONF_UPDATE_DOCS=0 dotnet test tests/Conformance.Harness.Tests -c Release --no-build --nologo \
  --filter "FullyQualifiedName~CoverageMatrixTests.Committed|FullyQualifiedName~GeneratedDocs"
