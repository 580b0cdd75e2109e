#Requires -Version 5.1
<#
.SYNOPSIS
    Builds, tests, packages and documents the C2WebSocket module. Every step delegates to dotnet.

.DESCRIPTION
    Tasks (run in the order given):
      Build    dotnet build C2PowerShell.sln: lays out out/C2WebSocket (psd1, dll, format file, en-US help
               generated from docs/en-US, dependencies/).
      Test     dotnet test tests/units (the real PowerShell 7.6 engine hosts the built module).
      Package  dotnet pack src/C2WebSocket.Package: out/C2WebSocket.<version>.nupkg for Publish-PSResource.
      Docs     Refreshes docs/en-US from the built module with platyPS when it is installed, then rebuilds the help.

.EXAMPLE
    ./build.ps1
    Builds the module into out/C2WebSocket.

.EXAMPLE
    ./build.ps1 -Task Build, Test, Package -Configuration Release
    Builds, runs every test and writes the package.

.EXAMPLE
    ./build.ps1 -Task Test -Filter 'FullyQualifiedName~HelpTests'
    Runs some of the tests.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Docs')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    # A dotnet test --filter expression for the Test task.
    [string] $Filter
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$solution = [System.IO.Path]::Combine($root, 'C2PowerShell.sln')
$moduleFolder = [System.IO.Path]::Combine($root, 'out', 'C2WebSocket')

function Invoke-Dotnet {
    param([Parameter(Mandatory)] [string[]] $Arguments)
    if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
        throw 'The .NET SDK (dotnet) is required: https://dot.net'
    }
    Write-Host "dotnet $($Arguments -join ' ')" -ForegroundColor Cyan
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments[0]) failed with exit code $LASTEXITCODE." }
}

function Invoke-BuildTask {
    Invoke-Dotnet -Arguments @('build', $solution, '-c', $Configuration, '-nologo')
    Write-Host "Module laid out in $moduleFolder"
}

function Invoke-TestTask {
    $arguments = @('test', [System.IO.Path]::Combine($root, 'tests', 'units'), '-c', $Configuration, '-nologo')
    if ($Filter) { $arguments += @('--filter', $Filter) }
    Invoke-Dotnet -Arguments $arguments
}

function Invoke-PackageTask {
    $out = [System.IO.Path]::Combine($root, 'out')
    Invoke-Dotnet -Arguments @('pack', [System.IO.Path]::Combine($root, 'src', 'C2WebSocket.Package'), '-c', $Configuration, '-o', $out, '-nologo')
    $nupkg = Get-ChildItem -Path $out -Filter 'C2WebSocket.*.nupkg' | Sort-Object LastWriteTime | Select-Object -Last 1
    Write-Host "Package: $($nupkg.FullName)"
    Write-Host "Publish it with: Publish-PSResource -NupkgPath '$($nupkg.FullName)' -Repository PSGallery -ApiKey <key>"
}

function Invoke-DocsTask {
    $docs = [System.IO.Path]::Combine($root, 'docs', 'en-US')
    if (Get-Module -ListAvailable -Name platyPS) {
        Invoke-BuildTask
        # platyPS loads the module in a child process so the build output is not locked in this session.
        $script = "Import-Module platyPS; Import-Module '$([System.IO.Path]::Combine($moduleFolder, 'C2WebSocket.psd1'))'; " +
                  "Update-MarkdownHelp -Path '$docs' -AlphabeticParamsOrder -UpdateInputOutput -ExcludeDontShow | Out-Null"
        $shell = if ($PSVersionTable.PSEdition -eq 'Core') { 'pwsh' } else { 'powershell' }
        & $shell -NoProfile -NonInteractive -Command $script
        if ($LASTEXITCODE -ne 0) { throw "Update-MarkdownHelp failed with exit code $LASTEXITCODE." }
        Write-Host "Updated the markdown in ${docs}: new parameters got placeholders; fill them in and review the diff."
    }
    else {
        Write-Warning ("platyPS is not installed, so the markdown in $docs was not refreshed from the cmdlets. " +
            'The markdown is the source of truth and is edited by hand; the build turns it into en-US/C2WebSocket.dll-Help.xml ' +
            'and about_C2WebSocket.help.txt. To let platyPS add new parameters for you: Install-PSResource platyPS (or Install-Module platyPS), then run ./build.ps1 -Task Docs again.')
    }
    # Regenerate the MAML and about topic from the markdown.
    Invoke-BuildTask
}

foreach ($t in $Task) {
    Write-Host "== $t ==" -ForegroundColor Green
    switch ($t) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Package' { Invoke-PackageTask }
        'Docs' { Invoke-DocsTask }
    }
}
