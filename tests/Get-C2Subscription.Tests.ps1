BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'Get-C2Subscription' {
    BeforeEach {
        Reset-C2TestSessions
        $session = Connect-C2TestSession $Sim
        $null = Add-C2Subscription -StrategyId 6001, 6002 -Channel strategy.signal, strategy.positions
    }

    It 'lists every subscription of the default session' {
        $subs = Get-C2Subscription
        @($subs).Count | Should -Be 4
        $subs | ForEach-Object { $_ | Should -BeOfType ([C2WebSocket.C2Subscription]) }
        $subs.SessionId | Select-Object -Unique | Should -Be $session.Id
    }

    It 'filters by -StrategyId and -Channel, also given by position' {
        @(Get-C2Subscription -StrategyId 6001).Count | Should -Be 2
        @(Get-C2Subscription -Channel strategy.positions).StrategyId | Sort-Object | Should -Be 6001, 6002
        (Get-C2Subscription 6002 strategy.signal).Channel | Should -Be 'strategy.signal'
        Get-C2Subscription -StrategyId 999 | Should -BeNullOrEmpty
    }

    It 'reads the session piped to it' {
        $other = Connect-C2TestSession $Sim
        $other | Get-C2Subscription | Should -BeNullOrEmpty
        @($session | Get-C2Subscription).Count | Should -Be 4
    }

    It 'shows the last seq_id delivered on each stream' {
        $null = Publish-C2TestSignal $Sim 6001 -Count 3
        $null = Receive-C2Signal -Count 3 -TimeoutSec 20
        $seq = (Get-C2Subscription -StrategyId 6001 -Channel strategy.signal).LastSeqId
        $seq | Should -Be 3
    }

    It 'keeps Active subscriptions across a reconnect' {
        Invoke-C2TestFault $Sim drop
        Wait-C2Condition { $session.Reconnects -ge 1 -and $session.State -eq 'Connected' } 'the reconnect'
        Wait-C2TestSubscriptions $Sim 4
        Wait-C2Condition { @(Get-C2Subscription | Where-Object State -ne 'Active').Count -eq 0 } 'every subscription active again'
        @(Get-C2Subscription).Count | Should -Be 4
    }

    It 'is refused with C2NoSession when there is no session' {
        Reset-C2TestSessions
        $r = Invoke-C2Captured { Get-C2Subscription }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2NoSession,*'
    }

    It 'refuses <Script> with <ErrorId> naming <Mentions>' -ForEach @(
        @{ Script = 'Get-C2Subscription -StrategyId 0'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('StrategyId') }
        @{ Script = 'Get-C2Subscription -Channel nope'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('Channel', 'strategy.positions') }
        @{ Script = 'Get-C2Subscription -Session $null'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('Session') }
    ) {
        $r = Invoke-C2Captured ([scriptblock]::Create($Script))
        $r.Errors[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be $ErrorId
        $message = Get-C2ErrorMessage $r.Errors[0]
        foreach ($m in $Mentions) { $message | Should -BeLike "*$m*" }
    }
}
