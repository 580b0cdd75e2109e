# Jepsen-style crash harness for the scheduled-task tests (tests/Crash.Tests.ps1): runs a user's script in a child
# pwsh again and again, kills it with SIGKILL (Process.Kill) at a random moment while the simulator publishes to
# several strategies and drops connections, then runs it once more to drain, and reads what the script wrote.
# Dot-source it after tests/common.ps1.

Set-StrictMode -Version 3.0

function Start-C2CrashChild {
    <# Starts a child pwsh running $Script (a file) with the environment the scenario scripts read. #>
    param([Parameter(Mandatory)] [string] $Script, [Parameter(Mandatory)] [hashtable] $Environment)
    $pwsh = Get-C2PwshCommand
    $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh.FileName)
    foreach ($a in @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $Script)) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string]$Environment[$k] }
    $p = [System.Diagnostics.Process]::Start($psi)
    # Drain both pipes so the child never blocks on a full pipe; the text is kept for failure messages.
    [pscustomobject]@{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
}

function Stop-C2CrashChild {
    <# SIGKILL (the process tree), then wait for it to be gone. #>
    param([Parameter(Mandatory)] $Child)
    if (-not $Child.Process.HasExited) { $Child.Process.Kill($true) }
    $null = $Child.Process.WaitForExit(30000)
}

function Wait-C2CrashChild {
    <# Waits for a run to end by itself (the draining run); returns its exit code, or throws with its output. #>
    param([Parameter(Mandatory)] $Child, [int] $TimeoutSec = 120)
    if (-not $Child.Process.WaitForExit($TimeoutSec * 1000)) {
        Stop-C2CrashChild $Child
        throw "The draining run did not end within $TimeoutSec s. Output: $($Child.Out.Result) Errors: $($Child.Err.Result)"
    }
    $Child.Process.WaitForExit()
    $Child.Process.ExitCode
}

function Assert-C2CheckpointParses {
    <# The checkpoint file, when it exists, is whole JSON whatever moment the kill hit. #>
    param([Parameter(Mandatory)] [string] $Path, [string] $When)
    if (-not (Test-Path -LiteralPath $Path)) { return }
    $text = [System.IO.File]::ReadAllText($Path)
    try { $null = $text | ConvertFrom-Json -ErrorAction Stop }
    catch { throw "The checkpoint file does not parse $When`: $($_.Exception.Message)`n$text" }
}

function Read-C2CrashRows {
    <#
    .SYNOPSIS
        The (StrategyId, SeqId) of every complete row of the CSV or line files a scenario wrote.
    .DESCRIPTION
        Export-Csv rows start "SessionId","Channel","StrategyId","SeqId",...; the line files of the other scenarios
        hold "StrategyId SeqId" per line. A row cut by a kill (no line end, or fewer fields than the header) is not
        counted: it did not reach the file whole.
    #>
    param([Parameter(Mandatory)] [string[]] $Path)
    $rows = [System.Collections.Generic.List[object]]::new()
    $field = [regex]'(?:^|,)(?:"(?:[^"]|"")*"|[^,"]*)' 
    foreach ($file in $Path) {
        if (-not (Test-Path -LiteralPath $file)) { continue }
        $text = [System.IO.File]::ReadAllText($file)
        $lines = $text -split "`n"
        # The last element is what follows the last line end: a line the kill cut short, or ''.
        $complete = $lines[0..($lines.Count - 2)]
        $fields = $null
        foreach ($line in $complete) {
            $line = $line.TrimEnd("`r")
            if ($line -match '^"SessionId"') { $fields = $field.Matches($line).Count; continue }
            if ($line -match '^"\d+","strategy\.signal","(\d+)","(\d+)"') {
                if ($null -ne $fields -and $field.Matches($line).Count -ne $fields) { continue }
                $rows.Add([pscustomobject]@{ StrategyId = [long]$Matches[1]; SeqId = [long]$Matches[2] })
            }
            elseif ($line -match '^(\d+) (\d+)$') {
                $rows.Add([pscustomobject]@{ StrategyId = [long]$Matches[1]; SeqId = [long]$Matches[2] })
            }
        }
    }
    , $rows
}

function Measure-C2CrashOutcome {
    <#
    .SYNOPSIS
        Per strategy: the published seq_ids missing from the rows (lost) and the extra copies (duplicates).
    #>
    param([Parameter(Mandatory)] $Rows, [Parameter(Mandatory)] [hashtable] $Published)
    foreach ($sid in $Published.Keys | Sort-Object) {
        $seen = @{}
        foreach ($r in $Rows) { if ($r.StrategyId -eq $sid) { $seen[$r.SeqId] = 1 + [int]$seen[$r.SeqId] } }
        $missing = @(1..$Published[$sid] | Where-Object { -not $seen.ContainsKey([long]$_) })
        $dups = 0
        foreach ($v in $seen.Values) { if ($v -gt 1) { $dups += $v - 1 } }
        [pscustomobject]@{ StrategyId = $sid; Published = $Published[$sid]; Missing = $missing; Duplicates = $dups }
    }
}

function Invoke-C2CrashScenario {
    <#
    .SYNOPSIS
        Runs a scenario: one clean first run that establishes the checkpoint, -Kills runs killed at random moments while
        the test publishes to every strategy and drops connections, then a draining run with publishing stopped.
    .OUTPUTS
        The outcome per strategy (Measure-C2CrashOutcome), with the seed and the kills in the note.
    #>
    param(
        [Parameter(Mandatory)] $Simulator,
        [Parameter(Mandatory)] [string] $Script,
        [Parameter(Mandatory)] [string] $Folder,
        [Parameter(Mandatory)] [long[]] $StrategyId,
        [int] $Kills = 30,
        [int] $Seed = [System.Environment]::TickCount,
        [int] $MinLifeMs = 300,
        [int] $MaxLifeMs = 3000
    )
    $random = [System.Random]::new($Seed)
    $checkpoint = [System.IO.Path]::Combine($Folder, 'c2.checkpoint.json')
    $env = @{
        C2_TEST_MODULE = $C2ModuleManifest; C2_TEST_URI = $Simulator.Uri; C2_TEST_KEY = $Simulator.ApiKey
        C2_TEST_CHECKPOINT = $checkpoint; C2_TEST_OUT = $Folder; C2_TEST_STRATEGIES = ($StrategyId -join ',')
        C2_TEST_IDLE = '1'
    }
    # Run 0: establishes where each stream stands, and receives each strategy's seq_id 1 while watching (a seq_id 1
    # published while nobody watches cannot be replayed by the protocol, which is not what these tests are about).
    $env.C2_TEST_IDLE = '3'
    $first = Start-C2CrashChild -Script $Script -Environment $env
    Wait-C2Condition { (Get-C2TestSubscriptionCount $Simulator) -ge $StrategyId.Count } 'the first run subscribed' -TimeoutSec 60
    $published = @{}
    foreach ($sid in $StrategyId) { $published[$sid] = [long](@(Publish-C2TestSignal $Simulator $sid) | Measure-Object -Maximum).Maximum }
    $null = Wait-C2CrashChild $first
    $env.C2_TEST_IDLE = '30'
    for ($k = 1; $k -le $Kills; $k++) {
        $child = Start-C2CrashChild -Script $Script -Environment $env
        $life = $random.Next($MinLifeMs, $MaxLifeMs)
        $deadline = [DateTime]::UtcNow.AddMilliseconds($life)
        while ([DateTime]::UtcNow -lt $deadline -and -not $child.Process.HasExited) {
            # Publishing and faults at random moments of the run's life (this is the load under test, not a wait).
            $sid = $StrategyId[$random.Next(0, $StrategyId.Count)]
            $seqs = @(Publish-C2TestSignal $Simulator $sid -Count ($random.Next(1, 30)))
            $published[$sid] = [long]($seqs | Measure-Object -Maximum).Maximum
            if ($random.Next(0, 12) -eq 0) { Invoke-C2TestFault $Simulator drop }
            [System.Threading.Thread]::Sleep($random.Next(10, 120))
        }
        Stop-C2CrashChild $child
        Assert-C2CheckpointParses $checkpoint "after kill $k (seed $Seed)"
    }
    $env.C2_TEST_IDLE = '3'
    $drain = Start-C2CrashChild -Script $Script -Environment $env
    $code = Wait-C2CrashChild $drain -TimeoutSec 180
    Assert-C2CheckpointParses $checkpoint 'after the draining run'
    $files = @(Get-ChildItem -LiteralPath $Folder -File | Where-Object Extension -in '.csv', '.txt' | ForEach-Object FullName)
    $outcome = Measure-C2CrashOutcome -Rows (Read-C2CrashRows -Path $files) -Published $published
    [pscustomobject]@{ Seed = $Seed; Kills = $Kills; DrainExitCode = $code; DrainOutput = $drain.Out.Result + $drain.Err.Result; Outcome = @($outcome) }
}
