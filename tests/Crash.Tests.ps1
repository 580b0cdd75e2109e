# Scheduled tasks killed with SIGKILL at random moments (issue 23), Jepsen style: each scenario is a user's script
# run again and again in a child pwsh, killed at a random moment while the simulator publishes to three strategies
# and connections drop, then run once more to drain. Whatever the script is, every published signal must reach its
# output (nothing lost, ever) and the checkpoint file must parse after every kill; duplicates must stay within what
# the checkpoint mode promises. C2_CRASH_KILLS overrides the number of kills (30) for quick local runs.

Describe 'A scheduled task killed with SIGKILL at random moments' -Tag 'Crash' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'common.ps1')
        . (Join-Path $PSScriptRoot 'CrashHarness.ps1')
        $Sim = Start-C2TestSimulator
        $Kills = if ($env:C2_CRASH_KILLS) { [int]$env:C2_CRASH_KILLS } else { 30 }

        function Invoke-Scenario([string] $Name, [string] $Script, [long[]] $StrategyId) {
            $folder = New-C2TestFolder
            $r = Invoke-C2CrashScenario -Simulator $Sim -Script (Join-Path $PSScriptRoot 'crash' $Script) -Folder $folder -StrategyId $StrategyId -Kills $Kills
            foreach ($o in $r.Outcome) {
                Write-Host ("   {0} strategy {1}: {2} published, {3} missing, {4} duplicates ({5} kills, seed {6})" -f $Name, $o.StrategyId, $o.Published, $o.Missing.Count, $o.Duplicates, $r.Kills, $r.Seed)
            }
            foreach ($o in $r.Outcome) {
                $o.Missing | Should -BeNullOrEmpty -Because "$Name must lose nothing: strategy $($o.StrategyId) published 1..$($o.Published) (seed $($r.Seed)); the draining run printed: $($r.DrainOutput)"
            }
            $r.DrainExitCode | Should -Be 0 -Because "the draining run ends normally: $($r.DrainOutput)"
            Remove-Item -LiteralPath $folder -Recurse -Force
            $r
        }
    }
    AfterAll { Stop-C2TestSimulator $Sim }

    It '(a) the help''s pattern, Receive-C2Signal | Export-Csv -Append: nothing lost' {
        $null = Invoke-Scenario '(a) Export-Csv' 'ExportCsv.ps1' 31001, 31002, 31003
    }

    It '(b) appending each signal to a file as it streams: nothing lost' {
        $null = Invoke-Scenario '(b) per row' 'AppendLines.ps1' 31011, 31012, 31013
    }

    It '(c) -ManualCheckpoint, Save-C2Checkpoint after each row: nothing lost, at most one repeat per stream per kill' {
        $r = Invoke-Scenario '(c) save per row' 'SavePerRow.ps1' 31021, 31022, 31023
        foreach ($o in $r.Outcome) { $o.Duplicates | Should -BeLessOrEqual $r.Kills -Because "a kill repeats at most the row in flight of each stream (strategy $($o.StrategyId), seed $($r.Seed))" }
    }

    It '(d) -ManualCheckpoint, Save-C2Checkpoint after each batch of 50: nothing lost, at most the unsaved batch repeated per kill' {
        $r = Invoke-Scenario '(d) save per batch' 'SavePerBatch.ps1' 31031, 31032, 31033
        $total = ($r.Outcome | Measure-Object -Property Duplicates -Sum).Sum
        $total | Should -BeLessOrEqual (50 * $r.Kills) -Because "a kill repeats at most the batch it had not saved (seed $($r.Seed))"
    }
}

Describe 'Overlapping runs of a scheduled task' -Tag 'Crash' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'common.ps1')
        . (Join-Path $PSScriptRoot 'CrashHarness.ps1')
        $Sim = Start-C2TestSimulator
        $Pairs = if ($env:C2_CRASH_PAIRS) { [int]$env:C2_CRASH_PAIRS } else { 20 }
    }
    AfterAll { Stop-C2TestSimulator $Sim }

    It 'two runs started together: exactly one owns the strategies, the other is refused, and no signal is acted on by both' {
        $folder = New-C2TestFolder
        $checkpoint = Join-Path $folder 'c2.checkpoint.json'
        $script = Join-Path $PSScriptRoot 'crash' 'Overlap.ps1'
        for ($pair = 1; $pair -le $Pairs; $pair++) {
            $runs = foreach ($k in 1, 2) {
                $file = Join-Path $folder "pair$pair-run$k.txt"
                $env = @{ C2_TEST_MODULE = $C2ModuleManifest; C2_TEST_URI = $Sim.Uri; C2_TEST_KEY = $Sim.ApiKey; C2_TEST_CHECKPOINT = $checkpoint
                          C2_TEST_STRATEGIES = '33001,33002'; C2_TEST_OUT_FILE = $file }
                [pscustomobject]@{ File = $file; Child = Start-C2CrashChild -Script $script -Environment $env }
            }
            Wait-C2Condition { @($runs | Where-Object { Test-Path -LiteralPath "$($_.File).state" }).Count -eq 2 } "both runs of pair $pair decided" -TimeoutSec 60
            foreach ($sid in 33001, 33002) { $null = Publish-C2TestSignal $Sim $sid -Count 3 }
            foreach ($r in $runs) { $null = Wait-C2CrashChild $r.Child -TimeoutSec 60 }
            $states = @($runs | ForEach-Object { [System.IO.File]::ReadAllText("$($_.File).state") })
            @($states | Where-Object { $_ -eq 'OWNER' }).Count | Should -Be 1 -Because "pair $pair`: $($states -join ' / ')"
            @($states | Where-Object { $_ -like 'C2CheckpointInUse*' }).Count | Should -Be 1 -Because "pair $pair`: $($states -join ' / ')"
            $rows = @($runs | ForEach-Object { if (Test-Path -LiteralPath $_.File) { , @(Get-Content -LiteralPath $_.File) } else { , @() } })
            @($rows[0] | Where-Object { $rows[1] -contains $_ }) | Should -BeNullOrEmpty -Because "no seq_id may be acted on by both runs of pair $pair"
        }
        # Every signal was acted on by the owners, each once.
        $all = @(Get-ChildItem -LiteralPath $folder -Filter 'pair*-run?.txt' | Get-Content)
        foreach ($sid in 33001, 33002) {
            @($all | Where-Object { $_ -like "$sid *" } | Sort-Object { [long]($_ -split ' ')[1] }) | Should -Be (1..(3 * $Pairs) | ForEach-Object { "$sid $_" })
        }
        Remove-Item -LiteralPath $folder -Recurse -Force
    }
}
