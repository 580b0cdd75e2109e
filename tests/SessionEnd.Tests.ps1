# A session that ended (Failed: the key refused or the reconnect attempts used up; Disconnected by the server with
# reconnecting turned off) is never a silent empty read: Receive-C2Signal delivers what was queued, then stops with a
# terminating C2SessionEnded that names the session, its state and why it ended, and Get-C2Session shows the reason.
# An end the user asked for (Disconnect-C2Socket while a read runs) ends the read quietly, as Ctrl+C does.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator

    # A session that gives up after one failed reconnect attempt: the server refuses the next handshakes, then drops it.
    function New-C2FailedSession([long] $StrategyId, [int] $Queued = 0) {
        $s = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 1 }
        $null = $s | Add-C2Subscription -StrategyId $StrategyId
        if ($Queued -gt 0) {
            $null = Publish-C2TestSignal $Sim $StrategyId -Count $Queued
            Wait-C2Condition { $s.InboxCount -eq $Queued } "$Queued signal(s) queued"
        }
        Invoke-C2TestFault $Sim reject -Query @{ count = 1; status = 503 }
        Invoke-C2TestFault $Sim drop
        Wait-C2Condition { $s.State -eq 'Failed' } 'the session gave up'
        $s
    }

    # Runs a read: what it wrote, its non-terminating errors and warnings, and the terminating error it stopped with.
    function Invoke-C2Read([scriptblock] $Read) {
        $r = [pscustomobject]@{
            Output = [System.Collections.Generic.List[object]]::new(); Terminating = $null
            Errors = [System.Collections.Generic.List[object]]::new(); Warnings = [System.Collections.Generic.List[string]]::new()
        }
        try {
            & $Read *>&1 | ForEach-Object {
                if ($_ -is [System.Management.Automation.ErrorRecord]) { $r.Errors.Add($_) }
                elseif ($_ -is [System.Management.Automation.WarningRecord]) { $r.Warnings.Add($_.Message) }
                elseif ($_ -is [System.Management.Automation.InformationalRecord] -or $_ -is [System.Management.Automation.InformationRecord]) { }
                else { $r.Output.Add($_) }
            }
        }
        catch { $r.Terminating = $_ }
        $r
    }
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'Receive-C2Signal on a session that has ended' {
    BeforeEach {
        Reset-C2TestSessions
        Wait-C2TestConnections $Sim 0
    }

    It 'a Failed session: a terminating C2SessionEnded (ResourceUnavailable) naming the session, its state and why, at once' {
        $s = New-C2FailedSession 9301
        $r = Invoke-C2Read { Receive-C2Signal -TimeoutSec 30 }
        $r.Output | Should -BeNullOrEmpty
        $e = $r.Terminating
        $e | Should -Not -BeNullOrEmpty -Because 'a read of an ended session must not return silently'
        $e.FullyQualifiedErrorId | Should -Be 'C2SessionEnded,C2WebSocket.Commands.ReceiveC2SignalCommand'
        $e.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        [object]::ReferenceEquals($e.TargetObject, $s) | Should -BeTrue
        $message = Get-C2ErrorMessage $e
        $message | Should -Match "Session $($s.Id) ended \(Failed\)"
        $message | Should -Match 'gave up after 1 reconnect attempt'
        $e.ErrorDetails.RecommendedAction | Should -Match 'Connect-C2Socket'
        $e.Exception.Session.Id | Should -Be $s.Id
        [string]$e.Exception.State | Should -Be 'Failed'
        $r.Errors | Should -BeNullOrEmpty -Because 'the end is said once, by the terminating error'
    }

    It 'loops that call it again stop too: every read of the ended session throws, none returns empty' {
        $s = New-C2FailedSession 9302
        $thrown = 0
        foreach ($i in 1..3) {
            try { $null = Receive-C2Signal -TimeoutSec 30 -ErrorAction SilentlyContinue } catch { if ($_.FullyQualifiedErrorId -like 'C2SessionEnded,*') { $thrown++ } }
        }
        $thrown | Should -Be 3
    }

    It 'a session the server dropped with reconnecting turned off: C2SessionEnded naming Disconnected and why' {
        $s = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 0 }
        $null = $s | Add-C2Subscription -StrategyId 9303
        Invoke-C2TestFault $Sim close -Query @{ status = 1001; reason = 'maintenance' }
        Wait-C2Condition { $s.State -eq 'Disconnected' } 'the session ended'
        $r = Invoke-C2Read { Receive-C2Signal -TimeoutSec 30 }
        $r.Terminating.FullyQualifiedErrorId | Should -BeLike 'C2SessionEnded,*'
        $message = Get-C2ErrorMessage $r.Terminating
        $message | Should -Match "Session $($s.Id) ended \(Disconnected\)"
        $message | Should -Match 'reconnecting is turned off'
        $message | Should -Match 'maintenance'
        $r.Warnings | Should -BeNullOrEmpty -Because 'the lost connection is said once, by the terminating error'
    }

    It 'delivers what was queued first, then stops with C2SessionEnded' {
        $s = New-C2FailedSession 9304 -Queued 3
        $r = Invoke-C2Read { Receive-C2Signal -TimeoutSec 30 }
        $r.Output.SeqId | Should -Be 1, 2, 3
        $r.Terminating.FullyQualifiedErrorId | Should -BeLike 'C2SessionEnded,*'
        $r.Errors | Should -BeNullOrEmpty
    }

    It 'with -StrategyId, -Count and -Subscription it reads what was queued and then stops with C2SessionEnded' {
        $s = New-C2FailedSession 9305 -Queued 2
        $r = Invoke-C2Read { Receive-C2Signal -StrategyId 9305 -Count 1 -TimeoutSec 30 }
        $r.Output.SeqId | Should -Be 1
        $r.Terminating | Should -BeNullOrEmpty -Because '-Count 1 was reached first'
        $r = Invoke-C2Read { Get-C2Subscription | Receive-C2Signal -TimeoutSec 30 }
        $r.Output.SeqId | Should -Be 2
        $r.Terminating.FullyQualifiedErrorId | Should -BeLike 'C2SessionEnded,*'
        $r = Invoke-C2Read { Receive-C2Signal -StrategyId 9305 -TimeoutSec 30 }
        $r.Terminating.FullyQualifiedErrorId | Should -BeLike 'C2SessionEnded,*'
        $r.Errors | Should -BeNullOrEmpty -Because 'a strategy of an ended session is not reported as C2NotSubscribed'
    }

    It 'a session closed with Disconnect-C2Socket before the read: C2SessionEnded saying it was closed' {
        $s = Connect-C2TestSession $Sim
        $s | Disconnect-C2Socket
        $r = Invoke-C2Read { Receive-C2Signal -Session $s -TimeoutSec 30 }
        $r.Terminating.FullyQualifiedErrorId | Should -BeLike 'C2SessionEnded,*'
        Get-C2ErrorMessage $r.Terminating | Should -Match "Session $($s.Id) ended \(Disconnected\).*closed"
    }
}

Describe 'A session that ends while Receive-C2Signal streams' {
    BeforeEach {
        Reset-C2TestSessions
        Wait-C2TestConnections $Sim 0
    }

    It 'the server drops it (reconnecting off): the objects before, then the terminating C2SessionEnded, no warning besides' {
        $s = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 0 }
        $null = $s | Add-C2Subscription -StrategyId 9311
        $null = Publish-C2TestSignal $Sim 9311 -Count 2
        $r = Invoke-C2Read {
            Receive-C2Signal -TimeoutSec 30 | ForEach-Object {
                if ($_.SeqId -eq 1) { Invoke-C2TestFault $Sim drop }
                $_
            }
        }
        $r.Output.SeqId | Should -Be 1, 2
        $r.Terminating.FullyQualifiedErrorId | Should -BeLike 'C2SessionEnded,*'
        Get-C2ErrorMessage $r.Terminating | Should -Match 'Disconnected'
        $r.Warnings | Should -BeNullOrEmpty
        $r.Errors | Should -BeNullOrEmpty
    }

    It 'the reconnect attempts run out: the terminating C2SessionEnded says so once (no C2ReconnectFailed besides)' {
        $s = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 2 }
        $null = $s | Add-C2Subscription -StrategyId 9312
        $null = Publish-C2TestSignal $Sim 9312
        $r = Invoke-C2Read {
            Receive-C2Signal -TimeoutSec 30 | ForEach-Object {
                Invoke-C2TestFault $Sim reject -Query @{ count = 2; status = 503 }
                Invoke-C2TestFault $Sim drop
                $_
            }
        }
        $r.Output.SeqId | Should -Be 1
        $r.Terminating.FullyQualifiedErrorId | Should -BeLike 'C2SessionEnded,*'
        Get-C2ErrorMessage $r.Terminating | Should -Match 'Failed.*gave up after 2 reconnect attempts'
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings | Should -BeNullOrEmpty
    }

    It 'the user''s own Disconnect-C2Socket ends the read quietly: no error, the objects before it were written' {
        $s = Connect-C2TestSession $Sim
        $null = $s | Add-C2Subscription -StrategyId 9313
        $null = Publish-C2TestSignal $Sim 9313 -Count 2
        $r = Invoke-C2Read {
            Receive-C2Signal -Session $s -TimeoutSec 30 | ForEach-Object {
                $s | Disconnect-C2Socket
                $_
            }
        }
        $r.Output.SeqId | Should -Be 1
        $r.Terminating | Should -BeNullOrEmpty
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings | Should -BeNullOrEmpty
    }

    It 'in a script (pwsh -File) with $ErrorActionPreference = Stop, the end stops the script with exit code 1 after the signals' {
        $r = Invoke-C2ChildPwsh $Sim @'
$ErrorActionPreference = 'Stop'
$s = Connect-C2Socket -Uri $env:C2_SIMULATOR_URI -MaxReconnectAttempts 0
$null = $s | Add-C2Subscription -StrategyId 9314
$null = Invoke-RestMethod -Method Post -Uri ($env:C2_CONTROL_URI + 'control/publish?strategy_id=9314') -NoProxy
Receive-C2Signal -TimeoutSec 30 | ForEach-Object {
    'got seq ' + $_.SeqId
    $null = Invoke-RestMethod -Method Post -Uri ($env:C2_CONTROL_URI + 'control/faults/drop') -NoProxy
}
'not reached'
'@
        $r.ExitCode | Should -Be 1 -Because $r.All
        $r.Stdout | Should -Match 'got seq 1'
        $r.All | Should -Not -Match 'not reached'
        $r.Stderr | Should -Match "Session \d+ ended \(Disconnected\)"
    }
}

Describe 'Get-C2Session shows why a session ended' {
    BeforeEach { Reset-C2TestSessions }

    It 'EndReason and EndedAt of a Failed session; empty while it is open' {
        $s = New-C2FailedSession 9321
        $open = Connect-C2TestSession $Sim
        $open.EndReason | Should -BeNullOrEmpty
        $open.EndedAt | Should -BeNullOrEmpty
        $s.EndReason | Should -Match 'gave up after 1 reconnect attempt'
        $s.EndedAt | Should -BeOfType ([DateTimeOffset])
        (Get-C2Session -Id $s.Id | Format-List | Out-String -Width 200) | Should -Match 'EndReason\s*:\s*gave up'
    }

    It 'a session closed by the user says so' {
        $s = Connect-C2TestSession $Sim
        $s | Disconnect-C2Socket
        $s.EndReason | Should -Match 'closed'
    }
}
