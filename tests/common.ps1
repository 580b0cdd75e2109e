# Shared set-up of the Pester tests: dot-source it in the BeforeAll of every tests/*.Tests.ps1 file.
#
#   BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1'); $Sim = Start-C2TestSimulator }
#   AfterAll  { Stop-C2TestSimulator $Sim }
#
# It imports the built module (out/C2WebSocket; build it first: ./build.ps1 Build) and gives helpers to start the C2
# simulator as a child process on an ephemeral loopback port (fast heartbeats, no synthetic publishing) and to drive
# it through its HTTP control API: publish signals, inject faults, read its counters. Every wait has a deadline;
# nothing synchronises on a fixed sleep.

Set-StrictMode -Version 3.0

$script:C2RepoRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..'))
$script:C2ModuleManifest = [System.IO.Path]::Combine($C2RepoRoot, 'out', 'C2WebSocket', 'C2WebSocket.psd1')
if (-not (Test-Path -LiteralPath $C2ModuleManifest)) {
    throw "The module is not built ($C2ModuleManifest is missing). Run: dotnet pwsh ./build.ps1 Build"
}
if (-not (Get-Module -Name C2WebSocket)) {
    Import-Module -Name $C2ModuleManifest -ErrorAction Stop
}

# A key no test must ever see in a stream, an object or a file (the simulator accepts it besides its demo key).
$script:C2CanaryKey = 'LEAKCANARY-k3y-5e1f9a7c2b'
# The strategy the test simulators refuse (error FORBIDDEN).
$script:C2ForbiddenStrategy = 666

Import-Module -Name ([System.IO.Path]::Combine($C2RepoRoot, 'tools', 'C2Simulator.psm1')) -ErrorAction Stop

# Hang guard: every Receive-C2Signal a test runs without its own -TimeoutSec stops after 10 s. The tests' receives end
# in milliseconds by -Count, -IdleTimeoutSec or the session's end; if one of those breaks (say -Count is ignored), the
# test gets the wrong objects and fails in 10 s instead of hanging the suite. Tests that pass -TimeoutSec keep theirs.
# build.ps1 also stops a Pester run that passes 15 minutes (a normal run takes about 2), so a hang fails the command.
# Scoped to the test file that dot-sources this (a copy of the caller's defaults), so nothing stays behind in a pwsh
# session that ran Invoke-Pester ./tests.
$PSDefaultParameterValues = if ($global:PSDefaultParameterValues) { $global:PSDefaultParameterValues.Clone() } else { @{} }
$PSDefaultParameterValues['Receive-C2Signal:TimeoutSec'] = 10

function Get-C2PwshCommand {
    <# How to start this same PowerShell as a child process: 'dotnet pwsh.dll' under the dotnet tool, else the pwsh executable. #>
    $process = [System.Environment]::ProcessPath
    $dll = [System.IO.Path]::Combine($PSHOME, 'pwsh.dll')
    if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet' -and (Test-Path -LiteralPath $dll)) {
        return [pscustomobject]@{ FileName = $process; Prefix = @($dll) }
    }
    [pscustomobject]@{ FileName = $process; Prefix = @() }
}

function Start-C2TestSimulator {
    <#
    .SYNOPSIS
        Starts a simulator for one test file: ephemeral loopback port, a heartbeat every 0.1 s, no synthetic publishing.
    .DESCRIPTION
        It accepts its demo key and $C2CanaryKey and refuses strategy $C2ForbiddenStrategy. It cannot outlive this
        PowerShell (it exits when its stdin pipe closes); stop it in AfterAll with Stop-C2TestSimulator.
    #>
    [CmdletBinding()]
    param([double] $Rate = 0, [double] $HeartbeatSec = 0.1, [double] $HeartbeatGraceSec = 5)
    Start-C2SimulatorProcess -Path (Get-C2SimulatorPath -RepositoryRoot $C2RepoRoot) -Port 0 -Rate $Rate -HeartbeatSec $HeartbeatSec `
        -ArgumentList @('--heartbeat-grace', $HeartbeatGraceSec.ToString([cultureinfo]::InvariantCulture), '--api-key', $C2CanaryKey, '--forbid', $C2ForbiddenStrategy)
}

function Stop-C2TestSimulator {
    <# Stops the simulator of a test file (safe to call with $null, when BeforeAll failed before starting it). #>
    param([Parameter(Position = 0)] $Simulator)
    if ($null -ne $Simulator) { Stop-C2SimulatorProcess $Simulator }
}

function Invoke-C2Control {
    <# One request to the simulator's control API (loopback, never through a proxy). #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Simulator,
        [Parameter(Mandatory)] [string] $Path,
        [ValidateSet('Get', 'Post')] [string] $Method = 'Post',
        [hashtable] $Query = @{},
        [string] $Body
    )
    $q = ($Query.GetEnumerator() | Sort-Object Key | ForEach-Object { '{0}={1}' -f $_.Key, [uri]::EscapeDataString([string]$_.Value) }) -join '&'
    $target = [uri]::new($Simulator.ControlUri, 'control/' + $Path + $(if ($q) { '?' + $q }))
    $params = @{ Uri = $target; Method = $Method; NoProxy = $true; TimeoutSec = 30 }
    if ($Body) { $params.Body = $Body; $params.ContentType = 'application/json' }
    Invoke-RestMethod @params
}

function Publish-C2TestSignal {
    <#
    .SYNOPSIS
        Publishes signals (or position updates) through the control API; returns their seq_ids.
    .EXAMPLE
        Publish-C2TestSignal $Sim 12345678 @{ symbol = 'ESZ6'; side = 'buy' }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] $Simulator,
        [Parameter(Mandatory, Position = 1)] [long] $StrategyId,
        [Parameter(Position = 2)] [System.Collections.IDictionary] $Payload,
        [ValidateSet('strategy.signal', 'strategy.positions')] [string] $Channel = 'strategy.signal',
        [ValidateRange(1, 100000)] [int] $Count = 1
    )
    $body = $null
    if ($Payload) {
        $p = [ordered]@{ strategy_id = $StrategyId }
        foreach ($k in $Payload.Keys) { $p[$k] = $Payload[$k] }
        $body = $p | ConvertTo-Json -Compress -Depth 5
    }
    $r = Invoke-C2Control -Simulator $Simulator -Path 'publish' -Query @{ strategy_id = $StrategyId; channel = $Channel; count = $Count } -Body $body
    $r.seq_ids
}

function Invoke-C2TestFault {
    <#
    .SYNOPSIS
        Injects a fault: drop, close, freeze, unfreeze, stop-heartbeats, start-heartbeats, pause, resume, reject,
        policy-violation, restart (see src/C2WebSocket.Simulator/README.md).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] $Simulator,
        [Parameter(Mandatory, Position = 1)] [string] $Fault,
        [hashtable] $Query = @{}
    )
    $null = Invoke-C2Control -Simulator $Simulator -Path ('faults/' + $Fault) -Query $Query
}

function Get-C2TestStats {
    <# The simulator's counters and live connections (GET /control/stats). #>
    param([Parameter(Mandatory, Position = 0)] $Simulator)
    Invoke-C2Control -Simulator $Simulator -Path 'stats' -Method Get
}

function Wait-C2Condition {
    <#
    .SYNOPSIS
        Polls a condition until it is true or the deadline passes (then throws, naming what was awaited).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [scriptblock] $Condition,
        [Parameter(Mandatory, Position = 1)] [string] $Because,
        [double] $TimeoutSec = 20,
        [int] $IntervalMs = 25
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSec s waiting for: $Because" }
        [System.Threading.Thread]::Sleep($IntervalMs)
    }
}

function Get-C2TestSubscriptionCount {
    <# How many (channel, strategy) subscriptions the simulator holds over all live connections. #>
    param([Parameter(Mandatory, Position = 0)] $Simulator)
    $n = 0
    foreach ($c in @((Get-C2TestStats $Simulator).connections)) { $n += @($c.subscriptions).Count }
    $n
}

function Wait-C2TestSubscriptions {
    <# Waits until the simulator holds exactly -Count subscriptions (acks are sent before the server-side state settles). #>
    param([Parameter(Mandatory, Position = 0)] $Simulator, [Parameter(Mandatory, Position = 1)] [int] $Count, [double] $TimeoutSec = 20)
    Wait-C2Condition { (Get-C2TestSubscriptionCount $Simulator) -eq $Count } "$Count subscription(s) on the simulator" -TimeoutSec $TimeoutSec
}

function Wait-C2TestConnections {
    <# Waits until the simulator has exactly -Count live connections. #>
    param([Parameter(Mandatory, Position = 0)] $Simulator, [Parameter(Mandatory, Position = 1)] [int] $Count, [double] $TimeoutSec = 20)
    Wait-C2Condition { @((Get-C2TestStats $Simulator).connections).Count -eq $Count } "$Count connection(s) on the simulator" -TimeoutSec $TimeoutSec
}

function Connect-C2TestSession {
    <# Connect-C2Socket to a test simulator with test-friendly timings; -With adds or overrides parameters. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] $Simulator, [hashtable] $With = @{})
    $p = @{ Uri = $Simulator.Uri; ApiKey = $Simulator.ApiKey; HeartbeatTimeoutSec = 5; ReconnectIntervalSec = 0.05 }
    foreach ($k in $With.Keys) { $p[$k] = $With[$k] }
    Connect-C2Socket @p
}

function Get-C2ErrorMessage {
    <# The text a user reads for an error record: ErrorDetails when set, else the exception message. #>
    param([Parameter(Mandatory, Position = 0)] [System.Management.Automation.ErrorRecord] $Record)
    if ($Record.ErrorDetails -and $Record.ErrorDetails.Message) { $Record.ErrorDetails.Message } else { $Record.Exception.Message }
}

function New-C2TestFolder {
    <# A fresh temporary folder (remove it with Remove-Item -Recurse in AfterAll). #>
    $path = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'c2-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
    (New-Item -ItemType Directory -Path $path).FullName
}

function Invoke-C2Captured {
    <#
    .SYNOPSIS
        Runs a script block and sorts what it wrote: Output, Errors (terminating ones too), Warnings, Verbose, Debug, Information.
    #>
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $ScriptBlock)
    $r = [pscustomobject]@{
        Output      = [System.Collections.Generic.List[object]]::new()
        Errors      = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
        Warnings    = [System.Collections.Generic.List[string]]::new()
        Verbose     = [System.Collections.Generic.List[string]]::new()
        Debug       = [System.Collections.Generic.List[string]]::new()
        Information = [System.Collections.Generic.List[string]]::new()
    }
    try {
        & $ScriptBlock *>&1 | ForEach-Object {
            switch ($_) {
                { $_ -is [System.Management.Automation.ErrorRecord] } { $r.Errors.Add($_); break }
                { $_ -is [System.Management.Automation.WarningRecord] } { $r.Warnings.Add($_.Message); break }
                { $_ -is [System.Management.Automation.VerboseRecord] } { $r.Verbose.Add($_.Message); break }
                { $_ -is [System.Management.Automation.DebugRecord] } { $r.Debug.Add($_.Message); break }
                { $_ -is [System.Management.Automation.InformationRecord] } { $r.Information.Add([string]$_.MessageData); break }
                default { $r.Output.Add($_) }
            }
        }
    }
    catch {
        $r.Errors.Add($_)
    }
    $r
}

function Reset-C2TestSessions {
    <# Closes every session of this runspace (test files share one runspace, and so its default session). #>
    Disconnect-C2Socket -All -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
}

function Invoke-C2ChildPwsh {
    <#
    .SYNOPSIS
        Runs a script file in a child pwsh, as a user or a scheduler starts it, and returns its exit code and output.
    .DESCRIPTION
        `pwsh -NoProfile -NonInteractive -File <script> <Arguments>` with the built module first on PSModulePath, the
        simulator in $env:C2_SIMULATOR_URI, $env:C2_API_KEY and $env:C2_CONTROL_URI, and NO_COLOR set. -Columns runs it
        on a pseudo-terminal of that width (util-linux `script`), so the console host formats for a real console of
        that size; without it the output is redirected. Escape sequences are stripped from what is returned.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] $Simulator,
        [Parameter(Mandatory, Position = 1)] [string] $Script,
        [string[]] $Arguments = @(),
        [hashtable] $Environment = @{},
        [int] $Columns,
        [int] $TimeoutSec = 60
    )
    $folder = New-C2TestFolder
    try {
        $path = Join-Path $folder 'script.ps1'
        Set-Content -LiteralPath $path -Value $Script -Encoding utf8
        $pwsh = Get-C2PwshCommand
        $command = @($pwsh.FileName) + @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $path) + $Arguments
        if ($Columns) {
            $pty = Get-Command -Name script -CommandType Application -ErrorAction Stop | Select-Object -First 1
            $quoted = ($command | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
            $psi = [System.Diagnostics.ProcessStartInfo]::new($pty.Source)
            foreach ($a in '-qec', "stty cols $Columns rows 200; exec $quoted", '/dev/null') { $psi.ArgumentList.Add($a) }
        }
        else {
            $psi = [System.Diagnostics.ProcessStartInfo]::new($command[0])
            foreach ($a in $command | Select-Object -Skip 1) { $psi.ArgumentList.Add([string]$a) }
        }
        $psi.UseShellExecute = $false
        $psi.WorkingDirectory = $folder
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['PSModulePath'] = (Join-Path $C2RepoRoot 'out') + [System.IO.Path]::PathSeparator + $env:PSModulePath
        $psi.Environment['NO_COLOR'] = '1'
        $psi.Environment['TERM'] = 'xterm'
        $psi.Environment['C2_SIMULATOR_URI'] = $Simulator.Uri.ToString()
        $psi.Environment['C2_API_KEY'] = $Simulator.ApiKey
        $psi.Environment['C2_CONTROL_URI'] = $Simulator.ControlUri.ToString()
        foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
        $p = [System.Diagnostics.Process]::Start($psi)
        $p.StandardInput.Close()
        $stdout = $p.StandardOutput.ReadToEndAsync()
        $stderr = $p.StandardError.ReadToEndAsync()
        if (-not $p.WaitForExit($TimeoutSec * 1000)) { $p.Kill($true); throw "The child pwsh did not finish within $TimeoutSec s." }
        $p.WaitForExit()
        $strip = { param($t) ($t -replace "`e\[[0-9;?]*[A-Za-z]", '' -replace "`e[=>]", '') -replace "`r", '' }
        [pscustomobject]@{ ExitCode = $p.ExitCode; Stdout = (& $strip $stdout.Result); Stderr = (& $strip $stderr.Result); All = (& $strip ($stdout.Result + "`n" + $stderr.Result)) }
    }
    finally { Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue }
}
