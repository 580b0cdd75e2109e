#Requires -Version 5.1

<#
.SYNOPSIS
    Catches up on the C2 signals published since the last run, processes them, and exits. Made for scheduled tasks.

.DESCRIPTION
    Connects to the C2 WebSocket API, subscribes to the given strategies with a checkpoint file, receives every
    signal the previous runs did not process (the server replays them with resume_from), stops when nothing new
    arrived for -IdleTimeoutSec or at -TimeoutSec at the latest (a busy strategy never goes quiet), and disconnects.
    A strategy that has not delivered any signal yet is remembered with the time it was first watched, and the next
    run replays it from its start and keeps only what is newer, so run N+1 gets every signal published since run N
    started.

    Crash-safe as written. The session uses a manual checkpoint (Connect-C2Socket -ManualCheckpoint): each signal is
    saved (Save-C2Checkpoint) right after its CSV row is on disk and -Process returned, so a run killed at any moment
    (kill -9, a reboot, the task's time limit) loses nothing and the next run repeats at most the one signal per
    strategy whose processing had begun. A run started while the previous one still holds the checkpoint does
    nothing and exits with code 4 (the checkpoint has one owner per strategy), so two runs never act on the same
    signal.

    Each signal is appended to -CsvPath, passed to the -Process script block, or both. The CSV has one row per
    signal: the envelope (SessionId, Channel, StrategyId, SeqId, Id, Timestamp, ReceivedAt), then each payload field;
    times are ISO 8601 with milliseconds and offset (2026-11-30T08:31:44.120+00:00), nested payload objects compact
    JSON. The first row written decides the columns; payload fields later signals bring that have no column are named
    in one warning at the end of the run (the whole message is still in $_.RawJson for -Process). With
    -IncludePositions the strategies' position updates are received too and written to a CSV of their own (-CsvPath
    with .positions before its extension: signals.positions.csv), since one CSV keeps the first object's columns.

    The API key comes from -ApiKey, else from SecretManagement (Get-Secret -Name $SecretName) when that module is
    available and has the secret, else from $env:C2_API_KEY.

    The C2WebSocket module is imported by name when it is installed (on $env:PSModulePath); otherwise from beside
    this script: a C2WebSocket.psd1 in the script's folder or in a C2WebSocket subfolder, or, in the project's
    repository, the build output ../out/C2WebSocket (run ./build.ps1 Build first).

    Exit codes:
      0  success (also when there was nothing new)
      1  failure: the module could not be loaded, an argument is invalid, the connection or a subscription failed,
         the session gave up, or processing failed; the next run continues from the checkpoint
      2  finished, but signals may be missing: the module reported signals it could not deliver (C2ReplayGap,
         C2InboxOverflow, C2ResubscribeFailed, C2SignalNotReplayable; see the error output and fetch the range
         another way), or a strategy that has not delivered a signal yet could not be confirmed complete (its
         seq_id 1 cannot be replayed; a warning says which; the checkpoint remembers it was said, so the next runs
         exit 0 while nothing new is missing). 2 wins over 1.
      3  no API key
      4  another run still owns the checkpoint (C2CheckpointInUse): this run did nothing; the next one continues

.PARAMETER StrategyId
    The strategies to catch up on. A list however it is passed: 12345678, 87654321 from PowerShell, and
    "12345678,87654321" (or separated by spaces or semicolons) from pwsh -File, a Task Scheduler action or cron.

.PARAMETER CheckpointPath
    The checkpoint file: the last processed seq_id per strategy (or when a strategy was first watched). Its folder
    must exist. Keep one file per set of runs that should continue from each other.

.PARAMETER CsvPath
    Appends one row per signal (the file and its header are created by the first signal).

.PARAMETER Process
    Called with each signal as its only argument (and as $_). Script blocks cannot be passed through pwsh -File:
    call the script from pwsh -Command or another script to use it.

.PARAMETER IdleTimeoutSec
    The run ends when nothing arrived for this many seconds.

.PARAMETER TimeoutSec
    The run ends after this many seconds at the latest, between two signals (the next run continues right after the
    last one saved). Keep it below the task's interval so that runs do not overlap.

.PARAMETER IncludePositions
    Also receive the strategies' position updates (strategy.positions) and append them to a CSV of their own beside
    -CsvPath (signals.csv -> signals.positions.csv). Position updates are not replayed by C2: those published while no
    run was connected are not received.

.PARAMETER InboxCapacity
    Passed to Connect-C2Socket -InboxCapacity: how many signals per strategy wait in memory. When a long backlog does
    not fit, the rest is fetched again from the server as the run makes room (a warning, not an error: exit code 0).

.PARAMETER ApiKey
    A SecureString or string key. Default: SecretManagement (-SecretName), then $env:C2_API_KEY.

.PARAMETER SecretName
    The SecretManagement secret that holds the key.

.PARAMETER Uri
    The C2 WebSocket endpoint (for example the simulator's ws://127.0.0.1:5080/ws when developing offline).

.EXAMPLE
    ./Invoke-C2CatchUp.ps1 -StrategyId 12345678 -CsvPath ./signals.csv

.EXAMPLE
    ./Invoke-C2CatchUp.ps1 -StrategyId 12345678, 87654321 -Process { param($s) Invoke-RestMethod -Uri $hook -Method Post -Body $s.RawJson }

.EXAMPLE
    # Windows Task Scheduler, daily at 07:00 (pwsh -File passes "12345678,87654321" as one string; the script splits it)
    $action = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument '-NoProfile -NonInteractive -File C:\c2\Invoke-C2CatchUp.ps1 -StrategyId 12345678,87654321 -CsvPath C:\c2\signals.csv'
    Register-ScheduledTask -TaskName C2CatchUp -Action $action -Trigger (New-ScheduledTaskTrigger -Daily -At 7am)

.EXAMPLE
    # cron, every 15 minutes; exit code 2 mails the output to the crontab's owner
    */15 * * * * pwsh -NoProfile -NonInteractive -File $HOME/c2/Invoke-C2CatchUp.ps1 -StrategyId 12345678,87654321 -CsvPath $HOME/c2/signals.csv > $HOME/c2/last-run.log 2>&1 || cat $HOME/c2/last-run.log
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string[]] $StrategyId,

    [string] $CheckpointPath = [System.IO.Path]::Combine($HOME, 'c2.checkpoint.json'),

    [string] $CsvPath,

    [scriptblock] $Process,

    [double] $IdleTimeoutSec = 15,

    [ValidateRange(1, 86400)]
    [int] $TimeoutSec = 600,

    [switch] $IncludePositions,

    [ValidateRange(1, 10000000)]
    [int] $InboxCapacity = 10000,

    [object] $ApiKey,

    [string] $SecretName = 'C2ApiKey',

    [uri] $Uri = 'wss://api4-general.collective2.com/ws'
)

$ErrorActionPreference = 'Continue'
# Only engine cmdlets and $PSCmdlet methods below, so the script also runs in minimal hosts.

function Stop-CatchUp([string] $ErrorId, [string] $Message, [int] $ExitCode, [object] $Target = $null,
                      [System.Management.Automation.ErrorCategory] $Category = 'InvalidArgument') {
    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new([System.ArgumentException]::new($Message), $ErrorId, $Category, $Target))
    exit $ExitCode
}

# --- the strategies: "1,2" from pwsh -File arrives as one string; PowerShell would read it as the number 12 --------
$ids = [System.Collections.Generic.List[long]]::new()
foreach ($item in $StrategyId) {
    foreach ($part in ([string]$item -split '[\s,;]+')) {
        if ($part -eq '') { continue }
        $id = 0L
        if (-not [long]::TryParse($part, [System.Globalization.NumberStyles]::None, [cultureinfo]::InvariantCulture, [ref]$id) -or $id -le 0) {
            Stop-CatchUp 'C2InvalidStrategyId' "Parameter -StrategyId: '$part' is not a strategy id (a positive whole number). Separate several ids with commas: -StrategyId 12345678,87654321." 1 $part
        }
        if (-not $ids.Contains($id)) { $ids.Add($id) }
    }
}
if ($ids.Count -eq 0) { Stop-CatchUp 'C2InvalidStrategyId' 'Parameter -StrategyId: no strategy id given.' 1 }

# --- the module: installed, else beside this script ------------------------------------------------------------
if (-not (Get-Module -Name C2WebSocket)) {
    try {
        if (Get-Module -ListAvailable -Name C2WebSocket) {
            Import-Module -Name C2WebSocket -ErrorAction Stop
        }
        else {
            $candidates = @(
                [System.IO.Path]::Combine($PSScriptRoot, 'C2WebSocket.psd1')
                [System.IO.Path]::Combine($PSScriptRoot, 'C2WebSocket', 'C2WebSocket.psd1')
                [System.IO.Path]::Combine($PSScriptRoot, '..', 'out', 'C2WebSocket', 'C2WebSocket.psd1')
            )
            $manifest = $candidates | Where-Object { [System.IO.File]::Exists($_) } | Select-Object -First 1
            if (-not $manifest) {
                Stop-CatchUp 'C2ModuleNotFound' ("The C2WebSocket module is not installed (Install-PSResource C2WebSocket) and not found beside this script (looked for " +
                    ($candidates -join ', ') + '). In the project, run ./build.ps1 Build first.') 1 $null 'ObjectNotFound'
            }
            Import-Module -Name ([System.IO.Path]::GetFullPath($manifest)) -ErrorAction Stop
        }
    }
    catch {
        $PSCmdlet.WriteError($_)
        exit 1
    }
}

# --- the key: parameter, SecretManagement, environment -------------------------------------------------------
if ($null -eq $ApiKey -and (Get-Command -Name Get-Secret -ErrorAction Ignore)) {
    try { $ApiKey = Get-Secret -Name $SecretName -ErrorAction Stop } catch { $PSCmdlet.WriteVerbose("No secret '$SecretName': $($_.Exception.Message)") }
}
if ($null -eq $ApiKey -and $env:C2_API_KEY) { $ApiKey = $env:C2_API_KEY }
if ($null -eq $ApiKey) {
    Stop-CatchUp 'C2ApiKeyMissing' "No API key: pass -ApiKey, store it with Set-Secret -Name $SecretName, or set `$env:C2_API_KEY." 3
}

# --- the CSVs: one Export-Csv -Append per object, so a row is on disk before its signal is saved -------------------
# One CSV per channel (a CSV keeps the columns of its first row). Payload fields a file has no column for are named
# in one warning at the end of the run.
$csvFiles = @{}
function Get-CsvFile([string] $Channel) {
    if (-not $script:csvFiles.ContainsKey($Channel)) {
        $path = if ($Channel -eq 'strategy.signal') { $CsvPath } else {
            [System.IO.Path]::Combine([System.IO.Path]::GetDirectoryName([System.IO.Path]::GetFullPath($CsvPath)),
                [System.IO.Path]::GetFileNameWithoutExtension($CsvPath) + '.positions' + [System.IO.Path]::GetExtension($CsvPath))
        }
        $script:csvFiles[$Channel] = [pscustomobject]@{ Path = $path; Columns = $null; Missing = [System.Collections.Generic.List[string]]::new() }
    }
    $script:csvFiles[$Channel]
}
function Add-CsvRow([object] $Message) {
    $file = Get-CsvFile $Message.Channel
    $names = @($Message.PSObject.Properties | ForEach-Object Name)
    if ($null -eq $file.Columns) {
        $header = if ([System.IO.File]::Exists($file.Path)) { Get-Content -LiteralPath $file.Path -TotalCount 1 }
        $file.Columns = if ($header) { @(($header, $header) | ConvertFrom-Csv)[0].PSObject.Properties | ForEach-Object Name } else { $names }
    }
    foreach ($n in $names) {
        if ($file.Columns -notcontains $n -and $file.Missing -notcontains $n) { $file.Missing.Add("'$n' (first in strategy $($Message.StrategyId) seq_id $($Message.SeqId))") }
    }
    $Message | Export-Csv -LiteralPath $file.Path -Append -Force -NoTypeInformation -Encoding utf8 -ErrorAction Stop
}

$session = $null
$exitCode = 0
$processed = 0
try {
    try {
        $connect = @{ ApiKey = $ApiKey; Uri = $Uri; CheckpointPath = $CheckpointPath; ManualCheckpoint = $true; ErrorAction = 'Stop' }
        if ($PSBoundParameters.ContainsKey('InboxCapacity')) { $connect.InboxCapacity = $InboxCapacity }
        $session = Connect-C2Socket @connect
        $channels = @('strategy.signal') + @(if ($IncludePositions) { 'strategy.positions' })
        $null = Add-C2Subscription -Session $session -StrategyId $ids.ToArray() -Channel $channels -ErrorAction Stop
    }
    catch {
        $PSCmdlet.WriteError($_)
        # Another run (still going) owns the checkpoint: nothing was done, and nothing is wrong with this run.
        exit $(if ($_.FullyQualifiedErrorId -like 'C2CheckpointInUse*') { 4 } else { 1 })
    }

    $problems = $null
    Receive-C2Signal -Session $session -IdleTimeoutSec $IdleTimeoutSec -TimeoutSec $TimeoutSec -ErrorVariable problems -ErrorAction Continue |
        ForEach-Object {
            if ($CsvPath) { Add-CsvRow $_ }
            if ($Process -and $_.Channel -eq 'strategy.signal') { $null = & $Process $_ }   # $_ is visible inside the script block too
            if ($_.Channel -eq 'strategy.signal') {
                $_ | Save-C2Checkpoint -Session $session      # done: a kill from now on does not repeat it
                $processed++
            }
        }

    foreach ($file in $csvFiles.Values) {
        if ($file.Missing.Count -gt 0) {
            $PSCmdlet.WriteWarning("$($file.Path): the payload field(s) $($file.Missing -join ', ') have no column in this file, whose header was written by its first row; they are not written. Start a new file to get a column for them.")
        }
    }
    # Signals that could not be delivered: the error records carry a C2DeliveryGap with the exact range.
    $gaps = @($problems | Where-Object { $_.TargetObject -is [C2WebSocket.C2DeliveryGap] })
    if (@($problems).Count -gt $gaps.Count) { $exitCode = 1 }
    if ($gaps.Count -gt 0) { $exitCode = 2 }
    # Streams replayed from their start that brought nothing: seq_id 1 cannot be replayed, so nothing proves none was
    # published. Receive-C2Signal said so in a warning (once: later runs of this checkpoint only say it with -Verbose).
    foreach ($sub in @(Get-C2Subscription -Session $session -Channel strategy.signal | Where-Object Unverified)) {
        $PSCmdlet.WriteVerbose("Exit code 2 for strategy $($sub.StrategyId): it has delivered no signal since it was first watched (see the warning).")
        $exitCode = 2
    }
    $PSCmdlet.WriteVerbose("Processed $processed signal(s); checkpoint: $CheckpointPath; exit code $exitCode.")
}
catch {
    $PSCmdlet.WriteError($_)
    if ($exitCode -ne 2) { $exitCode = 1 }
}
finally {
    if ($null -ne $session) { Disconnect-C2Socket -Session $session -ErrorAction SilentlyContinue }
}
exit $exitCode
