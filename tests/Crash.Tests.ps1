# Scheduled tasks killed at random moments (issue 23): what reaches the script's output, and what a kill repeats.
BeforeDiscovery { }

Describe 'A scheduled task killed with SIGKILL at random moments' -Tag 'Crash' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'common.ps1')
        . (Join-Path $PSScriptRoot 'CrashHarness.ps1')
        $Sim = Start-C2TestSimulator
        $Kills = if ($env:C2_CRASH_KILLS) { [int]$env:C2_CRASH_KILLS } else { 30 }
    }
    AfterAll { Stop-C2TestSimulator $Sim }

    It '(a) the help''s pattern, Receive-C2Signal | Export-Csv -Append, loses no published signal' {
        $folder = New-C2TestFolder
        $r = Invoke-C2CrashScenario -Simulator $Sim -Script (Join-Path $PSScriptRoot 'crash/ExportCsv.ps1') -Folder $folder -StrategyId 31001, 31002, 31003 -Kills $Kills
        foreach ($o in $r.Outcome) { Write-Host ("   (a) strategy {0}: {1} published, {2} missing, {3} duplicates (seed {4}, {5} kills)" -f $o.StrategyId, $o.Published, $o.Missing.Count, $o.Duplicates, $r.Seed, $r.Kills) }
        foreach ($o in $r.Outcome) { $o.Missing | Should -BeNullOrEmpty -Because "strategy $($o.StrategyId) published 1..$($o.Published) (seed $($r.Seed)); drain output: $($r.DrainOutput)" }
    }
}
