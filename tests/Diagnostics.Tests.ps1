# Each failure is said once, on the stream that fits; -Debug tells the per-message story (heartbeats, acknowledgements,
# each message queued with its size, backoff decisions), at most 20 lines a second.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # One heartbeat a second: the debug budget (20 lines a second) is not taken by heartbeats.
    $Sim = Start-C2TestSimulator -HeartbeatSec 1
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'Each failure is said once, on the stream that fits' {
    BeforeEach { Reset-C2TestSessions }

    It 'reconnect attempts used up while reading: one terminating C2SessionEnded saying why, no C2ReconnectFailed or warning repeating it' {
        $s = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 2 }
        $null = Add-C2Subscription -StrategyId 7001
        Invoke-C2TestFault $Sim reject -Query @{ count = 2; status = 503 }
        Invoke-C2TestFault $Sim drop
        $r = Invoke-C2Captured { Receive-C2Signal -TimeoutSec 30 -Verbose }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2SessionEnded,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        Get-C2ErrorMessage $r.Errors[0] | Should -Match 'ended \(Failed\).*gave up after 2 reconnect attempts'
        $r.Errors[0].ErrorDetails.RecommendedAction | Should -Match 'Connect again'
        $r.Warnings | Should -BeNullOrEmpty
        @($r.Verbose | Where-Object { $_ -match 'gave up' }) | Should -BeNullOrEmpty
        # The story around it is on the verbose stream: the attempts and the state change.
        @($r.Verbose | Where-Object { $_ -match 'reconnect attempt \d of connection 0 failed' }).Count | Should -Be 2
        $r.Verbose | Should -Contain "Session $($s.Id): Reconnecting -> Failed."
        $s.State | Should -Be 'Failed'

        # Another read says the session ended again (it is a question asked again); nothing else repeats the failure.
        $again = Invoke-C2Captured { Receive-C2Signal -TimeoutSec 5 }
        @($again.Errors.FullyQualifiedErrorId) | Should -BeLike 'C2SessionEnded,*'
        $rest = Invoke-C2Captured { Get-C2Subscription; Disconnect-C2Socket }
        $rest.Errors | Should -BeNullOrEmpty
        $rest.Warnings | Should -BeNullOrEmpty
    }

    It 'reconnect attempts used up while no read runs: the next cmdlet writes C2ReconnectFailed once' {
        $s = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 1 }
        $null = Add-C2Subscription -StrategyId 7003
        Invoke-C2TestFault $Sim reject -Query @{ count = 1; status = 503 }
        Invoke-C2TestFault $Sim drop
        Wait-C2Condition { $s.State -eq 'Failed' } 'the session gave up'
        $r = Invoke-C2Captured { Get-C2Subscription }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2ReconnectFailed,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        (Invoke-C2Captured { Get-C2Subscription }).Errors | Should -BeNullOrEmpty
    }

    It 'a connection lost with -MaxReconnectAttempts 0 while reading: one terminating C2SessionEnded, no warning besides' {
        $null = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 0 } | Add-C2Subscription -StrategyId 7002
        Invoke-C2TestFault $Sim drop
        $r = Invoke-C2Captured { Receive-C2Signal -TimeoutSec 30 }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2SessionEnded,*'
        Get-C2ErrorMessage $r.Errors[0] | Should -Match 'reconnecting is turned off \(-MaxReconnectAttempts 0\)'
        $r.Warnings | Should -BeNullOrEmpty
        (Get-C2Session -Default).State | Should -Be 'Disconnected'
    }

    It 'a refused key: one C2AuthenticationFailed (AuthenticationError), nothing else' {
        $r = Invoke-C2Captured { Connect-C2Socket -Uri $Sim.Uri -ApiKey 'not-a-key' }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2AuthenticationFailed,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $r.Warnings | Should -BeNullOrEmpty
    }

    It 'nothing listening: one C2TcpFailed (ConnectionError), nothing else' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $r = Invoke-C2Captured { Connect-C2Socket -Uri "ws://127.0.0.1:$port/ws" -ApiKey $Sim.ApiKey -TimeoutSec 10 }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2TcpFailed,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $r.Warnings | Should -BeNullOrEmpty
    }

    It 'a DNS failure is a ConnectionError, not ObjectNotFound (the mapping itself is tested in xunit without resolving a name)' {
        [C2WebSocket.Commands.C2ErrorTable]::Get('C2DnsFailed').Category | Should -Be 'ConnectionError'
        [C2WebSocket.Commands.C2ErrorTable]::Get('C2DnsFailed').RecommendedAction | Should -Match 'DNS'
    }

    It 'a refused subscription: one C2SubscriptionRefused (PermissionDenied), not said again by the next read' {
        $null = Connect-C2TestSession $Sim
        $r = Invoke-C2Captured { Add-C2Subscription -StrategyId 7003, $C2ForbiddenStrategy }
        $r.Output.Count | Should -Be 1
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2SubscriptionRefused,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $next = Invoke-C2Captured { Receive-C2Signal -TimeoutSec 1 }
        $next.Errors | Should -BeNullOrEmpty
        $next.Warnings | Should -BeNullOrEmpty
    }
}

Describe '-Debug tells the per-message story' {
    BeforeEach { Reset-C2TestSessions }

    It 'shows heartbeats answered, acknowledgements and each message queued with its size in bytes' {
        $s = Connect-C2TestSession $Sim
        $r = Invoke-C2Captured { Add-C2Subscription -StrategyId 7101 -Debug }
        $r.Errors | Should -BeNullOrEmpty
        @($r.Debug | Where-Object { $_ -match "^Session $($s.Id): subscribe of strategy\.signal:7101 acknowledged \(\S+\)\.$" }).Count | Should -Be 1
        $null = Publish-C2TestSignal $Sim 7101 @{ symbol = 'ESZ6' }
        Wait-C2Condition { $s.HeartbeatAcksSent -ge 1 -and $s.InboxCount -ge 1 } 'a heartbeat answered and the signal queued'
        $r = Invoke-C2Captured { Receive-C2Signal -Count 1 -TimeoutSec 20 -Debug }
        $r.Errors | Should -BeNullOrEmpty
        $r.Debug | Should -Contain "Session $($s.Id): heartbeat on connection 0 answered with heartbeat.ack."
        $bytes = [System.Text.Encoding]::UTF8.GetByteCount($r.Output[0].RawJson)
        $r.Debug | Should -Contain "Session $($s.Id): strategy.signal:7101 seq_id 1 queued ($bytes bytes)."
    }

    It 'shows each backoff decision: the attempt and the delay before it' {
        $s = Connect-C2TestSession $Sim -With @{ ReconnectIntervalSec = 0.2 }
        $null = Add-C2Subscription -StrategyId 7102
        Invoke-C2TestFault $Sim drop
        Wait-C2Condition { $s.Reconnects -ge 1 -and $s.State -eq 'Connected' } 'the session reconnected'
        $r = Invoke-C2Captured { Receive-C2Signal -TimeoutSec 1 -Debug }
        $r.Errors | Should -BeNullOrEmpty
        @($r.Debug | Where-Object { $_ -match "^Session $($s.Id): reconnect attempt 1 of connection 0 in \d+(\.\d+)? s\.$" }).Count | Should -Be 1
    }

    It 'keeps to 20 lines a second and says how many more there were' {
        $s = Connect-C2TestSession $Sim
        $null = Add-C2Subscription -StrategyId 7103
        $null = Publish-C2TestSignal $Sim 7103 -Count 200
        Wait-C2Condition { $s.InboxCount -ge 200 } '200 signals queued'
        # The note is written when the next second's first debug line comes (a heartbeat, one a second).
        $debug = [System.Collections.Generic.List[string]]::new()
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        do {
            $r = Invoke-C2Captured { Receive-C2Signal -TimeoutSec 1 -Debug }
            $r.Errors | Should -BeNullOrEmpty
            $debug.AddRange([string[]]@($r.Debug))
        } until (($debug -match 'more debug lines in the last second were not shown') -or [DateTime]::UtcNow -gt $deadline)
        $queued = @($debug | Where-Object { $_ -match 'strategy\.signal:7103 seq_id \d+ queued' })
        $queued.Count | Should -BeGreaterThan 0
        $queued.Count | Should -BeLessOrEqual 40   # the burst may straddle two seconds
        $notes = @($debug | Where-Object { $_ -match "^Session $($s.Id): \((\d+) more debug lines in the last second were not shown\)$" })
        $notes.Count | Should -BeGreaterThan 0
        $hidden = ($notes | ForEach-Object { [int]([regex]::Match($_, '\((\d+) more').Groups[1].Value) } | Measure-Object -Sum).Sum
        $hidden | Should -BeGreaterOrEqual (200 - $queued.Count - 40)
    }

    It 'with -Debug alone, warnings stay warnings and verbose lines come on the debug stream; nothing stops to ask' {
        # This pwsh is non-interactive: a prompt (PowerShell's Inquire for a compiled cmdlet's -Debug) would be an error.
        $s = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 0 }
        $null = Add-C2Subscription -StrategyId 7105
        Invoke-C2TestFault $Sim drop
        Wait-C2Condition { $s.State -eq 'Disconnected' } 'the session ended'
        # The lost connection's warning, written by the next cmdlet that uses the session (a read would say C2SessionEnded).
        $r = Invoke-C2Captured { Get-C2Subscription -Debug }
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings.Count | Should -Be 1
        $r.Warnings[0] | Should -Match 'reconnecting is turned off'
        $r.Verbose | Should -BeNullOrEmpty
        $r.Debug | Should -Contain "Session $($s.Id): Connected -> Disconnected."
        $read = Invoke-C2Captured { Receive-C2Signal -TimeoutSec 30 -Debug }
        @($read.Errors.FullyQualifiedErrorId) | Should -BeLike 'C2SessionEnded,*'
        $read.Verbose | Should -BeNullOrEmpty
        @($read.Debug | Where-Object { $_ -match '^Receive-C2Signal: 0 object\(s\) written; session \d+ ended \(Disconnected\)\.$' }).Count | Should -Be 1
    }

    It 'with -Debug -Verbose, verbose lines stay on the verbose stream' {
        $s = Connect-C2TestSession $Sim
        $r = Invoke-C2Captured { Add-C2Subscription -StrategyId 7106 -Debug -Verbose }
        $r.Errors | Should -BeNullOrEmpty
        $r.Verbose | Should -Contain "Session $($s.Id): subscribed to strategy.signal:7106."
        @($r.Debug | Where-Object { $_ -match 'acknowledged' }).Count | Should -Be 1
    }

    It 'is silent without -Debug' {
        $s = Connect-C2TestSession $Sim
        $null = Add-C2Subscription -StrategyId 7104
        $null = Publish-C2TestSignal $Sim 7104
        Wait-C2Condition { $s.InboxCount -ge 1 } 'the signal queued'
        $r = Invoke-C2Captured { Receive-C2Signal -Count 1 -TimeoutSec 20 }
        $r.Output.Count | Should -Be 1
        $r.Debug | Should -BeNullOrEmpty
    }
}
