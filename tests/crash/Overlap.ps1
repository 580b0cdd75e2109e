# Overlap scenario: a run of a scheduled task that may start while the previous one still runs (same checkpoint).
# Writes "StrategyId SeqId" lines to C2_TEST_OUT_FILE, and into C2_TEST_OUT_FILE.state either OWNER or the ErrorId
# that refused it.
$ErrorActionPreference = 'Stop'
Import-Module $env:C2_TEST_MODULE
$out = $env:C2_TEST_OUT_FILE
try {
    $null = Connect-C2Socket -Uri $env:C2_TEST_URI -ApiKey $env:C2_TEST_KEY -CheckpointPath $env:C2_TEST_CHECKPOINT -ReconnectIntervalSec 0.05
    $null = Add-C2Subscription -StrategyId ($env:C2_TEST_STRATEGIES -split ',')
}
catch {
    [System.IO.File]::WriteAllText("$out.state", $_.FullyQualifiedErrorId)
    exit 4
}
[System.IO.File]::WriteAllText("$out.state", 'OWNER')
Receive-C2Signal -IdleTimeoutSec 1.5 -TimeoutSec 10 | ForEach-Object { [System.IO.File]::AppendAllText($out, "$($_.StrategyId) $($_.SeqId)`n") }
