BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'Disconnect-C2Socket' {
    BeforeEach {
        Reset-C2TestSessions
        Wait-C2TestConnections $Sim 0
    }

    It 'closes the session piped to it, and the runspace forgets it' {
        $s = Connect-C2TestSession $Sim
        Wait-C2TestConnections $Sim 1
        $s | Disconnect-C2Socket
        Wait-C2TestConnections $Sim 0
        Get-C2Session | Should -BeNullOrEmpty
        $s.State | Should -Be 'Disconnected'
    }

    It 'closes the default session when called alone' {
        $null = Connect-C2TestSession $Sim
        Disconnect-C2Socket
        Get-C2Session | Should -BeNullOrEmpty
        Wait-C2TestConnections $Sim 0
    }

    It '-PassThru returns the closed session' {
        $s = Connect-C2TestSession $Sim
        $out = $s | Disconnect-C2Socket -PassThru
        $out.Id | Should -Be $s.Id
        $out.State | Should -Be 'Disconnected'
    }

    It 'delivers nothing more after it: what was queued is discarded and the subscriptions show Closed' {
        $s = Connect-C2TestSession $Sim
        $null = $s | Add-C2Subscription -StrategyId 5030
        $null = Publish-C2TestSignal $Sim 5030 -Count 3
        Wait-C2Condition { $s.InboxCount -eq 3 } 'three signals queued' -TimeoutSec 20
        $r = Invoke-C2Captured { $s | Disconnect-C2Socket -Verbose }
        $r.Verbose -join "`n" | Should -Match '3 queued message\(s\) that no Receive-C2Signal had taken were discarded'
        $s.InboxCount | Should -Be 0
        (Get-C2Subscription -Session $s).State | Should -Be 'Closed'
        # A read of the closed session delivers nothing, and says why instead of returning empty (SessionEnd.Tests.ps1).
        $got = Invoke-C2Captured { Receive-C2Signal -Session $s -TimeoutSec 5 }
        $got.Output | Should -BeNullOrEmpty
        $got.Errors.Count | Should -Be 1
        $got.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2SessionEnded,*'
        Get-C2ErrorMessage $got.Errors[0] | Should -Match 'closed by the user'
    }

    It '-WhatIf leaves the session open' {
        $s = Connect-C2TestSession $Sim
        $s | Disconnect-C2Socket -WhatIf
        $s.State | Should -Be 'Connected'
        (Get-C2Session).Id | Should -Be $s.Id
        Wait-C2TestConnections $Sim 1
    }

    It '-All closes every session of the runspace' {
        $null = Connect-C2TestSession $Sim
        $null = Connect-C2TestSession $Sim
        $null = Connect-C2TestSession $Sim
        Wait-C2TestConnections $Sim 3
        Disconnect-C2Socket -All
        Get-C2Session | Should -BeNullOrEmpty
        Wait-C2TestConnections $Sim 0
    }

    It 'closes only the sessions it is given' {
        $a = Connect-C2TestSession $Sim
        $b = Connect-C2TestSession $Sim
        Get-C2Session -Id $a.Id | Disconnect-C2Socket
        (Get-C2Session).Id | Should -Be $b.Id
        $b.State | Should -Be 'Connected'
        Wait-C2TestConnections $Sim 1
    }

    It 'ends a Receive-C2Signal of that session' {
        $s = Connect-C2TestSession $Sim
        $null = $s | Add-C2Subscription -StrategyId 3001
        $null = Publish-C2TestSignal $Sim 3001
        # Disconnect from inside the pipeline: the stream ends instead of waiting for its timeout.
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $got = Receive-C2Signal -Session $s -TimeoutSec 30 | ForEach-Object { $s | Disconnect-C2Socket; $_ }
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 15
        @($got).Count | Should -Be 1
    }

    It 'is idempotent: with no session to close it does nothing and says so with -Verbose' {
        $r = Invoke-C2Captured { Disconnect-C2Socket -Verbose }
        $r.Errors | Should -BeNullOrEmpty
        $r.Verbose -join "`n" | Should -Match 'nothing to close'
    }

    It 'is idempotent for the default session: a second Disconnect-C2Socket does nothing and says so with -Verbose' {
        $null = Connect-C2TestSession $Sim
        Disconnect-C2Socket
        $r = Invoke-C2Captured { Disconnect-C2Socket -Verbose }
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings | Should -BeNullOrEmpty
        $r.Verbose -join "`n" | Should -Match 'nothing to close'
    }

    It 'is idempotent for a session piped or passed again: no error, -Verbose says it is already Disconnected' {
        $s = Connect-C2TestSession $Sim
        $s | Disconnect-C2Socket
        $piped = Invoke-C2Captured { $s | Disconnect-C2Socket -Verbose }
        $positional = Invoke-C2Captured { Disconnect-C2Socket $s -Verbose -PassThru }
        foreach ($r in $piped, $positional) {
            $r.Errors | Should -BeNullOrEmpty
            $r.Verbose -join "`n" | Should -Match "Session $($s.Id) is already Disconnected"
        }
        $positional.Output[0].Id | Should -Be $s.Id
        Wait-C2TestConnections $Sim 0
    }

    It 'closes a Failed session without an error (the session gave up reconnecting)' {
        $s = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 1 }
        Invoke-C2TestFault $Sim reject -Query @{ count = 1; status = 503 }
        Invoke-C2TestFault $Sim drop
        Wait-C2Condition { $s.State -eq 'Failed' } 'the session gave up'
        $r = Invoke-C2Captured { Disconnect-C2Socket -Verbose; Disconnect-C2Socket -Session $s -Verbose }
        # The only error is the session's own failure, said once by the first command that uses the session after it.
        @($r.Errors | Where-Object { $_.FullyQualifiedErrorId -notlike 'C2ReconnectFailed,*' }) | Should -BeNullOrEmpty
        @($r.Errors).Count | Should -BeLessOrEqual 1
        $r.Verbose -join "`n" | Should -Match "Session $($s.Id) is already Failed"
        Get-C2Session | Should -BeNullOrEmpty
    }

    It 'refuses <Script> with <ErrorId>' -ForEach @(
        @{ Script = 'Disconnect-C2Socket -Session $null'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('Session') }
        @{ Script = '$null = Connect-C2TestSession $Sim; Disconnect-C2Socket -All -Session (Get-C2Session -Default)'; ErrorId = 'AmbiguousParameterSet'; Mentions = @() }
        @{ Script = 'Disconnect-C2Socket -Session ''not a session'''; ErrorId = 'ParameterArgumentTransformationError'; Mentions = @('Session', 'not a session', 'Get-C2Session') }
    ) {
        $r = Invoke-C2Captured ([scriptblock]::Create($Script))
        $r.Errors[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be $ErrorId
        $message = Get-C2ErrorMessage $r.Errors[0]
        foreach ($m in $Mentions) { $message | Should -BeLike "*$m*" }
    }
}
