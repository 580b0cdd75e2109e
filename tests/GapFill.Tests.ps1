# Connect-C2Socket -FillGapsFromHistory (issue 22): a range the socket cannot deliver (here a retention hole: the
# server keeps only the newest 10 signals of a stream and 40 were published during an outage) is asked of C2's REST
# history and its orders are written at the range's place, marked Source = 'History'; every published order reaches
# the pipeline once (from the stream or from history, never both). Without the switch, the range's report names the
# Get-C2StrategyHistory command that fetches it, and that command does. A refused REST request leaves the report an
# error that says why, with the command.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator

    # Publishes 5, reads them, then an outage (one refused reconnect) while 40 more are published: the server keeps only
    # the newest 10, so 6..35 are a retention hole on the reconnect. Returns what the first read got.
    function New-C2RetentionHole([long] $StrategyId, [hashtable] $With = @{}) {
        $null = Connect-C2TestSession $Sim -With $With
        $null = Add-C2Subscription -StrategyId $StrategyId
        $null = Publish-C2TestSignal $Sim $StrategyId -Count 5
        $first = @(Receive-C2Signal -Count 5 -TimeoutSec 20)
        Invoke-C2TestFault $Sim reject -Query @{ count = 1; status = 503 }
        Invoke-C2TestFault $Sim drop
        $null = Publish-C2TestSignal $Sim $StrategyId -Count 40
        $first
    }

    # Every published order of the strategy, from the simulator's REST history (the same answer the module gets).
    function Get-C2PublishedSignalId([long] $StrategyId) {
        @(Get-C2StrategyHistory -StrategyId $StrategyId -ApiKey $Sim.ApiKey -Uri $Sim.Uri).SignalId
    }

    # The order id of an object, whichever source: signal_id in the socket's payload, SignalId in a REST row.
    function Get-C2OrderId($o) { if ($o.Source -eq 'History') { [long]$o.SignalId } else { [long]$o.signal_id } }
}

AfterAll {
    Reset-C2TestSessions
    $null = Invoke-C2Control -Simulator $Sim -Path options -Query @{ replay_retention = 0 }
    Stop-C2TestSimulator $Sim
}

Describe 'Connect-C2Socket -FillGapsFromHistory' {
    BeforeEach {
        Reset-C2TestSessions
        $null = Invoke-C2Control -Simulator $Sim -Path options -Query @{ replay_retention = 10 }
    }

    It 'writes the orders of a retention hole from history at its place: every published order once, in order' {
        $first = New-C2RetentionHole 9401 @{ FillGapsFromHistory = $true }
        $rest = @(Receive-C2Signal -Count 40 -TimeoutSec 30 -WarningVariable warned -ErrorVariable failed -ErrorAction SilentlyContinue 3>$null)

        $failed | Should -BeNullOrEmpty -Because 'a range filled completely is not an error'
        @($warned).Count | Should -Be 1
        "$($warned[0])" | Should -Match 'seq_id > 5 and < 36'
        "$($warned[0])" | Should -Match 'Filled from history: 30 orders of strategy 9401'

        # At the range's place: 30 from history, then the stream again from 36.
        ($rest.Source | Select-Object -First 30 -Unique) | Should -Be 'History'
        ($rest | Select-Object -Skip 30).SeqId | Should -Be (36..45)
        ($rest | Select-Object -Skip 30).Source | Select-Object -Unique | Should -Be 'Stream'
        $fromHistory = $rest | Where-Object Source -eq 'History'
        $fromHistory | ForEach-Object { $_.SeqId | Should -BeNullOrEmpty -Because 'REST rows carry no seq_id' }
        $fromHistory[0].FilledGap.BeforeSeqId | Should -Be 36

        # Once: the union of both runs' order ids is exactly what was published, without a repeat.
        $ids = @($first + $rest | ForEach-Object { Get-C2OrderId $_ })
        $ids.Count | Should -Be 45
        @($ids | Sort-Object -Unique).Count | Should -Be 45
        ($ids -join ',') | Should -Be ((Get-C2PublishedSignalId 9401) -join ',') -Because 'in the order they were posted'
    }

    It 'a read that ends inside the range (-Count) leaves the rest to the next read, without asking history again' {
        $first = New-C2RetentionHole 9404 @{ FillGapsFromHistory = $true }
        $requests = (Get-C2TestStats $Sim).rest_requests
        $a = @(Receive-C2Signal -Count 10 -TimeoutSec 30 3>$null)
        $b = @(Receive-C2Signal -Count 30 -TimeoutSec 30 3>$null)
        $a.Source | Select-Object -Unique | Should -Be 'History'
        ($b | Where-Object Source -eq 'History').Count | Should -Be 20
        ($b | Where-Object Source -eq 'Stream').SeqId | Should -Be (36..45)
        (Get-C2TestStats $Sim).rest_requests - $requests | Should -Be 1
        $ids = @($first + $a + $b | ForEach-Object { Get-C2OrderId $_ })
        ($ids -join ',') | Should -Be ((Get-C2PublishedSignalId 9404) -join ',')
    }

    It 'without the switch, the report is an error naming the command that fetches the range, and that command does' {
        $first = New-C2RetentionHole 9402
        $rest = @(Receive-C2Signal -Count 10 -TimeoutSec 30 -ErrorVariable failed -ErrorAction SilentlyContinue 3>$null)
        $rest.SeqId | Should -Be (36..45)
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'C2ReplayGap*'
        $text = Get-C2ErrorMessage $failed[0]
        $text | Should -Match "To fetch this range's orders from C2's REST history: Get-C2StrategyHistory -StrategyId 9402 -Since '[^']+' -Until '[^']+'"
        $failed[0].TargetObject.Fill | Should -Match '^To fetch'

        # Run the command as the report wrote it: it returns the missing orders (and the neighbours its slack takes in).
        $command = [regex]::Match($text, "Get-C2StrategyHistory -StrategyId 9402 -Since '[^']+' -Until '[^']+'").Value
        $fetched = @(Invoke-Expression $command)
        $missing = (Get-C2PublishedSignalId 9402) | Where-Object { $_ -notin @($first + $rest | ForEach-Object { Get-C2OrderId $_ }) }
        @($missing).Count | Should -Be 30
        foreach ($m in $missing) { $fetched.SignalId | Should -Contain $m }
    }

    It 'a REST answer that refuses (401) leaves the range an error that says not allowed, with the command, and the stream goes on' {
        $null = New-C2RetentionHole 9403 @{ FillGapsFromHistory = $true }
        Invoke-C2TestFault $Sim rest-fail -Query @{ count = 1; status = 401 }
        $rest = @(Receive-C2Signal -Count 10 -TimeoutSec 30 -ErrorVariable failed -ErrorAction SilentlyContinue 3>$null)
        $rest.SeqId | Should -Be (36..45)
        $rest.Source | Select-Object -Unique | Should -Be 'Stream'
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'C2ReplayGap*'
        Get-C2ErrorMessage $failed[0] | Should -Match 'Not filled from history: not allowed\..*To fetch it later: Get-C2StrategyHistory -StrategyId 9403'
    }

    It '-RestUri needs -FillGapsFromHistory; a -RestUri that is not http(s) is a parameter error' {
        $r = Invoke-C2Captured { Connect-C2Socket -ApiKey $Sim.ApiKey -Uri $Sim.Uri -RestUri 'http://127.0.0.1:1/' }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2InvalidParameterCombination*'
        Get-C2ErrorMessage $r.Errors[0] | Should -Match '-RestUri is the REST address of -FillGapsFromHistory'
        $r = Invoke-C2Captured { Connect-C2Socket -ApiKey $Sim.ApiKey -Uri $Sim.Uri -FillGapsFromHistory -RestUri 'ftp://127.0.0.1/' }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*'
        Get-C2Session | Should -BeNullOrEmpty
    }
}

Describe 'Connect-C2Socket -FillGapsFromHistory with a checkpoint, across runs' {
    BeforeEach {
        Reset-C2TestSessions
        $null = Invoke-C2Control -Simulator $Sim -Path options -Query @{ replay_retention = 10 }
        $Folder = New-C2TestFolder
        $Checkpoint = Join-Path $Folder 'c2.checkpoint.json'
        # One run of a scheduled task: connect with the checkpoint, read, disconnect (the commit point).
        # The first run of a checkpoint watches a strategy from the moment it subscribes: -Publish publishes after that.
        function Invoke-C2Run([long] $StrategyId, [int] $Count, [int] $Publish = 0) {
            $null = Connect-C2TestSession $Sim -With @{ CheckpointPath = $Checkpoint; FillGapsFromHistory = $true }
            $null = Add-C2Subscription -StrategyId $StrategyId
            if ($Publish) { $null = Publish-C2TestSignal $Sim $StrategyId -Count $Publish }
            $got = @(Receive-C2Signal -Count $Count -TimeoutSec 30 -WarningVariable script:RunWarnings -ErrorVariable script:RunErrors -ErrorAction SilentlyContinue 3>$null)
            Disconnect-C2Socket
            $got
        }
    }

    It 'a run after a long pause fills the range the server no longer holds: the checkpoint places it among the history rows' {
        $run1 = Invoke-C2Run 9411 5 -Publish 5
        $null = Publish-C2TestSignal $Sim 9411 -Count 40     # while no run is going: the server keeps 36..45
        $run2 = Invoke-C2Run 9411 40

        $RunErrors | Should -BeNullOrEmpty -Because 'nothing is missing: the orders before the range are placed by the checkpoint, not held back'
        "$RunWarnings" | Should -Match 'Filled from history: 30 orders of strategy 9411'
        ($run2 | Where-Object Source -eq 'History').Count | Should -Be 30
        ($run2 | Where-Object Source -eq 'Stream').SeqId | Should -Be (36..45)
        $ids = @($run1 + $run2 | ForEach-Object { Get-C2OrderId $_ })
        ($ids -join ',') | Should -Be ((Get-C2PublishedSignalId 9411) -join ',')
    }

    It 'a range filled part-way is not filled again by the next run: it goes on after the last order written' {
        $run1 = Invoke-C2Run 9412 5 -Publish 5
        $null = Publish-C2TestSignal $Sim 9412 -Count 40
        $run2 = Invoke-C2Run 9412 12                          # 12 of the range's 30 orders, then the run ends
        $run2.Source | Select-Object -Unique | Should -Be 'History'
        (Get-Content -LiteralPath $Checkpoint -Raw | ConvertFrom-Json).streams.'strategy.signal:9412'.historyOrderId | Should -Be (Get-C2OrderId $run2[-1])

        $run3 = Invoke-C2Run 9412 28                          # the other 18, then 36..45 from the stream
        $RunErrors | Should -BeNullOrEmpty
        ($run3 | Where-Object Source -eq 'History').Count | Should -Be 18
        ($run3 | Where-Object Source -eq 'Stream').SeqId | Should -Be (36..45)
        $ids = @($run1 + $run2 + $run3 | ForEach-Object { Get-C2OrderId $_ })
        ($ids -join ',') | Should -Be ((Get-C2PublishedSignalId 9412) -join ',') -Because 'every order once, in posting order'
    }

    It 'Save-C2Checkpoint takes history orders: a manual run that saved part of the range goes on after the last saved' {
        $null = Connect-C2TestSession $Sim -With @{ CheckpointPath = $Checkpoint; FillGapsFromHistory = $true; ManualCheckpoint = $true }
        $null = Add-C2Subscription -StrategyId 9413
        $null = Publish-C2TestSignal $Sim 9413 -Count 5
        Receive-C2Signal -Count 5 -TimeoutSec 20 | Save-C2Checkpoint
        Disconnect-C2Socket
        $null = Publish-C2TestSignal $Sim 9413 -Count 40

        $null = Connect-C2TestSession $Sim -With @{ CheckpointPath = $Checkpoint; FillGapsFromHistory = $true; ManualCheckpoint = $true }
        $null = Add-C2Subscription -StrategyId 9413
        $batch = @(Receive-C2Signal -Count 20 -TimeoutSec 30 3>$null)
        $batch | Select-Object -First 7 | Save-C2Checkpoint   # the script finished 7 of them
        Disconnect-C2Socket

        $null = Connect-C2TestSession $Sim -With @{ CheckpointPath = $Checkpoint; FillGapsFromHistory = $true; ManualCheckpoint = $true }
        $null = Add-C2Subscription -StrategyId 9413
        $next = @(Receive-C2Signal -Count 1 -TimeoutSec 30 3>$null)
        Disconnect-C2Socket
        Get-C2OrderId $next[0] | Should -Be (Get-C2OrderId $batch[7]) -Because 'the first order not saved comes next'
    }
}
