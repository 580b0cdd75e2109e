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

    It 'starts every child process through tools/ChildProcess.psm1 (no call operator, no Process.Start of its own)' {
        $native = $Ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] -and
                $args[0].GetCommandName() -in 'dotnet', 'pwsh', 'Start-Process' }, $true)
        $native | ForEach-Object { $_.Extent.Text } | Should -BeNullOrEmpty
        $Ast.Extent.Text | Should -Not -Match 'ProcessStartInfo|Diagnostics\.Process\]::Start'
        $Ast.Extent.Text | Should -Match ([regex]::Escape("'tools', 'ChildProcess.psm1'"))
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

Describe 'tools/ChildProcess.psm1: the one way build.ps1 runs a child' {
    BeforeAll {
        Import-Module (Join-Path $C2RepoRoot 'tools' 'ChildProcess.psm1') -Force
        $Pwsh = Get-C2PwshCommand
        $Work = New-C2TestFolder
        function Get-ChildCommand([string] $Script) { @($Pwsh.FileName) + $Pwsh.Prefix + @('-NoProfile', '-NonInteractive', '-Command', $Script) }
        # Alive and not a zombie waiting for a parent that is gone (whatever PID 1 of a container does about those).
        function Test-Alive([int] $Id) {
            if (-not (Get-Process -Id $Id -ErrorAction SilentlyContinue)) { return $false }
            $stat = "/proc/$Id/stat"
            -not ((Test-Path -LiteralPath $stat) -and ((Get-Content -LiteralPath $stat -Raw) -replace '^.*\) ', '').StartsWith('Z'))
        }
    }
    AfterAll { if ($Work) { Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue } }

    It 'returns the exit code, passes arguments one by one, sets and removes variables, captures both outputs' {
        $env:C2_CHILD_TEST_REMOVED = 'inherited'
        try {
            $script = Join-Path $Work 'child.ps1'
            Set-Content -LiteralPath $script -Value @'
[Console]::Out.Write(($args -join '|') + '|' + $env:C2_CHILD_TEST_SET + '|' + [string]::IsNullOrEmpty($env:C2_CHILD_TEST_REMOVED) + '|' + [Environment]::CurrentDirectory)
[Console]::Error.Write('to stderr')
exit 7
'@
            $out = Join-Path $Work 'out.txt'
            $command = @($Pwsh.FileName) + $Pwsh.Prefix + @('-NoProfile', '-NonInteractive', '-File', $script, 'a b', '"quoted" $x')
            $exit = Invoke-ChildProcess -Command $command -OutputPath $out -WorkingDirectory $Work -Environment @{ C2_CHILD_TEST_SET = 'set'; C2_CHILD_TEST_REMOVED = $null }
            $exit | Should -Be 7
            Get-Content -LiteralPath $out -Raw | Should -Be ('a b|"quoted" $x|set|True|' + [System.IO.Path]::GetFullPath($Work).TrimEnd([System.IO.Path]::DirectorySeparatorChar))
            Get-Content -LiteralPath ($out + '.err') -Raw | Should -Be 'to stderr'
        }
        finally { Remove-Item Env:C2_CHILD_TEST_REMOVED -ErrorAction SilentlyContinue }
    }

    It 'kills the whole tree at the deadline, warns naming the child, and returns -1' {
        # The child starts a grandchild that would run for 5 minutes, writes its id, then hangs itself.
        $pidFile = Join-Path $Work 'grandchild.pid'
        $grand = (@($Pwsh.FileName) + $Pwsh.Prefix + @('-NoProfile', '-NonInteractive', '-Command', 'Start-Sleep -Seconds 300')) | ForEach-Object { "'" + ($_ -replace "'", "''") + "'" }
        $script = "`$g = Start-Process -FilePath $($grand[0]) -ArgumentList $(($grand | Select-Object -Skip 1) -join ',') -PassThru; Set-Content -LiteralPath '$pidFile' -Value `$g.Id; Start-Sleep -Seconds 300"
        $handle = Start-ChildProcess -Command (Get-ChildCommand $script)
        $childId = $handle.Process.Id
        Wait-C2Condition { (Test-Path -LiteralPath $pidFile) -and (Get-Content -LiteralPath $pidFile -Raw) -match '^\d+' } 'the child started its grandchild' -TimeoutSec 60
        $grandId = [int](Get-Content -LiteralPath $pidFile -Raw)
        try {
            Test-Alive $grandId | Should -BeTrue
            $exit = Wait-ChildProcess -Handle $handle -Timeout ([TimeSpan]::FromSeconds(2)) -Name 'The hung child' -WarningVariable warned 3>$null
            $exit | Should -Be -1
            "$warned" | Should -Be 'The hung child did not finish within 2 seconds; stopping it.'
            Wait-C2Condition { -not (Test-Alive $childId) -and -not (Test-Alive $grandId) } 'the child and its grandchild are gone' -TimeoutSec 20
        }
        finally {
            # Whatever failed above, nothing this test started outlives it.
            Stop-Process -Id $childId, $grandId -Force -ErrorAction SilentlyContinue
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
