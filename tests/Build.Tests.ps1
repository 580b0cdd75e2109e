# The front door and the package users install.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $BuildScript = Join-Path $C2RepoRoot 'build.ps1'
}

Describe 'build.ps1' {
    BeforeAll {
        $errors = $null
        $Ast = [System.Management.Automation.Language.Parser]::ParseFile($BuildScript, [ref]$null, [ref]$errors)
        $ParseErrors = $errors
        $Tasks = @(($Ast.ParamBlock.Parameters | Where-Object { $_.Name.VariablePath.UserPath -eq 'Task' }).Attributes |
            Where-Object { $_.TypeName.Name -eq 'ValidateSet' } | ForEach-Object { $_.PositionalArguments.Value })
    }

    It 'parses, is an advanced script, and stops on the first error' {
        $ParseErrors | Should -BeNullOrEmpty
        $Ast.ParamBlock.Attributes.TypeName.Name | Should -Contain 'CmdletBinding'
        $Ast.Extent.Text | Should -Match "\`$ErrorActionPreference = 'Stop'"
    }

    It 'offers the tasks Build, Test, Demo, Package, Help and Simulator, each with its function' {
        $Tasks | Should -Be 'Build', 'Test', 'Demo', 'Package', 'Help', 'Simulator'
        $functions = $Ast.FindAll({ $args[0] -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true).Name
        foreach ($t in $Tasks) { $functions | Should -Contain "Invoke-${t}Task" }
    }

    It 'has help for the script and every parameter' {
        $help = Get-Help $BuildScript -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 3
        foreach ($p in $Ast.ParamBlock.Parameters.Name.VariablePath.UserPath) {
            ($help.parameters.parameter | Where-Object name -eq $p).description | Should -Not -BeNullOrEmpty -Because "-$p needs help"
        }
    }
}

Describe 'The module package' {
    BeforeAll {
        $Out = New-C2TestFolder
        $configuration = if ($env:C2_BUILD_CONFIGURATION) { $env:C2_BUILD_CONFIGURATION } else { 'Debug' }
        # --no-build: the module folder is already laid out; pack only collects it.
        $PackOutput = & dotnet pack (Join-Path $C2RepoRoot 'src' 'C2WebSocket.Package' 'C2WebSocket.Package.csproj') -c $configuration --no-build -o $Out -nologo 2>&1
        $PackExit = $LASTEXITCODE
        $Nupkg = Get-ChildItem -LiteralPath $Out -Filter 'C2WebSocket.*.nupkg' | Select-Object -First 1
    }

    AfterAll { if ($Out) { Remove-Item -LiteralPath $Out -Recurse -Force -ErrorAction SilentlyContinue } }

    It 'dotnet pack makes C2WebSocket.(version).nupkg' {
        $PackExit | Should -Be 0 -Because ($PackOutput -join "`n")
        $version = (Test-ModuleManifest -Path $C2ModuleManifest).Version
        $Nupkg.Name | Should -Be "C2WebSocket.$version.nupkg"
    }

    It 'has the module folder at its root: psd1, dll, format, help, dependencies; no lib/, no SMA' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Nupkg.FullName)
        try {
            $names = @($zip.Entries.FullName)
            foreach ($n in 'C2WebSocket.psd1', 'C2WebSocket.dll', 'C2WebSocket.Format.ps1xml', 'en-US/C2WebSocket.dll-Help.xml', 'en-US/about_C2WebSocket.help.txt', 'dependencies/System.Text.Json.dll') {
                $names | Should -Contain $n
            }
            $names | Where-Object { $_ -like '*System.Management.Automation.dll' } | Should -BeNullOrEmpty
            $names | Where-Object { $_ -like 'lib/*' -or $_ -like 'content/*' } | Should -BeNullOrEmpty
            $reader = [System.IO.StreamReader]::new($zip.GetEntry('C2WebSocket.nuspec').Open())
            try { $spec = $reader.ReadToEnd() } finally { $reader.Dispose() }
        }
        finally { $zip.Dispose() }
        $spec | Should -Match '<id>C2WebSocket</id>'
        $spec | Should -Match ([regex]::Escape("<version>$((Test-ModuleManifest -Path $C2ModuleManifest).Version)</version>"))
        $spec | Should -Match 'PSModule'
        $spec | Should -Not -Match '<dependency '
    }
}
