BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'Remove-C2Subscription' {
    BeforeEach {
        Reset-C2TestSessions
        Wait-C2TestConnections $Sim 0
        $session = Connect-C2TestSession $Sim
    }

    It 'removes the subscriptions piped from Get-C2Subscription, on the server too' {
        $null = Add-C2Subscription -StrategyId 5001, 5002, 5003
        Get-C2Subscription -StrategyId 5001, 5002 | Remove-C2Subscription
        (Get-C2Subscription).StrategyId | Should -Be 5003
        Wait-C2TestSubscriptions $Sim 1
    }

    It 'removes by -StrategyId and only the -Channel given' {
        $null = Add-C2Subscription -StrategyId 5004 -Channel strategy.signal, strategy.positions
        Remove-C2Subscription -StrategyId 5004 -Channel strategy.positions
        (Get-C2Subscription -StrategyId 5004).Channel | Should -Be 'strategy.signal'
        Wait-C2TestSubscriptions $Sim 1
    }

    It 'removes every channel of a strategy when -Channel is left out' {
        $null = Add-C2Subscription -StrategyId 5005 -Channel strategy.signal, strategy.positions
        Remove-C2Subscription 5005
        Get-C2Subscription | Should -BeNullOrEmpty
        Wait-C2TestSubscriptions $Sim 0
    }

    It '-PassThru returns the removed subscriptions' {
        $sub = Add-C2Subscription -StrategyId 5006
        $removed = $sub | Remove-C2Subscription -PassThru
        $removed.StrategyId | Should -Be 5006
        $removed.State | Should -Be 'Removed'
    }

    It 'stops the signals of the removed strategy and keeps the others flowing' {
        $null = Add-C2Subscription -StrategyId 5007, 5008
        Remove-C2Subscription -StrategyId 5007
        Wait-C2TestSubscriptions $Sim 1
        $null = Publish-C2TestSignal $Sim 5007 @{ tag = 'removed' }
        $null = Publish-C2TestSignal $Sim 5008 @{ tag = 'kept' }
        # Published first on the same connection: had the removed one arrived, it would come first.
        (Receive-C2Signal -Count 1 -TimeoutSec 20).tag | Should -Be 'kept'
    }

    It 'discards what was queued for the removed strategy, says how many with -Verbose, and keeps the rest' {
        $null = Add-C2Subscription -StrategyId 5020, 5021
        $null = Publish-C2TestSignal $Sim 5020 -Count 3
        $null = Publish-C2TestSignal $Sim 5021 -Count 2
        Wait-C2Condition { $session.InboxCount -eq 5 } 'five signals queued' -TimeoutSec 20
        $r = Invoke-C2Captured { Remove-C2Subscription -StrategyId 5020 -Verbose }
        $r.Errors | Should -BeNullOrEmpty
        $r.Verbose -join "`n" | Should -Match '3 queued message\(s\) of it were discarded'
        $session.InboxCount | Should -Be 2
        (Receive-C2Signal -Count 2 -TimeoutSec 20).StrategyId | Should -Be 5021, 5021
    }

    It '-WhatIf removes nothing' {
        $null = Add-C2Subscription -StrategyId 5009
        Get-C2Subscription | Remove-C2Subscription -WhatIf
        (Get-C2Subscription).State | Should -Be 'Active'
        Wait-C2TestSubscriptions $Sim 1
    }

    It 'works on the session given with -Session, not the default one' {
        $null = $session | Add-C2Subscription -StrategyId 5010
        $other = Connect-C2TestSession $Sim
        $null = $other | Add-C2Subscription -StrategyId 5010
        Remove-C2Subscription -Session $session -StrategyId 5010
        Get-C2Subscription -Session $session | Should -BeNullOrEmpty
        (Get-C2Subscription -Session $other).StrategyId | Should -Be 5010
    }

    It 'a strategy without a subscription is C2SubscriptionNotFound (ObjectNotFound) naming -StrategyId' {
        $r = Invoke-C2Captured { Remove-C2Subscription -StrategyId 424242 }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2SubscriptionNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-C2ErrorMessage $r.Errors[0] | Should -BeLike '*-StrategyId*424242*'
    }

    It '-TimeoutSec 0 means no limit: it waits for the reply and removes the subscription' {
        $null = Add-C2Subscription -StrategyId 5010
        Wait-C2TestSubscriptions $Sim 1
        $r = Invoke-C2Captured { Remove-C2Subscription -StrategyId 5010 -TimeoutSec 0 -PassThru -Verbose }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].State | Should -Be 'Removed'
        $r.Verbose -join "`n" | Should -Not -Match 'did not answer'
        Wait-C2TestSubscriptions $Sim 0
    }

    It '-TimeoutSec 0 waits for a server that never answers an unsubscribe until the command is stopped (Ctrl+C)' {
        $sub = Add-C2Subscription -StrategyId 5011
        Wait-C2TestSubscriptions $Sim 1
        $null = Invoke-C2Control -Simulator $Sim -Path 'options' -Query @{ unsubscribe_ack = 'false' }
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($m, $s) Import-Module $m; Remove-C2Subscription -Subscription $s -TimeoutSec 0').AddArgument($C2ModuleManifest).AddArgument($sub)
            $async = $ps.BeginInvoke()
            # The server has processed the unsubscribe (it holds no subscription) and sent no reply: the command still waits.
            Wait-C2TestSubscriptions $Sim 0
            $sub.State | Should -Be 'Removed'
            $async.IsCompleted | Should -BeFalse
            $ps.Stop()
            $async.IsCompleted | Should -BeTrue
        }
        finally {
            $ps.Dispose()
            $null = Invoke-C2Control -Simulator $Sim -Path 'options' -Query @{ unsubscribe_ack = 'true' }
        }
    }

    It 'is refused with C2NoSession when there is no session' {
        Reset-C2TestSessions
        $r = Invoke-C2Captured { Remove-C2Subscription -StrategyId 1 }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2NoSession,*'
    }

    It 'refuses <Script> with <ErrorId> naming <Mentions>' -ForEach @(
        @{ Script = 'Remove-C2Subscription -StrategyId 0'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('StrategyId') }
        @{ Script = 'Remove-C2Subscription -StrategyId 1 -Channel nope'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('Channel', 'strategy.signal') }
        @{ Script = 'Remove-C2Subscription -StrategyId 1 -TimeoutSec -1'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('TimeoutSec') }
        @{ Script = 'Remove-C2Subscription -Subscription $null'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('Subscription') }
    ) {
        $r = Invoke-C2Captured ([scriptblock]::Create($Script))
        $r.Errors[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be $ErrorId
        $message = Get-C2ErrorMessage $r.Errors[0]
        foreach ($m in $Mentions) { $message | Should -BeLike "*$m*" }
    }
}
