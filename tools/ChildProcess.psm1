#Requires -Version 7.4
# build.ps1's child processes (dotnet, the Pester child pwsh, the demo), started and waited for in one way: arguments
# passed one by one (no quoting), extra environment variables, a working directory, output to this console or to a
# file, and a deadline after which the whole process tree is killed. The tree is also killed when the wait is
# interrupted (Ctrl+C, an error), so no child outlives the build.

Set-StrictMode -Version 3.0

function Start-ChildProcess {
    <#
    .SYNOPSIS
        Starts a child process; returns the handle Wait-ChildProcess takes.
    .PARAMETER Command
        The program, then its arguments, each passed as one argument.
    .PARAMETER Environment
        Variables to set for the child; a $null value removes the variable.
    .PARAMETER OutputPath
        Standard output goes to this file and standard error to OutputPath.err (copied by .NET, no script block runs
        off the calling thread). Without it, both go to this console as the child writes them.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)] [string[]] $Command,
        [hashtable] $Environment = @{},
        [string] $WorkingDirectory = (Get-Location).ProviderPath,
        [string] $OutputPath
    )
    $psi = [System.Diagnostics.ProcessStartInfo]::new($Command[0])
    foreach ($a in $Command | Select-Object -Skip 1) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = $WorkingDirectory
    foreach ($k in $Environment.Keys) {
        if ($null -eq $Environment[$k]) { $null = $psi.Environment.Remove($k) } else { $psi.Environment[$k] = [string]$Environment[$k] }
    }
    if ($OutputPath) {
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
    }
    $p = [System.Diagnostics.Process]::Start($psi)
    $files = @()
    $copy = @()
    if ($OutputPath) {
        $files = @([System.IO.File]::Create($OutputPath), [System.IO.File]::Create($OutputPath + '.err'))
        $copy = @($p.StandardOutput.BaseStream.CopyToAsync($files[0]), $p.StandardError.BaseStream.CopyToAsync($files[1]))
    }
    [pscustomobject]@{ Process = $p; Command = $Command; OutputPath = $OutputPath; Files = $files; Copy = $copy }
}

function Wait-ChildProcess {
    <#
    .SYNOPSIS
        Waits for a child started by Start-ChildProcess and returns its exit code, or -1 when the deadline killed it.
    .PARAMETER Timeout
        The deadline; zero (the default) waits without one. When it passes, a warning names the child and its whole
        tree is killed.
    .PARAMETER Name
        What the warning calls the child (default: its command line).
    #>
    [CmdletBinding()]
    [OutputType([int])]
    param(
        [Parameter(Mandatory)] [pscustomobject] $Handle,
        [TimeSpan] $Timeout = [TimeSpan]::Zero,
        [string] $Name
    )
    $p = $Handle.Process
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $timedOut = $false
    try {
        # Short waits in a loop, so Ctrl+C stops this script between them (and the finally below kills the tree).
        while (-not $p.WaitForExit(250)) {
            if ($Timeout -gt [TimeSpan]::Zero -and $clock.Elapsed -ge $Timeout) {
                if (-not $Name) { $Name = $Handle.Command -join ' ' }
                $limit = if ($Timeout.TotalMinutes -ge 1 -and $Timeout.Seconds -eq 0) { "$([int]$Timeout.TotalMinutes) minutes" } else { "$($Timeout.TotalSeconds) seconds" }
                Write-Warning "$Name did not finish within $limit; stopping it."
                $timedOut = $true
                $p.Kill($true)
                $null = $p.WaitForExit(10000)
                break
            }
        }
        if ($Handle.Copy.Count -gt 0) { $null = [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]]$Handle.Copy, 10000) }
        if ($p.HasExited -and -not $timedOut) { $p.ExitCode } else { -1 }
    }
    finally {
        if (-not $p.HasExited) { $p.Kill($true) }
        foreach ($f in $Handle.Files) { $f.Dispose() }
        $p.Dispose()
    }
}

function Invoke-ChildProcess {
    <#
    .SYNOPSIS
        Start-ChildProcess, then Wait-ChildProcess: runs a child to its end (or its deadline) and returns its exit code.
    #>
    [CmdletBinding()]
    [OutputType([int])]
    param(
        [Parameter(Mandatory)] [string[]] $Command,
        [hashtable] $Environment = @{},
        [string] $WorkingDirectory = (Get-Location).ProviderPath,
        [string] $OutputPath,
        [TimeSpan] $Timeout = [TimeSpan]::Zero,
        [string] $Name
    )
    $handle = Start-ChildProcess -Command $Command -Environment $Environment -WorkingDirectory $WorkingDirectory -OutputPath $OutputPath
    Wait-ChildProcess -Handle $handle -Timeout $Timeout -Name $Name
}

Export-ModuleMember -Function Start-ChildProcess, Wait-ChildProcess, Invoke-ChildProcess
