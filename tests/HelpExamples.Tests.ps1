# Executable help: every PowerShell example of docs/en-US (the cmdlet help and about_C2WebSocket) and the README's
# PowerShell blocks run against the simulator, each in a fresh pwsh (tests/Invoke-C2DocBlock.ps1 sets up the context the
# examples presume; the README's run as a new user reads them: no Get-Secret, no default -Uri, no session), and fail on
# any error. A block whose help shows an output table must render that table's columns.
# The names the help documents (states, columns, parameter types, positions and defaults, ErrorIds and their
# categories, the README's parameter table) are checked against the module itself.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'DocBlocks.ps1')
    $root = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '..'))
    $docFiles = @(Get-ChildItem -Path (Join-Path $root 'docs' 'en-US') -Filter *.md | Sort-Object Name | ForEach-Object FullName) + (Join-Path $root 'README.md')

    # The blocks that cannot run here, and why. Everything else must run without an error.
    $NotRunnable = [ordered]@{
        'Connect-C2Socket.md / Example 5: Connect through a corporate proxy' = 'needs a corporate proxy: proxy.example.com would be resolved and contacted, and tests send nothing beyond loopback'
        'about_C2WebSocket.md / Scheduled tasks #2'                          = 'New-ScheduledTaskAction and Register-ScheduledTask (ScheduledTasks module) exist only on Windows'
        'README.md / The same pipeline in pwsh'                              = 'starts a simulator in the foreground until Ctrl+C; the test simulator plays its part for the next block'
        'README.md / Tests'                                                  = 'runs the test suite itself'
        'README.md / Tests #2'                                               = 'runs the test suite itself (Invoke-Pester ./tests)'
    }
    $Blocks = @(Get-C2DocBlock -Path $docFiles)
    $Runnable = @($Blocks | Where-Object { -not $NotRunnable.Contains($_.Id) } | ForEach-Object {
            @{ Id = $_.Id; File = $_.File; Code = $_.Code; OutputHeader = $_.OutputHeader }
        })
    $Excluded = @($NotRunnable.GetEnumerator() | ForEach-Object { @{ Id = $_.Key; Reason = $_.Value; Known = $Blocks.Id -contains $_.Key } })
    $CmdletDocs = @(Get-ChildItem -Path (Join-Path $root 'docs' 'en-US') -Filter *-C2*.md | Sort-Object Name | ForEach-Object {
            @{ Name = $_.BaseName; Path = $_.FullName }
        })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'DocBlocks.ps1')
    $DocFolder = Join-Path $C2RepoRoot 'docs' 'en-US'
    $DocFiles = @(Get-ChildItem -Path $DocFolder -Filter *.md | Sort-Object Name | ForEach-Object FullName) + (Join-Path $C2RepoRoot 'README.md')
    $Views = @(Get-C2TableView -Path (Join-Path $C2RepoRoot 'src' 'C2WebSocket' 'C2WebSocket.Format.ps1xml'))
    $Common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

    function Get-C2ViewFor([string] $TypeName) {
        @($Views | Where-Object { $_.TypeNames -contains $TypeName })
    }

    # The documentation as one text, whitespace folded (sentences wrap across lines).
    function Get-C2DocText {
        ($DocFiles | ForEach-Object { [System.IO.File]::ReadAllText($_) }) -join "`n"
    }
}

Describe 'Every PowerShell example of the help and the README runs against the simulator' -ForEach @(@{ Runnable = $Runnable }) {
    BeforeAll {
        # Two lanes, each with its own simulator (a key may hold 10 connections; a block uses up to five).
        $lanes = @(
            foreach ($n in 1, 2) { [pscustomobject]@{ Sim = Start-C2TestSimulator -Rate 20; Running = $null } }
        )
        $work = New-C2TestFolder
        $runner = Join-Path $PSScriptRoot 'Invoke-C2DocBlock.ps1'
        $pwsh = Get-C2PwshCommand
        $queue = [System.Collections.Generic.Queue[object]]::new()
        $n = 0
        foreach ($b in $Runnable) { $n++; $queue.Enqueue([pscustomobject]@{ Number = $n; Block = $b }) }
        $Results = @{}
        # The README's blocks run from the repository root: they must leave nothing behind there.
        $RootBefore = @(Get-ChildItem -LiteralPath $C2RepoRoot -Force -Name | Sort-Object)

        function Start-Block($Lane, $Item) {
            $folder = Join-Path $work ('{0:000}' -f $Item.Number)
            $home_ = New-Item -ItemType Directory -Path (Join-Path $folder 'home') -Force
            $cwd = New-Item -ItemType Directory -Path (Join-Path $folder 'work') -Force
            # The file Add-C2Subscription's Example 4 imports.
            'StrategyId,Channel', '12345678,strategy.signal', '87654321,strategy.positions' | Set-Content -LiteralPath (Join-Path $cwd.FullName 'strategies.csv')
            # The README's commands run from the repository root (Import-Module ./out/...); the help's from a folder of their own.
            $location = if ($Item.Block.File -eq 'README.md') { $C2RepoRoot } else { $cwd.FullName }
            # The simulator address the docs use (./build.ps1 Simulator -Port 5080) is this lane's simulator.
            $code = $Item.Block.Code.Replace('ws://127.0.0.1:5080/ws', $Lane.Sim.Uri.ToString())
            # ... and its control API (http://127.0.0.1:5080/control) this lane's simulator's.
            $code = $code.Replace('http://127.0.0.1:5080/', $Lane.Sim.ControlUri.ToString().TrimEnd('/') + '/')
            $codePath = Join-Path $folder 'block.ps1'
            Set-Content -LiteralPath $codePath -Value $code -Encoding utf8
            $resultPath = Join-Path $folder 'result.json'
            $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh.FileName)
            foreach ($a in @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $runner, '-CodePath', $codePath, '-ResultPath', $resultPath,
                    '-SimulatorUri', $Lane.Sim.Uri.ToString()) + @(if ($Item.Block.File -eq 'README.md') { '-AsNewUser' })) { $psi.ArgumentList.Add([string]$a) }
            $psi.UseShellExecute = $false
            $psi.WorkingDirectory = $location
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $psi.Environment['HOME'] = $home_.FullName
            $psi.Environment['C2_API_KEY'] = $Lane.Sim.ApiKey
            $psi.Environment['C2_SIMULATOR_URI'] = $Lane.Sim.Uri.ToString()
            $psi.Environment['PSModulePath'] = (Join-Path $C2RepoRoot 'out') + [System.IO.Path]::PathSeparator + $env:PSModulePath
            $psi.Environment['NO_COLOR'] = '1'
            $p = [System.Diagnostics.Process]::Start($psi)
            $Lane.Running = [pscustomobject]@{
                Item = $Item; Process = $p; ResultPath = $resultPath; Started = [DateTime]::UtcNow
                Stdout = $p.StandardOutput.ReadToEndAsync(); Stderr = $p.StandardError.ReadToEndAsync()
            }
        }

        function Complete-Block($Lane, [switch] $Kill) {
            $r = $Lane.Running
            if ($Kill) { $r.Process.Kill($true); $null = $r.Process.WaitForExit(10000) }
            $json = if (Test-Path -LiteralPath $r.ResultPath) { Get-Content -LiteralPath $r.ResultPath -Raw | ConvertFrom-Json } else { $null }
            $Results[$r.Item.Block.Id] = [pscustomobject]@{
                ExitCode = if ($Kill) { 'killed after 90 s' } else { $r.Process.ExitCode }
                Result   = $json
                Stderr   = $r.Stderr.Result
            }
            $r.Process.Dispose()
            $Lane.Running = $null
        }

        try {
            while ($queue.Count -gt 0 -or @($lanes | Where-Object Running).Count -gt 0) {
                foreach ($lane in $lanes) {
                    if ($lane.Running -and $lane.Running.Process.HasExited) { $null = $lane.Running.Process.WaitForExit(); Complete-Block $lane }
                    elseif ($lane.Running -and ([DateTime]::UtcNow - $lane.Running.Started).TotalSeconds -gt 90) { Complete-Block $lane -Kill }
                    if (-not $lane.Running -and $queue.Count -gt 0) { Start-Block $lane $queue.Dequeue() }
                }
                $running = @($lanes | Where-Object Running | ForEach-Object { $_.Running.Process })
                # Wait for the first running block to end, at most a moment (the other lane may end first).
                if ($running.Count -gt 0) { $null = $running[0].WaitForExit(50) }
            }
        }
        finally {
            foreach ($lane in $lanes) {
                if ($lane.Running) { Complete-Block $lane -Kill }
                Stop-C2TestSimulator $lane.Sim
            }
        }
        $RootAfter = @(Get-ChildItem -LiteralPath $C2RepoRoot -Force -Name | Sort-Object)
    }

    AfterAll {
        if ($work) { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'the blocks run from the repository root leave no file there' {
        $RootAfter | Should -Be $RootBefore
    }

    It '<Id>' -ForEach $Runnable {
        $r = $Results[$Id]
        $r | Should -Not -BeNullOrEmpty
        $stderr = "$($r.Stderr)".Trim()
        $r.ExitCode | Should -Be 0 -Because "the block's pwsh should exit 0 ($stderr)"
        $r.Result.Context | Should -BeNullOrEmpty
        $r.Result.Completed | Should -BeTrue
        $r.Result.Errors | Should -BeNullOrEmpty -Because "the example should run without an error: $($r.Result.Errors -join ' | ')"
        if ($OutputHeader) {
            # The columns the help shows are the columns the module renders for that output.
            $documented = -split $OutputHeader
            $rendered = @($r.Result.Output -split "`r?`n" | Where-Object { $_.Trim() } | ForEach-Object { , @(-split $_) })
            $match = @($rendered | Where-Object { ($_ -join ' ') -eq ($documented -join ' ') })
            $match.Count | Should -BeGreaterThan 0 -Because "the help shows the columns '$($documented -join ' ')'; the module rendered:`n$($r.Result.Output)"
        }
    }
}

Describe 'Blocks of the help that cannot run here' -ForEach @(@{ Excluded = $Excluded; RunnableCount = $Runnable.Count }) {
    It '<Id>: <Reason>' -ForEach $Excluded {
        $Known | Should -BeTrue -Because 'the list of blocks that do not run names only blocks the documentation has'
        $Reason.Length | Should -BeGreaterThan 20
    }

    It 'is short: nearly every block runs' {
        $Excluded.Count | Should -BeLessOrEqual 5
        $RunnableCount | Should -BeGreaterOrEqual 30
    }
}

Describe 'The help names what the module does' -ForEach @(@{ CmdletDocs = $CmdletDocs }) {
    It 'about_C2WebSocket lists every ErrorId of C2ErrorTable once, with its category' {
        $about = [System.IO.File]::ReadAllText((Join-Path $DocFolder 'about_C2WebSocket.md'))
        $section = [regex]::Match($about, '(?ms)^### Errors and their ErrorIds\r?\n(.*?)(?=^### )').Groups[1].Value
        $rows = @([regex]::Matches($section, '(?m)^\|\s*(C2\w+)\s*\|\s*(\w+)\s*\|') | ForEach-Object { [pscustomobject]@{ Id = $_.Groups[1].Value; Category = $_.Groups[2].Value } })
        $table = [C2WebSocket.Commands.C2ErrorTable]::All
        @($rows.Id | Sort-Object) | Should -Be @($table.ErrorId | Sort-Object)
        @($rows.Id | Group-Object | Where-Object Count -gt 1) | Should -BeNullOrEmpty
        foreach ($row in $rows) {
            $row.Category | Should -Be ([string][C2WebSocket.Commands.C2ErrorTable]::Get($row.Id).Category) -Because "the category of $($row.Id)"
        }
    }

    It 'every ErrorId the help and the README name is one the module writes' {
        # Names that look like ErrorIds but are not: the module's types, the module, a secret's name, a payload field.
        $types = @([C2WebSocket.C2Session].Assembly.GetExportedTypes().Name)
        $other = 'C2WebSocket', 'C2ApiKey', 'C2Symbol', 'C2Simulator', 'C2PowerShell', 'C2CatchUp'
        $ids = @([C2WebSocket.Commands.C2ErrorTable]::All.ErrorId)
        $named = @([regex]::Matches((Get-C2DocText), '(?<![\w.\-\[/])C2[A-Z][A-Za-z]+\b').Value | Sort-Object -Unique)
        $named.Count | Should -BeGreaterThan 20
        $unknown = @($named | Where-Object { $types -notcontains $_ -and $other -notcontains $_ -and $ids -notcontains $_ })
        $unknown | Should -BeNullOrEmpty -Because 'every ErrorId in the documentation must exist in C2ErrorTable'
    }

    It 'lists of states are the states of the module (<Enum>)' -ForEach @(
        @{ Enum = 'C2WebSocket.C2SessionState'; Marker = 'Reconnecting' }
        @{ Enum = 'C2WebSocket.C2SubscriptionState'; Marker = 'Pending' }
    ) {
        $names = [enum]::GetNames($Enum)
        $lists = @([regex]::Matches((Get-C2DocText), '\b[A-Z][a-z]+(?:(?:,\s+(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+)[A-Z][a-z]+)+') |
            ForEach-Object Value | Where-Object { (Split-C2DocList $_) -contains $Marker })
        $lists.Count | Should -BeGreaterThan 1
        foreach ($l in $lists) { Split-C2DocList $l | Should -Be $names -Because "the documentation lists '$l'" }
    }

    It '<Name>: the documented type, position and default of each parameter are the cmdlet''s' -ForEach $CmdletDocs {
        $command = Get-Command -Name $Name -Module C2WebSocket
        $defaults = [System.Activator]::CreateInstance($command.ImplementingType)
        $documented = @(Get-C2DocParameter -Path $Path | Where-Object { $Common -notcontains $_.Name })
        $documented.Count | Should -BeGreaterThan 0
        foreach ($d in $documented) {
            $p = $command.Parameters[$d.Name]
            $p | Should -Not -BeNullOrEmpty -Because "$Name documents -$($d.Name)"
            $d.Yaml['Type'] | Should -Be $p.ParameterType.Name -Because "the type of -$($d.Name)"
            $positions = @($p.ParameterSets.Values.Position | Sort-Object -Unique)
            if ($d.Yaml['Position'] -eq 'Named') { $positions | Should -Be ([int]::MinValue) -Because "-$($d.Name) is documented as named" }
            else { $positions | Should -Contain ([int]$d.Yaml['Position']) -Because "the position of -$($d.Name)" }

            $doc = $d.Yaml['Default value']
            if ($doc -like '$*') { continue }   # computed, for example $env:C2_API_KEY
            $value = $defaults.($d.Name)
            $literal = ($doc -replace '\s*\(.*\)$', '').Trim()   # '0 (no limit)' -> '0'
            if ($literal -eq 'None') {
                $empty = $null -eq $value -or ($value -is [array] -and $value.Count -eq 0) -or
                    ($value -is [ValueType] -and $value -eq [System.Activator]::CreateInstance($value.GetType()))
                $empty | Should -BeTrue -Because "-$($d.Name) is documented without a default, and has '$value'"
            }
            elseif ($value -is [System.Management.Automation.SwitchParameter]) { [string]$value.IsPresent | Should -Be $literal -Because "the default of -$($d.Name)" }
            elseif ($value -is [double] -or $value -is [int] -or $value -is [long]) { [double]$literal | Should -Be ([double]$value) -Because "the default of -$($d.Name)" }
            elseif ($value -is [array]) { $value -join ', ' | Should -Be $literal -Because "the default of -$($d.Name)" }
            else { [string]$value | Should -Be $literal -Because "the default of -$($d.Name)" }
        }
    }

    It '<Name>: the SYNTAX is the cmdlet''s: its parameter sets, which parameters are mandatory or positional, their types' -ForEach $CmdletDocs {
        $command = Get-Command -Name $Name -Module C2WebSocket
        $blocks = [regex]::Matches((Get-C2DocSection -Path $Path -Name 'SYNTAX'), '(?ms)^```\n(.*?)^```') | ForEach-Object { $_.Groups[1].Value -replace '\s+', ' ' }
        $actual = @($command.ParameterSets)
        @($blocks).Count | Should -Be $actual.Count -Because "$Name has $($actual.Count) parameter set(s)"
        foreach ($line in $blocks) {
            $line.StartsWith($Name + ' ') | Should -BeTrue -Because "a SYNTAX line starts with the cmdlet's name ('$line')"
            $doc = @{}
            foreach ($t in [regex]::Matches($line.Substring($Name.Length), '(?<open>\[{0,2})-(?<name>\w+)(?<close1>\]?)(?:\s+<(?<type>[^>]+)>)?(?<close2>\]?)')) {
                $open = $t.Groups['open'].Value; $close1 = $t.Groups['close1'].Value; $type = $t.Groups['type'].Value
                $doc[$t.Groups['name'].Value] = [pscustomobject]@{
                    Mandatory  = $open -eq '' -or ($open -eq '[' -and $close1 -eq ']' -and $type -and -not $t.Groups['close2'].Value)
                    Positional = $open -eq '[[' -or ($open -eq '[' -and $close1 -eq ']' -and [bool]$type)
                    Type       = if ($type) { $type } else { 'SwitchParameter' }
                }
            }
            $set = $actual | Where-Object { (@($_.Parameters.Name | Where-Object { [System.Management.Automation.Cmdlet]::CommonParameters -notcontains $_ } | Sort-Object) -join ',') -eq (@($doc.Keys | Sort-Object) -join ',') }
            $set | Should -Not -BeNullOrEmpty -Because "the SYNTAX line '$line' should be one of the parameter sets of $Name"
            foreach ($p in $set.Parameters | Where-Object { $doc.ContainsKey($_.Name) }) {
                $d = $doc[$p.Name]
                $d.Mandatory | Should -Be $p.IsMandatory -Because "-$($p.Name) in '$line' (mandatory)"
                $d.Positional | Should -Be ($p.Position -ge 0) -Because "-$($p.Name) in '$line' (positional)"
                $d.Type | Should -Be $p.ParameterType.Name -Because "-$($p.Name) in '$line' (type)"
            }
        }
    }

    It '<Name>: each parameter''s documented sets, pipeline input and Required are the cmdlet''s' -ForEach $CmdletDocs {
        $command = Get-Command -Name $Name -Module C2WebSocket
        $sets = @($command.ParameterSets.Name)
        foreach ($d in Get-C2DocParameter -Path $Path | Where-Object { $Common -notcontains $_.Name }) {
            $p = $command.Parameters[$d.Name]
            $mine = @($p.ParameterSets.Keys)
            $all = $mine -contains '__AllParameterSets' -or @($sets | Where-Object { $mine -notcontains $_ }).Count -eq 0
            $expectedSets = if ($all) { '(All)' } else { ($mine | Sort-Object) -join ', ' }
            $d.Yaml['Parameter Sets'] | Should -Be $expectedSets -Because "the parameter sets of -$($d.Name)"
            $kinds = @(
                if ($p.ParameterSets.Values.ValueFromPipelineByPropertyName -contains $true) { 'ByPropertyName' }
                if ($p.ParameterSets.Values.ValueFromPipeline -contains $true) { 'ByValue' }
            )
            $expectedInput = if ($kinds) { 'True ({0})' -f ($kinds -join ', ') } else { 'False' }
            $d.Yaml['Accept pipeline input'] | Should -Be $expectedInput -Because "the pipeline input of -$($d.Name)"
            $d.Yaml['Required'] | Should -Be ([string]($p.ParameterSets.Values.IsMandatory -contains $true)) -Because "Required of -$($d.Name)"
        }
    }

    It 'a parameter documented with "0 means no limit" accepts 0, and -TimeoutSec is [int] on every cmdlet' {
        foreach ($doc in $CmdletDocs) {
            $command = Get-Command -Name $doc.Name -Module C2WebSocket
            foreach ($d in Get-C2DocParameter -Path $doc.Path) {
                if ("$($d.Description) $($d.Yaml['Default value'])" -notmatch '0 (means no limit|\(no limit\)|\(the default\) means no limit)') { continue }
                $range = $command.Parameters[$d.Name].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }
                if ($range) { [double]$range.MinRange | Should -BeLessOrEqual 0 -Because "$($doc.Name) -$($d.Name) is documented to take 0" }
            }
        }
        $timeouts = @(Get-Command -Module C2WebSocket | Where-Object { $_.Parameters.ContainsKey('TimeoutSec') })
        $timeouts.Count | Should -Be 7
        foreach ($c in $timeouts) { $c.Parameters['TimeoutSec'].ParameterType | Should -Be ([int]) -Because "$($c.Name) -TimeoutSec" }
    }

    It '"The default table shows ..." names the columns of the view of that type' {
        $checked = 0
        foreach ($doc in $CmdletDocs) {
            $outputs = Get-C2DocSection -Path $doc.Path -Name 'OUTPUTS'
            foreach ($entry in [regex]::Matches($outputs, '(?ms)^### ([\w.]+)\n(.*?)(?=^### |\z)')) {
                $m = [regex]::Match(($entry.Groups[2].Value -replace '\s+', ' '), 'default table shows ([^.;]+)')
                if (-not $m.Success) { continue }
                $view = Get-C2ViewFor $entry.Groups[1].Value
                $view.Count | Should -Be 1 -Because "$($entry.Groups[1].Value) should have one table view"
                Split-C2DocList $m.Groups[1].Value | Should -Be $view[0].Labels -Because "$($doc.Name) OUTPUTS, $($entry.Groups[1].Value)"
                $checked++
            }
        }
        # Elsewhere (about_C2WebSocket, README): the list is the columns of one of the views.
        foreach ($m in [regex]::Matches(((Get-C2DocText) -replace '\s+', ' '), 'default table shows ([^.;]+)')) {
            $cols = Split-C2DocList $m.Groups[1].Value
            @($Views | Where-Object { ($_.Labels -join ',') -eq ($cols -join ',') }).Count | Should -Be 1 -Because "'$($m.Value)' should name the columns of a view"
            $checked++
        }
        $checked | Should -BeGreaterOrEqual 4
    }

    It 'no default view shows RawJson' {
        foreach ($v in $Views) { $v.Xml | Should -Not -Match 'RawJson' -Because "the $($v.Name) view" }
        $format = [System.IO.File]::ReadAllText((Join-Path $C2RepoRoot 'src' 'C2WebSocket' 'C2WebSocket.Format.ps1xml'))
        ([xml]$format).Configuration.ViewDefinitions.View.OuterXml -join "`n" | Should -Not -Match 'RawJson'
    }

    It 'the README''s cmdlet table lists exactly the parameters of each cmdlet' {
        $readme = [System.IO.File]::ReadAllText((Join-Path $C2RepoRoot 'README.md'))
        $rows = [regex]::Matches($readme, '(?m)^\| `(\w+-C2\w+)` \|(.*)\|\s*$')
        $rows.Count | Should -Be (Get-Command -Module C2WebSocket).Count
        foreach ($row in $rows) {
            $command = Get-Command -Name $row.Groups[1].Value -Module C2WebSocket
            $own = @($command.Parameters.Keys | Where-Object { $Common -notcontains $_ } | Sort-Object)
            $cells = $row.Groups[2].Value -split '\|'
            $listed = @([regex]::Matches($cells[-1], '`-(\w+)`') | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique)
            $listed | Should -Be $own -Because "the README's row of $($command.Name)"
        }
    }
}
