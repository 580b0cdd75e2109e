# examples/Invoke-C2CatchUp.ps1 run twice in its own pwsh, as a scheduled task would: the second run gets only
# what was published after the first one.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
    $Folder = New-C2TestFolder
    $Script = Join-Path $C2RepoRoot 'examples' 'Invoke-C2CatchUp.ps1'
    $Checkpoint = Join-Path $Folder 'c2.checkpoint.json'
    $Csv = Join-Path $Folder 'signals.csv'
    $Seen = Join-Path $Folder 'seen.txt'

    # Starts the script in a child pwsh (key in its environment, the built module on its PSModulePath).
    function Start-CatchUp([double] $IdleTimeoutSec, [string] $ApiKey = $Sim.ApiKey, [string] $Extra = '') {
        $command = "& '$Script' -StrategyId 31337, 31338 -Uri '$($Sim.Uri)' -CheckpointPath '$Checkpoint' -CsvPath '$Csv' -IdleTimeoutSec $IdleTimeoutSec $Extra " +
            "-Process { param(`$s) Add-Content -LiteralPath '$Seen' -Value ('{0}:{1}:{2}' -f `$s.StrategyId, `$s.SeqId, `$_.symbol) }; exit `$LASTEXITCODE"
        $pwsh = Get-C2PwshCommand
        $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh.FileName)
        foreach ($a in @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', $command)) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        if ($ApiKey) { $psi.Environment['C2_API_KEY'] = $ApiKey } else { $null = $psi.Environment.Remove('C2_API_KEY') }
        $psi.Environment['PSModulePath'] = (Join-Path $C2RepoRoot 'out') + [System.IO.Path]::PathSeparator + $env:PSModulePath
        $p = [System.Diagnostics.Process]::Start($psi)
        [pscustomobject]@{ Process = $p; Stdout = $p.StandardOutput.ReadToEndAsync(); Stderr = $p.StandardError.ReadToEndAsync() }
    }

    function Wait-CatchUp($Run, [int] $TimeoutSec = 60) {
        if (-not $Run.Process.WaitForExit($TimeoutSec * 1000)) { $Run.Process.Kill($true); throw "The catch-up run did not finish within $TimeoutSec s." }
        [pscustomobject]@{ ExitCode = $Run.Process.ExitCode; Stdout = $Run.Stdout.Result; Stderr = $Run.Stderr.Result }
    }

    function Get-Seen { if (Test-Path -LiteralPath $Seen) { @(Get-Content -LiteralPath $Seen | Sort-Object) } else { @() } }
}

AfterAll {
    Stop-C2TestSimulator $Sim
    if ($Folder) { Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Invoke-C2CatchUp.ps1 as a scheduled task' {
    It 'Get-Help shows its synopsis, its exit codes and its examples' {
        $help = Get-Help $Script -Full
        $help.Synopsis | Should -Match 'scheduled task'
        ($help.description | ForEach-Object Text) -join "`n" | Should -Match 'Exit codes'
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
    }

    It 'the first run processes what is published while it runs, writes the checkpoint and exits 0' {
        $run = Start-CatchUp -IdleTimeoutSec 2
        Wait-C2TestSubscriptions $Sim 2 -TimeoutSec 30
        $null = Publish-C2TestSignal $Sim 31337 @{ symbol = 'ESZ6'; side = 'buy'; quantity = 1 }
        $null = Publish-C2TestSignal $Sim 31338 @{ symbol = 'CLF7'; side = 'sell'; quantity = 2 }
        $null = Publish-C2TestSignal $Sim 31337 @{ symbol = 'ESZ6'; side = 'sell'; quantity = 1 }
        $r = Wait-CatchUp $run
        $r.Stderr | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        Get-Seen | Should -Be '31337:1:ESZ6', '31337:2:ESZ6', '31338:1:CLF7'
        $streams = (Get-Content -LiteralPath $Checkpoint -Raw | ConvertFrom-Json).streams
        $streams.'strategy.signal:31337'.seq | Should -Be 2
        $streams.'strategy.signal:31338'.seq | Should -Be 1
        Wait-C2TestConnections $Sim 0
    }

    It 'the second run gets only the signals published since, and exits 0' {
        $null = Publish-C2TestSignal $Sim 31337 @{ symbol = 'NQZ6'; side = 'buy'; quantity = 3 }
        $null = Publish-C2TestSignal $Sim 31338 @{ symbol = 'CLF7'; side = 'buy'; quantity = 4 }
        Remove-Item -LiteralPath $Seen
        $r = Wait-CatchUp (Start-CatchUp -IdleTimeoutSec 1)
        $r.Stderr | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        Get-Seen | Should -Be '31337:3:NQZ6', '31338:2:CLF7'
        Get-Content -LiteralPath $Csv -Raw | Should -Match 'NQZ6'
    }

    It 'a run with nothing new processes nothing and exits 0' {
        Remove-Item -LiteralPath $Seen
        $r = Wait-CatchUp (Start-CatchUp -IdleTimeoutSec 0.5)
        $r.ExitCode | Should -Be 0
        Get-Seen | Should -BeNullOrEmpty
    }

    It 'without any key it exits 3 and connects nowhere' {
        $before = (Get-C2TestStats $Sim).connections_accepted
        $r = Wait-CatchUp (Start-CatchUp -IdleTimeoutSec 0.5 -ApiKey '' -Extra '-SecretName none')
        $r.ExitCode | Should -Be 3
        $r.Stderr | Should -Match 'C2_API_KEY'
        (Get-C2TestStats $Sim).connections_accepted | Should -Be $before
    }
}
