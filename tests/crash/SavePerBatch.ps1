# Crash scenario (d): -ManualCheckpoint in batches: take up to 50 signals, write them all, then save the batch.
$ErrorActionPreference = 'Stop'
Import-Module $env:C2_TEST_MODULE
$out = Join-Path $env:C2_TEST_OUT 'lines.txt'
$null = Connect-C2Socket -Uri $env:C2_TEST_URI -ApiKey $env:C2_TEST_KEY -CheckpointPath $env:C2_TEST_CHECKPOINT -ManualCheckpoint -ReconnectIntervalSec 0.05 -HeartbeatTimeoutSec 5
$null = Add-C2Subscription -StrategyId ($env:C2_TEST_STRATEGIES -split ',')
while ($true) {
    $batch = @(Receive-C2Signal -Count 50 -IdleTimeoutSec ([double]$env:C2_TEST_IDLE))
    if ($batch.Count -eq 0) { break }
    [System.IO.File]::AppendAllText($out, (($batch | ForEach-Object { "$($_.StrategyId) $($_.SeqId)`n" }) -join ''))
    $batch | Save-C2Checkpoint
}
