# Crash scenario (b): a script that appends each signal to a file as it streams (default, automatic checkpoint).
$ErrorActionPreference = 'Stop'
Import-Module $env:C2_TEST_MODULE
$out = Join-Path $env:C2_TEST_OUT 'lines.txt'
$null = Connect-C2Socket -Uri $env:C2_TEST_URI -ApiKey $env:C2_TEST_KEY -CheckpointPath $env:C2_TEST_CHECKPOINT -ReconnectIntervalSec 0.05 -HeartbeatTimeoutSec 5
$null = Add-C2Subscription -StrategyId ($env:C2_TEST_STRATEGIES -split ',')
Receive-C2Signal -IdleTimeoutSec ([double]$env:C2_TEST_IDLE) | ForEach-Object { [System.IO.File]::AppendAllText($out, "$($_.StrategyId) $($_.SeqId)`n") }
