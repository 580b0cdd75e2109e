#Requires -Version 5.1

<#
.SYNOPSIS
    Catches up on the C2 signals published since the last run, processes them, and exits. Made for scheduled tasks.

.DESCRIPTION
    Connects to the C2 WebSocket API, subscribes to the given strategies with a checkpoint file, receives every
    signal the previous runs did not process (the server replays them with resume_from), stops when nothing new
    arrived for -IdleTimeoutSec, and disconnects. The checkpoint advances only after a signal was processed, so a
    run that fails or is stopped half-way repeats at most the signal it was processing.

    Each signal is appended to -CsvPath, passed to the -Process script block, or both.

    The API key comes from -ApiKey, else from SecretManagement (Get-Secret -Name $SecretName) when that module is
    available and has the secret, else from $env:C2_API_KEY.

    Exit codes:
      0  success (also when there was nothing new)
      1  failure: could not connect or subscribe, or processing failed
      2  finished, but the module reported signals it could not deliver (C2ReplayGap, C2InboxOverflow,
         C2ResubscribeFailed): check the error output; fetch the missing range another way
      3  no API key

.EXAMPLE
    ./Invoke-C2CatchUp.ps1 -StrategyId 12345678 -CsvPath ./signals.csv

.EXAMPLE
    ./Invoke-C2CatchUp.ps1 -StrategyId 12345678, 87654321 -Process { param($s) Invoke-RestMethod -Uri $hook -Method Post -Body $s.RawJson }

.EXAMPLE
    # Windows Task Scheduler, daily at 07:00
    $action = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument '-NoProfile -File C:\c2\Invoke-C2CatchUp.ps1 -StrategyId 12345678 -CsvPath C:\c2\signals.csv'
    Register-ScheduledTask -TaskName C2CatchUp -Action $action -Trigger (New-ScheduledTaskTrigger -Daily -At 7am)
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [long[]] $StrategyId,

    # The checkpoint file: the last processed seq_id per strategy. Its folder must exist.
    [string] $CheckpointPath = [System.IO.Path]::Combine($HOME, 'c2.checkpoint.json'),

    # Appends one row per signal (created with a header when missing).
    [string] $CsvPath,

    # Called with each signal as its only argument (and as $_).
    [scriptblock] $Process,

    [double] $IdleTimeoutSec = 15,

    # Optional: a SecureString or string key. Default: SecretManagement, then $env:C2_API_KEY.
    [object] $ApiKey,

    [string] $SecretName = 'C2ApiKey',

    [uri] $Uri = 'wss://api4-general.collective2.com/ws'
)

$ErrorActionPreference = 'Continue'
# Only engine cmdlets and $PSCmdlet methods below, so the script also runs in minimal hosts.

if (-not (Get-Module -Name C2WebSocket)) { Import-Module C2WebSocket -ErrorAction Stop }

# --- the key: parameter, SecretManagement, environment -------------------------------------------------------
if ($null -eq $ApiKey -and (Get-Command -Name Get-Secret -ErrorAction Ignore)) {
    try { $ApiKey = Get-Secret -Name $SecretName -ErrorAction Stop } catch { $PSCmdlet.WriteVerbose("No secret '$SecretName': $($_.Exception.Message)") }
}
if ($null -eq $ApiKey -and $env:C2_API_KEY) { $ApiKey = $env:C2_API_KEY }
if ($null -eq $ApiKey) {
    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
        [System.ArgumentException]::new("No API key: pass -ApiKey, store it with Set-Secret -Name $SecretName, or set `$env:C2_API_KEY."),
        'C2ApiKeyMissing', [System.Management.Automation.ErrorCategory]::InvalidArgument, $null))
    exit 3
}

$fields = 'ReceivedAt', 'Timestamp', 'StrategyId', 'SeqId', 'symbol', 'side', 'action', 'quantity', 'order_type', 'limit_price', 'stop_price', 'tif', 'posted_at'
function ConvertTo-CsvCell([object] $value) {
    if ($null -eq $value) { return '' }
    $text = if ($value -is [System.IFormattable]) { $value.ToString($null, [cultureinfo]::InvariantCulture) } else { [string]$value }
    '"' + $text.Replace('"', '""') + '"'
}
function Add-CsvRow([object] $signal) {
    $cells = foreach ($f in $fields) {
        $p = $signal.PSObject.Properties[$f]
        ConvertTo-CsvCell $(if ($null -ne $p) { $p.Value })
    }
    if (-not [System.IO.File]::Exists($CsvPath)) {
        [System.IO.File]::WriteAllText($CsvPath, (($fields | ForEach-Object { ConvertTo-CsvCell $_ }) -join ',') + [Environment]::NewLine)
    }
    [System.IO.File]::AppendAllText($CsvPath, ($cells -join ',') + [Environment]::NewLine)
}

$session = $null
$exitCode = 0
$processed = 0
try {
    try {
        $session = Connect-C2Socket -ApiKey $ApiKey -Uri $Uri -CheckpointPath $CheckpointPath -ErrorAction Stop
        $null = Add-C2Subscription -Session $session -StrategyId $StrategyId -Channel strategy.signal -ErrorAction Stop
    }
    catch {
        $PSCmdlet.WriteError($_)
        exit 1
    }

    $deliveryProblems = $null
    Receive-C2Signal -Session $session -IdleTimeoutSec $IdleTimeoutSec -ErrorVariable deliveryProblems -ErrorAction Continue |
        ForEach-Object {
            if ($CsvPath) { Add-CsvRow $_ }
            if ($Process) { $null = & $Process $_ }   # $_ is visible inside the script block too
            $processed++
        }
    if ($deliveryProblems) { $exitCode = 2 }
    $PSCmdlet.WriteVerbose("Processed $processed signal(s); checkpoint: $CheckpointPath.")
}
catch {
    $PSCmdlet.WriteError($_)
    $exitCode = 1
}
finally {
    if ($null -ne $session) { Disconnect-C2Socket -Session $session -ErrorAction SilentlyContinue }
}
exit $exitCode
