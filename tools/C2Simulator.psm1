# Starts and stops the C2 simulator (src/C2WebSocket.Simulator) as a child process of this PowerShell.
# Used by build.ps1 (Demo) and tests/common.ps1. The simulator needs the ASP.NET Core shared framework, so it
# cannot be loaded into PowerShell itself; it runs under `dotnet` and is driven through its HTTP control API.

Set-StrictMode -Version 3.0

function Get-C2SimulatorPath {
    <#
    .SYNOPSIS
        The built simulator assembly: the given configuration, else $env:C2_BUILD_CONFIGURATION, else the newest build.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [string] $RepositoryRoot,
        [string] $Configuration = $env:C2_BUILD_CONFIGURATION
    )
    $bin = [System.IO.Path]::Combine($RepositoryRoot, 'src', 'C2WebSocket.Simulator', 'bin')
    $configurations = if ($Configuration) { @($Configuration) } else { @('Debug', 'Release') }
    $found = foreach ($c in $configurations) {
        $dll = [System.IO.Path]::Combine($bin, $c, 'net10.0', 'C2WebSocket.Simulator.dll')
        if (Test-Path -LiteralPath $dll) { Get-Item -LiteralPath $dll }
    }
    $newest = $found | Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
    if (-not $newest) { throw "The simulator is not built under $bin. Run: dotnet pwsh ./build.ps1 Build" }
    $newest.FullName
}

function Start-C2SimulatorProcess {
    <#
    .SYNOPSIS
        Starts the simulator on 127.0.0.1 and returns its WebSocket URI, demo key, control URI and process.
    .DESCRIPTION
        The simulator is told to exit when its standard input closes, and its stdin is a pipe held by this process: it
        stops with Stop-C2SimulatorProcess, and also when this PowerShell ends in any way (even killed).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [int] $Port = 0,
        [double] $Rate = 0,
        [double] $HeartbeatSec = 30,
        [string[]] $ArgumentList = @(),
        [int] $TimeoutSec = 30
    )
    $inv = [cultureinfo]::InvariantCulture
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($Path, '--port', $Port.ToString($inv), '--rate', $Rate.ToString($inv), '--heartbeat', $HeartbeatSec.ToString($inv), '--exit-on-stdin-close') + $ArgumentList) {
        $psi.ArgumentList.Add([string]$a)
    }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.Environment['DOTNET_CLI_TELEMETRY_OPTOUT'] = '1'
    $process = [System.Diagnostics.Process]::Start($psi)
    $stderr = [System.IO.MemoryStream]::new()
    $null = $process.StandardError.BaseStream.CopyToAsync($stderr)

    $uri = $null; $key = $null; $control = $null
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    try {
        while (-not ($uri -and $key -and $control)) {
            $read = $process.StandardOutput.ReadLineAsync()
            $left = $deadline - [DateTime]::UtcNow
            if ($left -le [TimeSpan]::Zero -or -not $read.Wait($left)) { throw "The simulator did not start within $TimeoutSec s." }
            $line = $read.Result
            if ($null -eq $line) {
                $null = $process.WaitForExit(5000)
                throw "The simulator exited before it was ready: $([System.Text.Encoding]::UTF8.GetString($stderr.ToArray()))"
            }
            if ($line -match '^C2 simulator listening on (\S+)') { $uri = [uri]$Matches[1] }
            elseif ($line -match '^API key:\s+(\S+)') { $key = $Matches[1] }
            elseif ($line -match '^Control API:\s+(\S+?)control') { $control = [uri]$Matches[1] }
        }
    }
    catch {
        if (-not $process.HasExited) { $process.Kill($true) }
        throw
    }
    # Keep draining its output so it never blocks on a full pipe.
    $null = $process.StandardOutput.BaseStream.CopyToAsync([System.IO.Stream]::Null)

    [pscustomobject]@{
        PSTypeName = 'C2SimulatorProcess'
        Uri        = $uri
        ApiKey     = $key
        ControlUri = $control
        Process    = $process
        Stderr     = $stderr
    }
}

function Stop-C2SimulatorProcess {
    <# Stops a simulator started by Start-C2SimulatorProcess: closing its stdin ends it; it is killed if it lingers. #>
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipeline)] $Simulator)
    process {
        if ($null -eq $Simulator) { return }
        $p = $Simulator.Process
        try {
            if (-not $p.HasExited) {
                try { $p.StandardInput.Close() } catch { Write-Verbose "Closing the simulator's stdin: $_" }
                if (-not $p.WaitForExit(5000)) { $p.Kill($true); $null = $p.WaitForExit(5000) }
            }
        }
        finally { $p.Dispose() }
    }
}

Export-ModuleMember -Function Get-C2SimulatorPath, Start-C2SimulatorProcess, Stop-C2SimulatorProcess
