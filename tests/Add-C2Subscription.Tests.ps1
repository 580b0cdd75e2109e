BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'Add-C2Subscription' {
    BeforeEach {
        Reset-C2TestSessions
        Wait-C2TestConnections $Sim 0
        $session = Connect-C2TestSession $Sim
    }

    It 'subscribes, waits for the acknowledgement and returns an active C2Subscription' {
        $sub = Add-C2Subscription -StrategyId 4001
        $sub | Should -BeOfType ([C2WebSocket.C2Subscription])
        $sub.StrategyId | Should -Be 4001
        $sub.Channel | Should -Be 'strategy.signal'
        $sub.State | Should -Be 'Active'
        $sub.SessionId | Should -Be $session.Id
        Wait-C2TestSubscriptions $Sim 1
    }

    It 'subscribes every strategy on every channel given' {
        $subs = $session | Add-C2Subscription -StrategyId 4002, 4003 -Channel strategy.signal, strategy.positions
        @($subs).Count | Should -Be 4
        ($subs | ForEach-Object { '{0}:{1}' -f $_.Channel, $_.StrategyId } | Sort-Object) |
            Should -Be 'strategy.positions:4002', 'strategy.positions:4003', 'strategy.signal:4002', 'strategy.signal:4003'
        Wait-C2TestSubscriptions $Sim 4
    }

    It 'takes strategy ids from the pipeline by property name' {
        $subs = @([pscustomobject]@{ StrategyId = 4004 }, [pscustomobject]@{ StrategyId = 4005; Channel = 'strategy.positions' }) | Add-C2Subscription
        ($subs | ForEach-Object { '{0}:{1}' -f $_.Channel, $_.StrategyId }) | Should -Be 'strategy.signal:4004', 'strategy.positions:4005'
    }

    It 'a refused strategy is C2SubscriptionRefused (PermissionDenied) with the server''s code, and the others are still subscribed' {
        $r = Invoke-C2Captured { Add-C2Subscription -StrategyId $C2ForbiddenStrategy, 4006 }
        $r.Errors.Count | Should -Be 1
        $e = $r.Errors[0]
        $e.FullyQualifiedErrorId | Should -Be 'C2SubscriptionRefused,C2WebSocket.Commands.AddC2SubscriptionCommand'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $e.ToString() | Should -Match 'FORBIDDEN'
        $e.ToString() | Should -Match 'StrategyId'
        $e.ToString() | Should -Match 'Not authorized to subscribe to Strategy'
        $r.Output.StrategyId | Should -Be 4006
        (Get-C2Subscription).StrategyId | Should -Be 4006
    }

    It '-ResumeFrom replays the signals published after that seq_id' {
        $null = Publish-C2TestSignal $Sim 4007 -Count 5
        $null = Add-C2Subscription -StrategyId 4007 -ResumeFrom 2
        (Receive-C2Signal -Count 3 -TimeoutSec 20).SeqId | Should -Be 3, 4, 5
    }

    It 'without -ResumeFrom only what is published from now on arrives' {
        $null = Publish-C2TestSignal $Sim 4008 -Count 3
        $null = Add-C2Subscription -StrategyId 4008
        $null = Publish-C2TestSignal $Sim 4008
        (Receive-C2Signal -Count 1 -TimeoutSec 20).SeqId | Should -Be 4
        # A sentinel proves nothing older was queued behind it.
        $null = Publish-C2TestSignal $Sim 4008
        (Receive-C2Signal -Count 1 -TimeoutSec 20).SeqId | Should -Be 5
    }

    It '-WhatIf sends nothing' {
        $r = Invoke-C2Captured { Add-C2Subscription -StrategyId 4009 -WhatIf }
        $r.Output | Should -BeNullOrEmpty
        Get-C2Subscription | Should -BeNullOrEmpty
        (Get-C2TestStats $Sim).subscribes | Should -Not -BeNullOrEmpty
        Get-C2TestSubscriptionCount $Sim | Should -Be 0
    }

    It 'a server that does not answer is C2SubscriptionTimeout (OperationTimeout) after -TimeoutSec' {
        Invoke-C2TestFault $Sim freeze
        try {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $r = Invoke-C2Captured { Add-C2Subscription -StrategyId 4010 -TimeoutSec 1 }
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        }
        finally { Invoke-C2TestFault $Sim unfreeze }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2SubscriptionTimeout,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
    }

    It '-TimeoutSec 0 means no limit: it waits for the acknowledgement' {
        $r = Invoke-C2Captured { Add-C2Subscription -StrategyId 4011 -TimeoutSec 0 }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].State | Should -Be 'Active'
        Wait-C2TestSubscriptions $Sim 1
    }

    It 'is refused with C2NoSession when there is no session' {
        Reset-C2TestSessions
        $r = Invoke-C2Captured { Add-C2Subscription -StrategyId 1 }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2NoSession,*'
    }

    It 'refuses <Script> with <ErrorId> naming <Mentions>' -ForEach @(
        @{ Script = 'Add-C2Subscription -StrategyId 0'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('StrategyId') }
        @{ Script = 'Add-C2Subscription -StrategyId -5'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('StrategyId') }
        @{ Script = 'Add-C2Subscription -StrategyId 1 -Channel strategy.orders'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('Channel', 'strategy.signal', 'strategy.positions') }
        @{ Script = 'Add-C2Subscription -StrategyId 1 -ResumeFrom -1'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('ResumeFrom') }
        @{ Script = 'Add-C2Subscription -StrategyId 1 -TimeoutSec -1'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('TimeoutSec') }
        @{ Script = 'Add-C2Subscription -StrategyId 1 -Channel strategy.positions -ResumeFrom 5'; ErrorId = 'C2ResumeFromNotSupported'; Mentions = @('-ResumeFrom', 'strategy.signal') }
        @{ Script = 'Add-C2Subscription -StrategyId 1 -Session $null'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('Session') }
        @{ Script = 'Add-C2Subscription -StrategyId ESZ6'; ErrorId = 'ParameterArgumentTransformationError'; Mentions = @('StrategyId', 'ESZ6') }
    ) {
        $r = Invoke-C2Captured ([scriptblock]::Create($Script))
        $r.Output | Should -BeNullOrEmpty
        $r.Errors[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be $ErrorId
        $message = Get-C2ErrorMessage $r.Errors[0]
        foreach ($m in $Mentions) { $message | Should -BeLike "*$m*" }
        Get-C2TestSubscriptionCount $Sim | Should -Be 0
    }
}
