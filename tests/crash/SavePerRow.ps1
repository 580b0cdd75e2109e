# Crash scenario (c): -ManualCheckpoint, each signal appended to a file, then saved (Save-C2Checkpoint per row).
$ErrorActionPreference = 'Stop'
Import-Module $env:C2_TEST_MODULE
$out = Join-Path $env:C2_TEST_OUT 'lines.txt'
$null = Connect-C2Socket -Uri $env:C2_TEST_URI -ApiKey $env:C2_TEST_KEY -CheckpointPath $env:C2_TEST_CHECKPOINT -ManualCheckpoint -ReconnectIntervalSec 0.05 -HeartbeatTimeoutSec 5
$null = Add-C2Subscription -StrategyId ($env:C2_TEST_STRATEGIES -split ',')
Receive-C2Signal -IdleTimeoutSec ([double]$env:C2_TEST_IDLE) | ForEach-Object {
    [System.IO.File]::AppendAllText($out, "$($_.StrategyId) $($_.SeqId)`n")
    $_ | Save-C2Checkpoint
}
