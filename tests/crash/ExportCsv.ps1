# Crash scenario (a): the help's scheduled-task pattern, Receive-C2Signal ... | Export-Csv -Append, as written.
$ErrorActionPreference = 'Stop'
Import-Module $env:C2_TEST_MODULE
$null = Connect-C2Socket -Uri $env:C2_TEST_URI -ApiKey $env:C2_TEST_KEY -CheckpointPath $env:C2_TEST_CHECKPOINT -ReconnectIntervalSec 0.05 -HeartbeatTimeoutSec 5
$null = Add-C2Subscription -StrategyId ($env:C2_TEST_STRATEGIES -split ',')
Receive-C2Signal -IdleTimeoutSec ([double]$env:C2_TEST_IDLE) | Export-Csv -LiteralPath (Join-Path $env:C2_TEST_OUT 'signals.csv') -Append
