#Requires -Version 7.4

<#
.SYNOPSIS
    Runs Pester test files with the restored Pester and writes an NUnit XML report and a JSON summary.
.DESCRIPTION
    build.ps1 (Test task) runs this in a child pwsh, so the binary module the tests import never stays loaded in the
    build process. Exit code: 0 when everything passed, 1 otherwise.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    # Test files or folders, separated by [System.IO.Path]::PathSeparator.
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $ResultPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')] [string] $Verbosity = 'Detailed'
)
# No $ErrorActionPreference = 'Stop' here: the tests inherit this scope and must see PowerShell's defaults.
# Plain text in logs (CI), colours on a terminal.
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }

Import-Module -Name $PesterManifest -ErrorAction Stop
$configuration = New-PesterConfiguration
$configuration.Run.Path = @($Path -split [regex]::Escape([System.IO.Path]::PathSeparator) | Where-Object { $_ })
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = $Verbosity
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = $ResultPath
$result = Invoke-Pester -Configuration $configuration

# A block whose BeforeAll/AfterAll failed, or a file that failed to load, is a failure even if no It failed.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[ordered]@{
    Passed  = $result.PassedCount
    Failed  = $failed
    Skipped = $result.SkippedCount + $result.NotRunCount
    Total   = $result.TotalCount
} | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath -Encoding utf8
exit $(if ($failed -eq 0 -and $result.Result -eq 'Passed') { 0 } else { 1 })
