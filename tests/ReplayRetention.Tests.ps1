# A resume point below what the server still holds (issue 24, 1b). The server holds only the newest 1,200 of 1,500
# signals; -ResumeFrom 100 asks for 101 on. Signals 101..300 are gone for good: they must be reported, once, with exact
# bounds, and every held signal delivered once, in order. The C2 docs are silent on what a server does there, so the
# simulator plays both branches (src/C2WebSocket.Simulator/README.md, open points): (A) the replay simply starts at the
# oldest held; (B) a gap at once, then that replay.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
}

AfterAll {
    Reset-C2TestSessions
    $null = Invoke-C2Control -Simulator $Sim -Path options -Query @{ replay_retention = 0; below_retention = 'replay' }
    Stop-C2TestSimulator $Sim
}

Describe 'Add-C2Subscription -ResumeFrom below the server''s retention' {
    BeforeEach { Reset-C2TestSessions }

    It 'delivers 301..1500 once, in order, and reports 101..300 as one C2ReplayGap (branch <Branch>)' -ForEach @(
        @{ Branch = 'replay'; StrategyId = 9201 }
        @{ Branch = 'gap-first'; StrategyId = 9202 }
    ) {
        $null = Invoke-C2Control -Simulator $Sim -Path options -Query @{ replay_retention = 1200; below_retention = $Branch }
        $null = Publish-C2TestSignal $Sim $StrategyId -Count 1500
        $null = Connect-C2TestSession $Sim
        $null = Add-C2Subscription -StrategyId $StrategyId -ResumeFrom 100

        $got = Receive-C2Signal -Count 1200 -TimeoutSec 60 -ErrorVariable problems -ErrorAction SilentlyContinue
        $got.Count | Should -Be 1200
        ($got.SeqId -join ',') | Should -Be ((301..1500) -join ',')

        @($problems).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'C2ReplayGap*'
        $problems[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $gap = $problems[0].TargetObject
        $gap.StrategyId | Should -Be $StrategyId
        $gap.AfterSeqId | Should -Be 100
        $gap.BeforeSeqId | Should -Be 301
        (Get-C2ErrorMessage $problems[0]) | Should -Match 'seq_id > 100 and < 301'

        # Nothing more was held back: the next signal comes live, and no other error.
        $null = Publish-C2TestSignal $Sim $StrategyId
        $next = Receive-C2Signal -Count 1 -TimeoutSec 20 -ErrorVariable later -ErrorAction SilentlyContinue
        $next.SeqId | Should -Be 1501
        $later | Should -BeNullOrEmpty
    }
}
