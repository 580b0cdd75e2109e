# examples/Invoke-C2CatchUp.ps1 run as a scheduled task runs it: pwsh -NoProfile -NonInteractive -File <script> <arguments>,
# in its own process, the key in its environment, the module NOT on PSModulePath (the script finds the build beside
# itself). Each run's CSV, exit code and output are what the tests read; run N+1 gets only what run N did not process.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
    $Folder = New-C2TestFolder
    $Script = Join-Path $C2RepoRoot 'examples' 'Invoke-C2CatchUp.ps1'
    # A PSModulePath on which C2WebSocket is not installed (pwsh adds its own module folders to it).
    $NoModules = (New-Item -ItemType Directory -Path (Join-Path $Folder 'no-modules')).FullName
    $IsoTime = '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(\d{4})?\+00:00$'

    # Starts the script in a child pwsh. -Arguments go to the script as separate command-line words (pwsh -File),
    # or, with -Command, -CommandText is run by pwsh -Command.
    function Start-CatchUp {
        param([string[]] $Arguments, [string] $CommandText, [string] $ApiKey = $Sim.ApiKey)
        $pwsh = Get-C2PwshCommand
        $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh.FileName)
        $words = @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive')
        $words += if ($CommandText) { @('-Command', $CommandText) } else { @('-File', $Script) + $Arguments }
        foreach ($a in $words) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        if ($ApiKey) { $psi.Environment['C2_API_KEY'] = $ApiKey } else { $null = $psi.Environment.Remove('C2_API_KEY') }
        $psi.Environment['PSModulePath'] = $NoModules
        $psi.Environment['NO_COLOR'] = '1'     # plain text in the captured output
        $p = [System.Diagnostics.Process]::Start($psi)
        [pscustomobject]@{ Process = $p; Stdout = $p.StandardOutput.ReadToEndAsync(); Stderr = $p.StandardError.ReadToEndAsync() }
    }

    function Wait-CatchUp($Run, [int] $TimeoutSec = 90) {
        if (-not $Run.Process.WaitForExit($TimeoutSec * 1000)) { $Run.Process.Kill($true); throw "The catch-up run did not finish within $TimeoutSec s." }
        $Run.Process.WaitForExit()
        [pscustomobject]@{ ExitCode = $Run.Process.ExitCode; Stdout = $Run.Stdout.Result; Stderr = $Run.Stderr.Result }
    }

    # A scheduled run with its own checkpoint and CSV under $Folder (named after -Name); returns its result.
    function Invoke-CatchUp([string] $Name, [string] $StrategyIds, [double] $IdleTimeoutSec = 1, [string[]] $Extra = @()) {
        Wait-CatchUp (Start-CatchUp -Arguments (@('-StrategyId', $StrategyIds) + (Get-RunArguments $Name $IdleTimeoutSec) + $Extra))
    }

    function Get-RunArguments([string] $Name, [double] $IdleTimeoutSec) {
        @('-Uri', $Sim.Uri.ToString(), '-CheckpointPath', (Join-Path $Folder "$Name.checkpoint.json"), '-CsvPath', (Join-Path $Folder "$Name.csv"),
          '-IdleTimeoutSec', $IdleTimeoutSec.ToString([cultureinfo]::InvariantCulture))
    }

    # The rows of a run's CSV as 'strategy:seq'.
    function Get-CsvSignals([string] $Name) {
        $path = Join-Path $Folder "$Name.csv"
        if (Test-Path -LiteralPath $path) { @(Import-Csv -LiteralPath $path | ForEach-Object { '{0}:{1}' -f $_.StrategyId, $_.SeqId }) } else { @() }
    }

    function Get-SubscribedStrategies { @((Get-C2TestStats $Sim).connections | ForEach-Object { $_.subscriptions } | ForEach-Object { $_.strategy_id }) | Sort-Object }
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
        @($help.examples.example).Count | Should -BeGreaterOrEqual 3
        ($help.parameters.parameter | Where-Object name -eq 'StrategyId').description.Text | Should -Match 'pwsh -File'
    }

    It 'pwsh -File ... -StrategyId 31337,31338 subscribes to both, logs what is published while it runs, writes the checkpoint and exits 0' {
        $run = Start-CatchUp -Arguments (@('-StrategyId', '31337,31338') + (Get-RunArguments 'main' 5))
        Wait-C2TestSubscriptions $Sim 2 -TimeoutSec 60
        Get-SubscribedStrategies | Should -Be 31337, 31338
        $null = Publish-C2TestSignal $Sim 31337 ([ordered]@{ symbol = 'ESZ6'; side = 'buy'; quantity = 1 })
        $null = Publish-C2TestSignal $Sim 31338 ([ordered]@{ symbol = 'CLF7'; side = 'sell'; quantity = 2 })
        $null = Publish-C2TestSignal $Sim 31337 ([ordered]@{ symbol = 'ESZ6'; side = 'sell'; quantity = 1 })
        $r = Wait-CatchUp $run
        $r.Stderr | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        Get-CsvSignals 'main' | Sort-Object | Should -Be '31337:1', '31337:2', '31338:1'
        $streams = (Get-Content -LiteralPath (Join-Path $Folder 'main.checkpoint.json') -Raw | ConvertFrom-Json).streams
        $streams.'strategy.signal:31337'.seq | Should -Be 2
        $streams.'strategy.signal:31338'.seq | Should -Be 1
        Wait-C2TestConnections $Sim 0
    }

    It 'the CSV has the envelope and payload columns, ISO 8601 times with milliseconds and offset, and no RawJson' {
        $rows = @(Import-Csv -LiteralPath (Join-Path $Folder 'main.csv'))
        $rows[0].PSObject.Properties.Name | Should -Be 'SessionId', 'Channel', 'StrategyId', 'SeqId', 'Id', 'Timestamp', 'ReceivedAt', 'Source', 'strategy_id', 'symbol', 'side', 'quantity'
        foreach ($row in $rows) {
            $row.Source | Should -Be 'Stream'
            $row.Timestamp | Should -Match $IsoTime
            $row.ReceivedAt | Should -Match $IsoTime
        }
        ($rows | Where-Object StrategyId -eq 31338).symbol | Should -Be 'CLF7'
    }

    It 'the second run gets only the signals published since, appends them and exits 0' {
        $null = Publish-C2TestSignal $Sim 31337 @{ symbol = 'NQZ6'; side = 'buy'; quantity = 3 }
        $null = Publish-C2TestSignal $Sim 31338 @{ symbol = 'CLF7'; side = 'buy'; quantity = 4 }
        $r = Invoke-CatchUp 'main' '31337, 31338'
        $r.Stderr | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        Get-CsvSignals 'main' | Sort-Object | Should -Be '31337:1', '31337:2', '31337:3', '31338:1', '31338:2'
    }

    It 'a run with nothing new processes nothing and exits 0' {
        $r = Invoke-CatchUp 'main' '31337;31338' -IdleTimeoutSec 0.5
        $r.ExitCode | Should -Be 0
        @(Get-CsvSignals 'main').Count | Should -Be 5
    }

    It 'called from pwsh -Command, -StrategyId takes a PowerShell list and -Process sees each signal; a field the CSV has no column for is named' {
        $null = Publish-C2TestSignal $Sim 31338 ([ordered]@{ symbol = 'CLG7'; side = 'sell'; quantity = 5; venue = 'NYMEX' })
        $seen = Join-Path $Folder 'seen.txt'
        $words = Get-RunArguments 'main' 1 | ForEach-Object { if ($_ -like '-*') { $_ } else { "'$_'" } }
        $command = "& '$Script' -StrategyId 31337, 31338 $($words -join ' ') " +
            "-Process { param(`$s) Add-Content -LiteralPath '$seen' -Value ('{0}:{1}:{2}' -f `$s.StrategyId, `$s.SeqId, `$_.symbol) }; exit `$LASTEXITCODE"
        $r = Wait-CatchUp (Start-CatchUp -CommandText $command)
        $r.Stderr | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        Get-Content -LiteralPath $seen | Should -Be '31338:3:CLG7'
        $r.Stdout -replace '\s+', ' ' | Should -Match "payload field\(s\) 'venue' \(first in strategy 31338 seq_id 3\) have no column"
        (Import-Csv -LiteralPath (Join-Path $Folder 'main.csv') | Where-Object symbol -eq 'CLG7').SeqId | Should -Be '3'
    }

    It 'without any key it exits 3 and connects nowhere' {
        $before = (Get-C2TestStats $Sim).connections_accepted
        $r = Wait-CatchUp (Start-CatchUp -Arguments (@('-StrategyId', '31337', '-SecretName', 'none') + (Get-RunArguments 'nokey' 0.5)) -ApiKey '')
        $r.ExitCode | Should -Be 3
        $r.Stderr | Should -Match 'C2_API_KEY'
        (Get-C2TestStats $Sim).connections_accepted | Should -Be $before
    }

    It 'a -StrategyId that is not a number exits 1 naming it, and connects nowhere' {
        $before = (Get-C2TestStats $Sim).connections_accepted
        $r = Invoke-CatchUp 'badid' '31337,12x4' -IdleTimeoutSec 0.5
        $r.ExitCode | Should -Be 1
        $r.Stderr | Should -Match "'12x4'"
        (Get-C2TestStats $Sim).connections_accepted | Should -Be $before
    }
}

Describe 'Invoke-C2CatchUp.ps1: run N+1 gets every signal published since run N started' {
    It 'a strategy with older history: run 1 sees nothing, 3 signals are published, run 2 delivers exactly those 3, run 3 nothing new; all exit 0' {
        $null = Publish-C2TestSignal $Sim 31350 -Count 4           # history from before the first run: not wanted
        $r1 = Invoke-CatchUp 'history' '31350'
        $r1.ExitCode | Should -Be 0
        Get-CsvSignals 'history' | Should -BeNullOrEmpty

        $published = Publish-C2TestSignal $Sim 31350 -Count 3
        $published | Should -Be 5, 6, 7
        $r2 = Invoke-CatchUp 'history' '31350'
        $r2.Stderr | Should -BeNullOrEmpty
        $r2.ExitCode | Should -Be 0
        Get-CsvSignals 'history' | Should -Be '31350:5', '31350:6', '31350:7'

        $r3 = Invoke-CatchUp 'history' '31350'
        $r3.Stderr | Should -BeNullOrEmpty
        $r3.ExitCode | Should -Be 0
        Get-CsvSignals 'history' | Should -Be '31350:5', '31350:6', '31350:7'
    }

    It 'a fresh strategy whose first signals come between runs: run 2 delivers seq 2 and 3, reports seq_id 1 as not replayable and exits 2' {
        $r1 = Invoke-CatchUp 'fresh' '31351'
        $r1.ExitCode | Should -Be 0

        $null = Publish-C2TestSignal $Sim 31351 -Count 3           # seq 1..3: the strategy's first signals ever
        $r2 = Invoke-CatchUp 'fresh' '31351'
        $r2.ExitCode | Should -Be 2
        Get-CsvSignals 'fresh' | Should -Be '31351:2', '31351:3'
        $r2.Stderr -replace '\s+', ' ' | Should -Match 'seq_id 1 cannot be replayed'

        $r3 = Invoke-CatchUp 'fresh' '31351'
        $r3.Stderr | Should -BeNullOrEmpty
        $r3.ExitCode | Should -Be 0
        Get-CsvSignals 'fresh' | Should -Be '31351:2', '31351:3'
    }

    It 'a strategy whose sequence restarts between runs: run 3 finds its position gone, warns, delivers the new signals and reports seq_id 1 (exit 2)' {
        $null = Publish-C2TestSignal $Sim 31353 -Count 2
        (Invoke-CatchUp 'restart' '31353').ExitCode | Should -Be 0
        $null = Publish-C2TestSignal $Sim 31353 -Count 3           # seq 3..5
        (Invoke-CatchUp 'restart' '31353').ExitCode | Should -Be 0
        Get-CsvSignals 'restart' | Should -Be '31353:3', '31353:4', '31353:5'

        # The strategy's sequence starts again at 1 and publishes 3 signals: "after seq_id 5" replays nothing at all.
        $null = Invoke-C2Control $Sim 'streams/restart' -Query @{ strategy_id = 31353 }
        Publish-C2TestSignal $Sim 31353 -Count 3 | Should -Be 1, 2, 3
        $r3 = Invoke-CatchUp 'restart' '31353'
        $r3.Stdout -replace '\s+', ' ' | Should -Match 'fetch seq_id 5, the last one delivered, again, but nothing came back'
        $r3.Stderr -replace '\s+', ' ' | Should -Match 'sequence for strategy.signal:31353 restarted'
        $r3.ExitCode | Should -Be 2
        Get-CsvSignals 'restart' | Should -Be '31353:3', '31353:4', '31353:5', '31353:2', '31353:3'

        $r4 = Invoke-CatchUp 'restart' '31353'
        $r4.Stderr | Should -BeNullOrEmpty
        $r4.ExitCode | Should -Be 0
        Get-CsvSignals 'restart' | Should -HaveCount 5
    }

    It 'a fresh strategy that stays quiet: run 2 cannot confirm that no seq_id 1 was published, so it warns once and exits 2; run 3 knows it was said and exits 0' {
        (Invoke-CatchUp 'quiet' '31352').ExitCode | Should -Be 0
        $r2 = Invoke-CatchUp 'quiet' '31352'
        $r2.Stderr | Should -BeNullOrEmpty
        $r2.ExitCode | Should -Be 2
        $text = $r2.Stdout -replace '\s+', ' '
        $text | Should -Match 'strategy.signal:31352 has delivered nothing since it was first watched'
        ([regex]::Matches($text, 'WARNING:')).Count | Should -Be 1 -Because 'one warning per cause per run'
        Get-CsvSignals 'quiet' | Should -BeNullOrEmpty
        $r3 = Invoke-CatchUp 'quiet' '31352'
        $r3.ExitCode | Should -Be 0 -Because 'the checkpoint records that run 2 reported it, and nothing new is missing'
        $r3.Stdout | Should -Not -Match 'WARNING'
        $null = Publish-C2TestSignal $Sim 31352 -Count 2
        $r4 = Invoke-CatchUp 'quiet' '31352'
        $r4.ExitCode | Should -Be 2 -Because 'seq_id 1 came while no run watched: real evidence of a loss is still reported'
        $r4.Stderr -replace '\s+', ' ' | Should -Match 'C2SignalNotReplayable|seq_id 1'
        Get-CsvSignals 'quiet' | Should -Be '31352:2'
    }

    It 'a run started while the previous one still owns the checkpoint does nothing and exits 4; the owner gets every signal once' {
        # The owner must outlive the late run's start on a loaded machine: 15 quiet seconds (the example's default).
        $owner = Start-CatchUp -Arguments (@('-StrategyId', '31370') + (Get-RunArguments 'overlap' 15))
        Wait-C2TestSubscriptions $Sim 1 -TimeoutSec 60
        $late = Wait-CatchUp (Start-CatchUp -Arguments (@('-StrategyId', '31370') + (Get-RunArguments 'overlap' 3)))
        $late.ExitCode | Should -Be 4
        $late.Stderr -replace '\s+', ' ' | Should -Match 'Strategy 31370 of the checkpoint .*overlap\.checkpoint\.json.* is owned by another session \(process \d+'
        $null = Publish-C2TestSignal $Sim 31370 -Count 3
        (Wait-CatchUp $owner).ExitCode | Should -Be 0
        Get-CsvSignals 'overlap' | Should -Be '31370:1', '31370:2', '31370:3'
    }

    It '-IncludePositions writes position updates to a CSV of their own, and each file keeps its own columns' {
        $run = Start-CatchUp -Arguments (@('-StrategyId', '31371', '-IncludePositions') + (Get-RunArguments 'channels' 3))
        Wait-C2TestSubscriptions $Sim 2 -TimeoutSec 60
        $null = Publish-C2TestSignal $Sim 31371 ([ordered]@{ symbol = 'ESZ6'; side = 'buy'; quantity = 1 })
        $null = Publish-C2TestSignal $Sim 31371 ([ordered]@{ symbol = 'ESZ6'; net_quantity = 1; avg_price = 5012.25 }) -Channel strategy.positions
        $null = Publish-C2TestSignal $Sim 31371 ([ordered]@{ symbol = 'ESZ6'; side = 'sell'; quantity = 1 })
        $r = Wait-CatchUp $run
        $r.ExitCode | Should -Be 0
        $r.Stdout | Should -Not -Match 'WARNING'
        Get-CsvSignals 'channels' | Should -Be '31371:1', '31371:2'
        $positions = @(Import-Csv -LiteralPath (Join-Path $Folder 'channels.positions.csv'))
        $positions.Count | Should -Be 1
        $positions[0].Channel | Should -Be 'strategy.positions'
        $positions[0].net_quantity | Should -Be '1'
        $positions[0].avg_price | Should -Be '5012.25'
    }

    It 'payload fields a CSV has no column for are named in one warning, however many there are' {
        $run = Start-CatchUp -Arguments (@('-StrategyId', '31372') + (Get-RunArguments 'fields' 2))
        Wait-C2TestSubscriptions $Sim 1 -TimeoutSec 60
        $null = Publish-C2TestSignal $Sim 31372 ([ordered]@{ symbol = 'ESZ6' })       # the first row: its columns are the file's
        (Wait-CatchUp $run).ExitCode | Should -Be 0
        $null = Publish-C2TestSignal $Sim 31372 ([ordered]@{ symbol = 'ESZ6'; venue = 'CME'; account = 'A1'; trader = 'x' })
        $r = Invoke-CatchUp 'fields' '31372'
        $text = $r.Stdout -replace '\s+', ' '
        ([regex]::Matches($text, 'WARNING:')).Count | Should -Be 1
        $text | Should -Match "'venue' .*'account' .*'trader' "
    }

    It '-TimeoutSec ends a run on a busy strategy between two signals; the next run continues right after the last one saved' {
        $run = Start-CatchUp -Arguments (@('-StrategyId', '31373', '-TimeoutSec', '3') + (Get-RunArguments 'busy' 30))
        Wait-C2TestSubscriptions $Sim 1 -TimeoutSec 60
        while (-not $run.Process.HasExited) { $null = Publish-C2TestSignal $Sim 31373 -Count 5 }   # never quiet
        (Wait-CatchUp $run).ExitCode | Should -Be 0
        $first = @(Get-CsvSignals 'busy')
        $first.Count | Should -BeGreaterThan 0
        $saved = (Get-Content -LiteralPath (Join-Path $Folder 'busy.checkpoint.json') -Raw | ConvertFrom-Json).streams.'strategy.signal:31373'.seq
        $first[-1] | Should -Be "31373:$saved" -Because 'the checkpoint holds exactly the last row written'
        $null = Invoke-CatchUp 'busy' '31373'
        $all = @(Get-CsvSignals 'busy')
        $last = [long](@(Invoke-C2Control $Sim 'publish' -Query @{ strategy_id = 31373 }).seq_ids[0]) - 1
        $null = Invoke-CatchUp 'busy' '31373'
        $all = @(Get-CsvSignals 'busy')
        $all | Should -Be (1..($last + 1) | ForEach-Object { "31373:$_" }) -Because 'every signal once, in order, across the bounded runs'
    }
}

Describe 'Invoke-C2CatchUp.ps1 and a backlog larger than the inbox' {
    It 'a fully recovered overflow produces no error record and the run exits 0 with every signal once in the CSV' {
        $run = Start-CatchUp -Arguments (@('-StrategyId', '31360') + (Get-RunArguments 'backlog' 5))
        Wait-C2TestSubscriptions $Sim 1 -TimeoutSec 60
        $null = Publish-C2TestSignal $Sim 31360
        (Wait-CatchUp $run).ExitCode | Should -Be 0             # the checkpoint now holds seq_id 1

        $null = Publish-C2TestSignal $Sim 31360 -Count 300
        $r = Invoke-CatchUp 'backlog' '31360' -IdleTimeoutSec 2 -Extra '-InboxCapacity', '20'
        $r.Stderr | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        $r.Stdout -replace '\s+', ' ' | Should -Match 'inbox of strategy\.signal:31360 is full'
        $rows = Get-CsvSignals 'backlog'
        $rows.Count | Should -Be 301
        @($rows | Select-Object -Unique).Count | Should -Be 301
        $rows | Should -Be (1..301 | ForEach-Object { "31360:$_" })
    }
}
