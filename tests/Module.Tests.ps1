# The module as PowerShellGet and users see it: manifest, exports, layout.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $ModuleFolder = Split-Path -Parent $C2ModuleManifest
    $Cmdlets = 'Add-C2Subscription', 'Connect-C2Socket', 'Disconnect-C2Socket', 'Get-C2ActiveOrder', 'Get-C2Session',
               'Get-C2StrategyHistory', 'Get-C2Subscription', 'Receive-C2Signal', 'Remove-C2Subscription', 'Save-C2Checkpoint',
               'Test-C2Connection'
}

Describe 'C2WebSocket module' {
    It 'passes Test-ModuleManifest: name, editions, PowerShell 5.1, its cmdlets, gallery data' {
        $m = Test-ModuleManifest -Path $C2ModuleManifest -ErrorAction Stop
        $m.Name | Should -Be 'C2WebSocket'
        $m.CompatiblePSEditions | Should -Contain 'Desktop'
        $m.CompatiblePSEditions | Should -Contain 'Core'
        $m.PowerShellVersion | Should -Be ([version]'5.1')
        @($m.ExportedCmdlets.Keys | Sort-Object) | Should -Be $Cmdlets
        $m.PrivateData.PSData.Tags | Should -Not -BeNullOrEmpty
        $m.PrivateData.PSData.ProjectUri | Should -BeLike 'https://*'
        $m.PrivateData.PSData.LicenseUri | Should -BeLike 'https://*'
        $m.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'exports exactly its cmdlets, listed explicitly in the manifest' {
        @(Get-Command -Module C2WebSocket | ForEach-Object Name | Sort-Object) | Should -Be $Cmdlets
        $text = Get-Content -LiteralPath $C2ModuleManifest -Raw
        $text | Should -Match 'CmdletsToExport\s*=\s*@\('
        $text | Should -Not -Match "CmdletsToExport\s*=\s*'\*'"
    }

    It 'is the source manifest, and the assembly carries its version' {
        Get-Content -LiteralPath $C2ModuleManifest -Raw | Should -BeExactly (Get-Content -LiteralPath (Join-Path $C2RepoRoot 'C2WebSocket.psd1') -Raw)
        $version = (Test-ModuleManifest -Path $C2ModuleManifest).Version
        $dll = Join-Path $ModuleFolder 'C2WebSocket.dll'
        $assembly = [System.Reflection.AssemblyName]::GetAssemblyName($dll).Version
        $assembly | Should -Be ([version]::new($version.Major, $version.Minor, [Math]::Max($version.Build, 0), [Math]::Max($version.Revision, 0)))
        (Get-Item -LiteralPath $dll).VersionInfo.ProductVersion.Split('+')[0] | Should -Be $version.ToString()
        (Get-Module C2WebSocket).Version | Should -Be $version
    }

    It 'ships help, format and types files and the 5.1 dependency set, and never System.Management.Automation' {
        foreach ($f in 'en-US/C2WebSocket.dll-Help.xml', 'en-US/about_C2WebSocket.help.txt', 'C2WebSocket.Format.ps1xml', 'C2WebSocket.Types.ps1xml', 'dependencies/System.Text.Json.dll') {
            Join-Path $ModuleFolder $f | Should -Exist
        }
        Get-ChildItem -LiteralPath $ModuleFolder -Recurse -Filter 'System.Management.Automation*.dll' | Should -BeNullOrEmpty
        Join-Path $C2RepoRoot 'LICENSE' | Should -FileContentMatch 'MIT License'
    }

    It 'imports in a fresh pwsh by name from a folder on PSModulePath' {
        $pwsh = Get-C2PwshCommand
        $env:PSModulePath, $saved = ((Split-Path -Parent $ModuleFolder) + [System.IO.Path]::PathSeparator + $env:PSModulePath), $env:PSModulePath
        try { $out = & $pwsh.FileName @($pwsh.Prefix) -NoProfile -NonInteractive -Command 'Import-Module C2WebSocket -ErrorAction Stop; (Get-Command -Module C2WebSocket).Count; (Get-Module C2WebSocket).ModuleBase' }
        finally { $env:PSModulePath = $saved }
        $LASTEXITCODE | Should -Be 0
        $out[0] | Should -Be ([string]$Cmdlets.Count)
        $out[1] | Should -Be $ModuleFolder
    }

    It 'can be removed and imported again in the same session' {
        Remove-Module C2WebSocket
        Get-Command -Name Connect-C2Socket -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Import-Module $C2ModuleManifest
        (Get-Command -Module C2WebSocket).Count | Should -Be $Cmdlets.Count
    }
}
