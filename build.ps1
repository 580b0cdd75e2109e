#Requires -Version 7.4

<#
.SYNOPSIS
    The front door: builds, tests, demonstrates, packages and documents the C2WebSocket module.

.DESCRIPTION
    Run it in the pinned PowerShell (.config/dotnet-tools.json): dotnet tool restore, then dotnet pwsh ./build.ps1 <Task>.
    It needs only the .NET SDK; everything else comes from NuGet through the project's own files.

    Tasks (run in the order given):
      Build      Restores the test tools (Pester, tools/TestTools.csproj) and builds C2PowerShell.sln, which lays out
                 the importable module in out/C2WebSocket (psd1, dll, format and types files, en-US help, dependencies/).
      Test       Build, then the xunit tests of the C# internals (tests/unit: no sockets, fake time; tests/integration:
                 the simulator, sockets, a hosted engine) and the Pester tests of everything a user does at the prompt
                 (tests/*.Tests.ps1, in a child pwsh over the built module). Results go to out/TestResults
                 (xunit-unit.trx, xunit-integration.trx, pester.xml in NUnit format); the last line is "N passed, N failed" over all,
                 and the script exits 1 when anything failed.
      Demo       Build, start the C2 simulator, run examples/demo.ps1 in pwsh with $env:C2_SIMULATOR_URI and
                 $env:C2_API_KEY set, stop the simulator (also on Ctrl+C or failure).
      Package    Build, then dotnet pack src/C2WebSocket.Package: out/C2WebSocket.<version>.nupkg for Publish-PSResource.
      Help       Regenerates out/C2WebSocket/en-US (MAML help and about topic) from the markdown in docs/en-US.
      Simulator  Build, then run the simulator on ws://127.0.0.1:<Port>/ws for offline script development until Ctrl+C.

.PARAMETER Task
    One or more of Build, Test, Demo, Package, Help, Simulator.

.PARAMETER Configuration
    The dotnet build configuration.

.PARAMETER TestPath
    Test task: run only these Pester files or folders, comma-separated (the xunit tests are skipped unless -Filter is
    given too).

.PARAMETER Filter
    Test task: a dotnet test --filter expression for the xunit tests (Pester is skipped unless -TestPath is given too).

.PARAMETER Port
    Simulator task: the loopback port (0 picks a free one).

.PARAMETER Rate
    Simulator and Demo tasks: synthetic signals published per second.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Demo
    The main job: a real PowerShell pipeline against the built-in simulator.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
    The whole test suite (what .ci/run runs).

.EXAMPLE
    dotnet pwsh ./build.ps1 Test -TestPath tests/Receive-C2Signal.Tests.ps1
    One Pester file.

.EXAMPLE
    dotnet pwsh ./build.ps1 Test -Filter 'FullyQualifiedName~ProtocolTests'
    Some of the xunit tests.

.EXAMPLE
    dotnet pwsh ./build.ps1 Simulator -Port 5080
    A simulator for offline script development; Connect-C2Socket -Uri ws://127.0.0.1:5080/ws -ApiKey c2-demo-key-0001.
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Help', 'Simulator')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    [string[]] $TestPath,

    [string] $Filter,

    [ValidateRange(0, 65535)]
    [int] $Port = 8765,

    [ValidateRange(0.0, 10000.0)]
    [double] $Rate = 20
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$root = $PSScriptRoot
$solution = [System.IO.Path]::Combine($root, 'C2PowerShell.sln')
$moduleFolder = [System.IO.Path]::Combine($root, 'out', 'C2WebSocket')
$resultsFolder = [System.IO.Path]::Combine($root, 'out', 'TestResults')
$toolsProject = [System.IO.Path]::Combine($root, 'tools', 'TestTools.csproj')
Import-Module -Name ([System.IO.Path]::Combine($root, 'tools', 'C2Simulator.psm1')) -Force
# Every child process (dotnet, the Pester pwsh, the demo, the simulator) is started and waited for by this module.
Import-Module -Name ([System.IO.Path]::Combine($root, 'tools', 'ChildProcess.psm1')) -Force

function Invoke-Dotnet {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string[]] $ArgumentList, [switch] $Quiet)
    if (-not (Get-Command -Name dotnet -CommandType Application -ErrorAction SilentlyContinue)) {
        throw 'The .NET SDK (dotnet) is required: https://dot.net'
    }
    Write-Host "dotnet $($ArgumentList -join ' ')" -ForegroundColor Cyan
    # -Quiet: the output goes to a file and is returned (standard output) or shown when dotnet fails.
    $capture = if ($Quiet) { [System.IO.Path]::GetTempFileName() }
    try {
        $exit = Invoke-ChildProcess -Command (@('dotnet') + $ArgumentList) -WorkingDirectory $root -OutputPath $capture
        if ($exit -ne 0) {
            if ($Quiet) { Get-Content -LiteralPath $capture, ($capture + '.err') | Out-Host }
            throw "dotnet $($ArgumentList[0]) failed with exit code $exit."
        }
        if ($Quiet) { Get-Content -LiteralPath $capture }
    }
    finally {
        if ($Quiet) { Remove-Item -LiteralPath $capture, ($capture + '.err') -ErrorAction SilentlyContinue }
    }
}

function Get-PwshCommand {
    # This same PowerShell as a child process: 'dotnet pwsh.dll' under the dotnet tool, else the pwsh executable.
    $process = [System.Environment]::ProcessPath
    $dll = [System.IO.Path]::Combine($PSHOME, 'pwsh.dll')
    if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet' -and (Test-Path -LiteralPath $dll)) {
        return @($process, $dll)
    }
    , @($process)
}

function Get-PesterManifest {
    # Restores tools/TestTools.csproj (a PackageDownload of Pester) and returns the path of the restored Pester.psd1.
    Invoke-Dotnet -ArgumentList @('restore', $toolsProject, '-nologo', '-v', 'q') -Quiet | Out-Null
    $json = Invoke-Dotnet -ArgumentList @('msbuild', $toolsProject, '-nologo', '-getProperty:NuGetPackageRoot', '-getProperty:PesterVersion') -Quiet
    $props = ($json -join "`n" | ConvertFrom-Json).Properties
    $manifest = [System.IO.Path]::Combine($props.NuGetPackageRoot, 'pester', $props.PesterVersion, 'tools', 'Pester.psd1')
    if (-not (Test-Path -LiteralPath $manifest)) { throw "Pester $($props.PesterVersion) was restored but $manifest is missing." }
    $manifest
}

function Invoke-BuildTask {
    $script:PesterManifest = Get-PesterManifest
    Write-Host "Pester: $script:PesterManifest"
    Invoke-Dotnet -ArgumentList @('build', $solution, '-c', $Configuration, '-nologo')
    Write-Host "Module laid out in $moduleFolder"
}

function Invoke-XunitTests {
    # Two sets: tests/unit (no sockets, fake time, seconds) first, then tests/integration (simulator, sockets, hosted
    # engine). Each is one result row; the closing line counts both.
    foreach ($set in @(@{ Name = 'unit'; Project = 'C2WebSocket.UnitTests.csproj' }, @{ Name = 'integration'; Project = 'C2WebSocket.IntegrationTests.csproj' })) {
        $runner = "xunit $($set.Name)"
        $trxName = "xunit-$($set.Name).trx"
        $trx = [System.IO.Path]::Combine($resultsFolder, $trxName)
        if (Test-Path -LiteralPath $trx) { Remove-Item -LiteralPath $trx }
        $arguments = @('test', [System.IO.Path]::Combine($root, 'tests', $set.Name, $set.Project), '-c', $Configuration, '--no-build', '-nologo',
            '--logger', "trx;LogFileName=$trxName", '--results-directory', $resultsFolder,
            # A test that hangs fails the run after 5 minutes (each test takes seconds at most) instead of stalling CI.
            '--blame-hang-timeout', '5m', '--blame-hang-dump-type', 'none')
        if ($Filter) { $arguments += @('--filter', $Filter) }
        Write-Host "dotnet $($arguments -join ' ')" -ForegroundColor Cyan
        $exit = Invoke-ChildProcess -Command (@('dotnet') + $arguments) -WorkingDirectory $root
        if (-not (Test-Path -LiteralPath $trx)) {
            # A -Filter that matches nothing in one set is not a failure (dotnet test writes no results then).
            if ($Filter -and $exit -eq 0) { continue }
            Write-Warning "dotnet test ($($set.Name)) wrote no results (exit code $exit)."
            [pscustomobject]@{ Runner = $runner; Passed = 0; Failed = 1; Skipped = 0 }
            continue
        }
        $counters = ([xml](Get-Content -LiteralPath $trx -Raw)).TestRun.ResultSummary.Counters
        $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        if ($exit -ne 0 -and $failed -eq 0 -and [int]$counters.total -gt 0) { $failed = 1 }   # the run itself failed (crash)
        [pscustomobject]@{ Runner = $runner; Passed = [int]$counters.passed; Failed = $failed; Skipped = [int]$counters.notExecuted }
    }
}

function Start-PesterTests {
    # Starts Pester in a child pwsh whose output goes to out/TestResults/pester.log (printed when it ends), so it can run
    # while xunit runs: both suites mostly wait on sockets, timers and child processes, which 2 cores can overlap.
    $xml = [System.IO.Path]::Combine($resultsFolder, 'pester.xml')
    $summary = [System.IO.Path]::Combine($resultsFolder, 'pester-summary.json')
    $log = [System.IO.Path]::Combine($resultsFolder, 'pester.log')
    foreach ($f in $xml, $summary, $log) { if (Test-Path -LiteralPath $f) { Remove-Item -LiteralPath $f } }
    $paths = if ($TestPath) { @($TestPath -split ',' | Where-Object { $_ } | ForEach-Object { (Resolve-Path -LiteralPath $_.Trim()).Path }) } else { @([System.IO.Path]::Combine($root, 'tests')) }
    $runner = [System.IO.Path]::Combine($root, 'tools', 'Invoke-PesterSuite.ps1')
    $command = @(Get-PwshCommand) + @('-NoProfile', '-NonInteractive', '-File', $runner,
        '-PesterManifest', $script:PesterManifest, '-ResultPath', $xml, '-SummaryPath', $summary, '-Path', ($paths -join [System.IO.Path]::PathSeparator))
    Write-Host "pwsh $runner $($paths -join ' ')  (output: $log)" -ForegroundColor Cyan
    # The tests start from a known environment: no key from the caller's environment. Standard output goes to the
    # log, standard error beside it (pester.log.err).
    $child = Start-ChildProcess -Command $command -WorkingDirectory $root -OutputPath $log -Environment @{
        C2_BUILD_CONFIGURATION = $Configuration; C2_API_KEY = $null; C2_SIMULATOR_URI = $null
    }
    [pscustomobject]@{ Child = $child; Log = $log; Summary = $summary }
}

function Complete-PesterTests {
    param([Parameter(Mandatory)] $Run, [int] $TimeoutMinutes = 15)
    $exit = Wait-ChildProcess -Handle $Run.Child -Timeout ([TimeSpan]::FromMinutes($TimeoutMinutes)) -Name 'Pester'
    Get-Content -LiteralPath $Run.Log | Out-Host
    Get-Content -LiteralPath ($Run.Log + '.err') | Out-Host
    if (-not (Test-Path -LiteralPath $Run.Summary)) {
        Write-Warning "Pester wrote no summary (exit code $exit)."
        return [pscustomobject]@{ Runner = 'Pester'; Passed = 0; Failed = 1; Skipped = 0 }
    }
    $s = Get-Content -LiteralPath $Run.Summary -Raw | ConvertFrom-Json
    $failed = [int]$s.Failed
    if ($exit -ne 0 -and $failed -eq 0) { $failed = 1 }
    [pscustomobject]@{ Runner = 'Pester'; Passed = [int]$s.Passed; Failed = $failed; Skipped = [int]$s.Skipped }
}

function Invoke-TestTask {
    Invoke-BuildTask
    $null = New-Item -ItemType Directory -Path $resultsFolder -Force
    $runXunit = $Filter -or -not $TestPath
    $runPester = $TestPath -or -not $Filter
    # Both suites at once (Pester in a child pwsh, xunit in dotnet test); Pester's output is shown when it ends.
    $pester = if ($runPester) { Start-PesterTests }
    $results = @(
        if ($runXunit) { Invoke-XunitTests }
        if ($runPester) { Complete-PesterTests -Run $pester }
    )
    Write-Host ''
    foreach ($r in $results) { Write-Host ('{0,-17} {1} passed, {2} failed, {3} skipped' -f $r.Runner, $r.Passed, $r.Failed, $r.Skipped) }
    Write-Host "Results: $resultsFolder"
    $passed = ($results | Measure-Object -Property Passed -Sum).Sum
    $failed = ($results | Measure-Object -Property Failed -Sum).Sum
    $script:TestSummary = "$passed passed, $failed failed"
    $script:TestsFailed = $failed -gt 0
}

function Invoke-DemoTask {
    Invoke-BuildTask
    $sim = Start-C2SimulatorProcess -Path (Get-C2SimulatorPath -RepositoryRoot $root -Configuration $Configuration) -Port 0 -Rate $Rate -HeartbeatSec 30
    try {
        Write-Host "C2 simulator on $($sim.Uri) publishing $Rate signal(s)/s (`$env:C2_SIMULATOR_URI and `$env:C2_API_KEY set for the demo)" -ForegroundColor Green
        $demo = [System.IO.Path]::Combine($root, 'examples', 'demo.ps1')
        $modulePath = [System.IO.Path]::Combine($root, 'out') + [System.IO.Path]::PathSeparator + $env:PSModulePath
        $exit = Invoke-ChildProcess -Command (@(Get-PwshCommand) + @('-NoProfile', '-File', $demo)) -WorkingDirectory $root -Timeout ([TimeSpan]::FromMinutes(10)) -Environment @{
            C2_SIMULATOR_URI = $sim.Uri.ToString(); C2_API_KEY = $sim.ApiKey; PSModulePath = $modulePath
        }
        if ($exit -ne 0) { throw "examples/demo.ps1 failed with exit code $exit." }
    }
    finally {
        Stop-C2SimulatorProcess $sim
        Write-Host 'C2 simulator stopped.' -ForegroundColor Green
    }
}

function Invoke-PackageTask {
    Invoke-BuildTask
    $out = [System.IO.Path]::Combine($root, 'out')
    Invoke-Dotnet -ArgumentList @('pack', [System.IO.Path]::Combine($root, 'src', 'C2WebSocket.Package'), '-c', $Configuration, '--no-build', '-o', $out, '-nologo')
    $nupkg = Get-ChildItem -Path $out -Filter 'C2WebSocket.*.nupkg' | Sort-Object LastWriteTime | Select-Object -Last 1
    Write-Host "Package: $($nupkg.FullName)"
    Write-Host "Publish it with: Publish-PSResource -NupkgPath '$($nupkg.FullName)' -Repository PSGallery -ApiKey <key>"
}

function Invoke-HelpTask {
    # docs/en-US (platyPS markdown layout, edited by hand) -> out/C2WebSocket/en-US (MAML and about topic) through
    # src/C2WebSocket.HelpBuilder, the same converter the module build runs.
    $builder = [System.IO.Path]::Combine($root, 'src', 'C2WebSocket.HelpBuilder', 'C2WebSocket.HelpBuilder.csproj')
    $docs = [System.IO.Path]::Combine($root, 'docs', 'en-US')
    $target = [System.IO.Path]::Combine($moduleFolder, 'en-US')
    Invoke-Dotnet -ArgumentList @('build', $builder, '-c', $Configuration, '-nologo', '-v', 'q') -Quiet | Out-Null
    Invoke-Dotnet -ArgumentList @('run', '--project', $builder, '-c', $Configuration, '--no-build', '--', $docs, $target, 'C2WebSocket.dll')
}

function Invoke-SimulatorTask {
    Invoke-BuildTask
    $dll = Get-C2SimulatorPath -RepositoryRoot $root -Configuration $Configuration
    Write-Host 'Ctrl+C stops the simulator. In another pwsh:' -ForegroundColor Green
    Write-Host "  Import-Module $([System.IO.Path]::Combine($moduleFolder, 'C2WebSocket.psd1'))" -ForegroundColor Green
    $uri = if ($Port -eq 0) { '<the ws:// URI printed below>' } else { "ws://127.0.0.1:$Port/ws" }
    Write-Host "  Connect-C2Socket -Uri $uri -ApiKey c2-demo-key-0001 | Add-C2Subscription -StrategyId 12345678 | Receive-C2Signal" -ForegroundColor Green
    # In the foreground: it prints its URI and demo key, and Ctrl+C reaches it and stops it (and this script, whose
    # wait then kills whatever is left of it).
    $exit = Invoke-ChildProcess -Command @('dotnet', $dll, '--port', $Port, '--rate', $Rate) -WorkingDirectory $root
    if ($exit -ne 0) { throw "The simulator exited with code $exit." }
}

$script:PesterManifest = $null
$script:TestSummary = $null
$script:TestsFailed = $false
foreach ($t in $Task) {
    Write-Host "== $t ==" -ForegroundColor Green
    switch ($t) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Demo' { Invoke-DemoTask }
        'Package' { Invoke-PackageTask }
        'Help' { Invoke-HelpTask }
        'Simulator' { Invoke-SimulatorTask }
    }
}
if ($null -ne $script:TestSummary) {
    # The closing line CI reads: every xunit and Pester test of this run.
    Write-Host $script:TestSummary
    if ($script:TestsFailed) { exit 1 }
}
