# Tab completion (TabExpansion2, what the console calls on Tab) from local state only.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
    $Folder = New-C2TestFolder

    function Get-Completion([string] $InputText) {
        @((TabExpansion2 -inputScript $InputText -cursorColumn $InputText.Length).CompletionMatches | ForEach-Object CompletionText)
    }
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
    if ($Folder) { Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Argument completion' {
    BeforeAll {
        Reset-C2TestSessions
        $checkpoint = Join-Path $Folder 'complete.checkpoint.json'
        Set-Content -LiteralPath $checkpoint -Value '{"version":1,"streams":{"strategy.signal:55501234":17}}'
        $global:C2CompletionSession = Connect-C2TestSession $Sim -With @{ CheckpointPath = $checkpoint }
        $null = Add-C2Subscription -StrategyId 12345678, 12399999
    }

    AfterAll { Remove-Variable -Name C2CompletionSession -Scope Global -ErrorAction SilentlyContinue }

    It '-StrategyId offers the subscribed strategies and those of the checkpoint' {
        Get-Completion 'Receive-C2Signal -StrategyId ' | Should -Be '12345678', '12399999', '55501234'
    }

    It '-StrategyId completes the digits typed so far, on every cmdlet that has it' {
        Get-Completion 'Get-C2Subscription -StrategyId 123' | Should -Be '12345678', '12399999'
        Get-Completion 'Remove-C2Subscription -StrategyId 555' | Should -Be '55501234'
        Get-Completion 'Add-C2Subscription -Session $C2CompletionSession -StrategyId 1234' | Should -Be '12345678'
    }

    It '-StrategyId tooltips say what each id is' {
        $r = TabExpansion2 -inputScript 'Receive-C2Signal -StrategyId 555' -cursorColumn 'Receive-C2Signal -StrategyId 555'.Length
        $r.CompletionMatches[0].ToolTip | Should -Match 'checkpoint'
    }

    It '-Channel offers the two channels and completes a prefix' {
        Get-Completion 'Add-C2Subscription -StrategyId 1 -Channel ' | Sort-Object | Should -Be 'strategy.positions', 'strategy.signal'
        Get-Completion 'Receive-C2Signal -Channel strategy.p' | Should -Be 'strategy.positions'
    }

    It '-Session offers the id of each session, which binds to that session' {
        $second = Connect-C2TestSession $Sim
        try {
            $ids = (Get-C2Session).Id
            $offered = Get-Completion 'Get-C2Subscription -Session '
            $offered | Should -Be ($ids | ForEach-Object { [string]$_ })
            (Invoke-Expression "Get-C2Subscription -Session $($offered[0])").StrategyId | Should -Be 12345678, 12399999
        }
        finally { $second | Disconnect-C2Socket }
    }

    It 'follows the default session, and an explicit -Session wins' {
        $fresh = Connect-C2TestSession $Sim
        try {
            # The new default has no subscription and no checkpoint: nothing to offer.
            Get-Completion 'Receive-C2Signal -StrategyId ' | Should -BeNullOrEmpty
            (Get-Completion 'Receive-C2Signal -Session $C2CompletionSession -StrategyId ').Count | Should -Be 3
        }
        finally { $fresh | Disconnect-C2Socket }
    }
}
