# Seeing state changes while streaming: Register-ObjectEvent -Action blocks run on the pipeline thread between commands,
# so not while Receive-C2Signal streams; Receive-C2Signal -IncludeStateChange writes C2StateChange objects into the
# stream instead, where they happened among the signals.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator

    # What a read wrote, as 'seq n' for signals and 'Previous->State' for state changes.
    function Format-C2Read($Objects) {
        @($Objects | ForEach-Object { if ($_ -is [C2WebSocket.C2StateChange]) { '{0}->{1}' -f $_.PreviousState, $_.State } else { 'seq ' + $_.SeqId } })
    }
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'Receive-C2Signal -IncludeStateChange' {
    BeforeEach {
        Reset-C2TestSessions
        Wait-C2TestConnections $Sim 0
        $session = Connect-C2TestSession $Sim
    }

    It 'a drop while streaming: the Reconnecting and Connected objects arrive between the signals, where they happened' {
        $null = $session | Add-C2Subscription -StrategyId 9401
        $null = Publish-C2TestSignal $Sim 9401 -Count 2
        $all = @(Receive-C2Signal -IncludeStateChange -Count 4 -TimeoutSec 30 | ForEach-Object {
                if ($_ -is [C2WebSocket.C2Signal] -and $_.SeqId -eq 2) {
                    # Published while the connection is down: the resume replays them after the reconnect.
                    Invoke-C2TestFault $Sim drop
                    $null = Publish-C2TestSignal $Sim 9401 -Count 2
                }
                $_
            })
        Format-C2Read $all | Should -Be 'seq 1', 'seq 2', 'Connected->Reconnecting', 'Reconnecting->Connected', 'seq 3', 'seq 4'
        $change = $all[2]
        $change | Should -BeOfType ([C2WebSocket.C2StateChange])
        $change.SessionId | Should -Be $session.Id
        $change.Time | Should -BeOfType ([DateTimeOffset])
        $change.Reason | Should -Not -BeNullOrEmpty
        $all[3].Time | Should -BeGreaterOrEqual $change.Time
    }

    It 'without the switch nothing changes: only the signals, and the changes stay for a reader that asks' {
        $null = $session | Add-C2Subscription -StrategyId 9402
        $null = Publish-C2TestSignal $Sim 9402
        $all = @(Receive-C2Signal -Count 3 -TimeoutSec 30 | ForEach-Object {
                if ($_.SeqId -eq 1) { Invoke-C2TestFault $Sim drop; $null = Publish-C2TestSignal $Sim 9402 -Count 2 }
                $_
            })
        Format-C2Read $all | Should -Be 'seq 1', 'seq 2', 'seq 3'
        @($all | Where-Object { $_ -isnot [C2WebSocket.C2Signal] }) | Should -BeNullOrEmpty
        Format-C2Read (Receive-C2Signal -IncludeStateChange -IdleTimeoutSec 0.5 -TimeoutSec 30) | Should -Be 'Connected->Reconnecting', 'Reconnecting->Connected'
    }

    It 'the changes count for neither -Count nor -IdleTimeoutSec' {
        $null = $session | Add-C2Subscription -StrategyId 9403
        Invoke-C2TestFault $Sim drop
        Wait-C2Condition { $session.Reconnects -ge 1 -and $session.State -eq 'Connected' } 'the reconnect'
        $null = Publish-C2TestSignal $Sim 9403
        Format-C2Read (Receive-C2Signal -IncludeStateChange -Count 1 -TimeoutSec 30) | Should -Be 'Connected->Reconnecting', 'Reconnecting->Connected', 'seq 1'
    }

    It 'the user''s Disconnect-C2Socket during the read: the Disconnected change is written, then the read ends without an error' {
        $null = $session | Add-C2Subscription -StrategyId 9404
        $null = Publish-C2TestSignal $Sim 9404
        $r = Invoke-C2Captured { Receive-C2Signal -IncludeStateChange -TimeoutSec 30 | ForEach-Object { if ($_ -is [C2WebSocket.C2Signal]) { $session | Disconnect-C2Socket }; $_ } }
        $r.Errors | Should -BeNullOrEmpty
        Format-C2Read $r.Output | Should -Be 'seq 1', 'Connected->Disconnected'
        $r.Output[1].Reason | Should -Match 'closed by the user'
    }

    It 'a session that fails: the Failed change comes last, then the terminating C2SessionEnded' {
        Reset-C2TestSessions
        $s = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 1 }
        $null = $s | Add-C2Subscription -StrategyId 9405
        Invoke-C2TestFault $Sim reject -Query @{ count = 1; status = 503 }
        Invoke-C2TestFault $Sim drop
        $r = Invoke-C2Captured { Receive-C2Signal -IncludeStateChange -TimeoutSec 30 }
        Format-C2Read $r.Output | Should -Be 'Connected->Reconnecting', 'Reconnecting->Failed'
        $r.Output[-1].Reason | Should -Match 'gave up after 1 reconnect attempt'
        @($r.Errors.FullyQualifiedErrorId) | Should -BeLike 'C2SessionEnded,*'
    }

    It 'renders as one line inside the signal table, and as a table of Time, Session, Previous, State, Reason with Format-Table' {
        $null = $session | Add-C2Subscription -StrategyId 9406
        $null = Publish-C2TestSignal $Sim 9406 @{ symbol = 'ESZ6'; side = 'buy'; quantity = 1 }
        $all = @(Receive-C2Signal -IncludeStateChange -Count 2 -TimeoutSec 30 | ForEach-Object {
                if ($_ -is [C2WebSocket.C2Signal] -and $_.SeqId -eq 1) { Invoke-C2TestFault $Sim drop; $null = Publish-C2TestSignal $Sim 9406 @{ symbol = 'ESZ6'; side = 'sell'; quantity = 1 } }
                $_
            })
        Format-C2Read $all | Should -Be 'seq 1', 'Connected->Reconnecting', 'Reconnecting->Connected', 'seq 2'
        # At the prompt: one signal table (one header), the changes as lines in it, where they happened, each wrapped at
        # 79 characters with its continuation indented by two spaces (joined again here).
        $text = $all | Out-String -Width 250
        foreach ($l in $text -split "`r?`n") { $l.TrimEnd().Length | Should -BeLessOrEqual 79 }
        $lines = @(($text -replace '\r?\n  (?=\S)', ' ') -split "`r?`n" | Where-Object { $_.Trim() })
        @($lines | Where-Object { $_ -match '^\S*\s*StrategyId\s' -or $_ -match '^Time\s+StrategyId' }).Count | Should -Be 1
        $changeLine = '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ session ' + $session.Id + ': '
        $lines[-3] | Should -Match ($changeLine + 'Connected -> Reconnecting \(.+\)$')
        $lines[-2] | Should -Match ($changeLine + 'Reconnecting -> Connected \(.+\)$')
        $lines[-1] | Should -Match '\b9406\b.*\bsell\b'
        # Out of band, like error records: Format-Table -Force shows the change's own columns, Format-List * -Force every property.
        $changes = @($all | Where-Object { $_ -is [C2WebSocket.C2StateChange] })
        $table = @(($changes | Format-Table -Force | Out-String -Width 200) -split "`r?`n" | Where-Object { $_.Trim() })
        $table[0] | Should -Match '^Time\s+Session\s+Previous\s+State\s+Reason\s*$'
        $table[2] | Should -Match ('^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+' + $session.Id + '\s+Connected\s+Reconnecting\s+\S')
        $list = $changes[0] | Format-List * -Force | Out-String -Width 200
        foreach ($p in 'Time', 'SessionId', 'PreviousState', 'State', 'Reason') { $list | Should -Match "(?m)^$p\s+:" }
    }
}

Describe 'StateChanged event actions and streaming' {
    BeforeEach {
        Reset-C2TestSessions
        $session = Connect-C2TestSession $Sim
        $null = $session | Add-C2Subscription -StrategyId 9411
    }

    AfterEach {
        Get-EventSubscriber | Where-Object SourceIdentifier -like 'C2Timing*' | Unregister-Event
        Get-Event | Where-Object SourceIdentifier -like 'C2Timing*' | Remove-Event
    }

    It 'an -Action block does not run while Receive-C2Signal waits; it runs on the pipeline thread once the read returns' {
        $global:C2TimingRuns = [System.Collections.Generic.List[object]]::new()
        $null = Register-ObjectEvent -InputObject $session -EventName StateChanged -SourceIdentifier C2Timing.Action -Action {
            $global:C2TimingRuns.Add([pscustomobject]@{ State = [string]$EventArgs.State; At = [DateTimeOffset]::UtcNow; Thread = [System.Threading.Thread]::CurrentThread.ManagedThreadId })
        }
        try {
            $null = Publish-C2TestSignal $Sim 9411
            # On the first signal a helper thread drops the connection, waits for the reconnect and publishes the second
            # signal: both state changes happen while the read waits for it, with no script of ours running.
            $helper = $null
            $second = Receive-C2Signal -Count 2 -TimeoutSec 30 | ForEach-Object {
                if ($_.SeqId -eq 1) {
                    $helper = Start-ThreadJob -ArgumentList $Sim, $session, (Join-Path $PSScriptRoot 'common.ps1') -ScriptBlock {
                        param($sim, $s, $common)
                        . $common
                        Invoke-C2TestFault $sim drop
                        Wait-C2Condition { $s.Reconnects -ge 1 -and $s.State -eq 'Connected' } 'the reconnect'
                        $null = Publish-C2TestSignal $sim 9411
                    }
                }
                else { $_ }
            }
            $helper | Wait-Job -Timeout 30 | Receive-Job -ErrorAction Stop
            $second.SeqId | Should -Be 2
            Wait-C2Condition { @($global:C2TimingRuns.State) -contains 'Connected' } 'the -Action block to run after the read'
            @($global:C2TimingRuns.State) | Should -Be 'Reconnecting', 'Connected'
            # The second signal was published after both changes: an action that had run when its change happened would
            # have run before that signal arrived.
            foreach ($run in $global:C2TimingRuns) { $run.At | Should -BeGreaterOrEqual $second.ReceivedAt }
            @($global:C2TimingRuns.Thread | Select-Object -Unique) | Should -Be ([System.Threading.Thread]::CurrentThread.ManagedThreadId)
        }
        finally {
            if ($helper) { $helper | Remove-Job -Force }
            Remove-Variable -Name C2TimingRuns -Scope Global
        }
    }
}
