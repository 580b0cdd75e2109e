# What a user sees in pwsh: the module's scripts run in a child pwsh (the real console host, no test harness between),
# which shows every stream as pwsh prints it (errors with their recommended action, warnings, and the verbose and debug
# stories when asked for) and stops with a non-zero exit code at a terminating error. This replaces the retired c2shell,
# which hid errors.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
    $Folder = New-C2TestFolder
    $script:n = 0

    # Runs a script in a child pwsh (-File, or -Command with -AsCommand) with the built module on its PSModulePath and
    # the simulator in $env:C2_SIMULATOR_URI, $env:C2_API_KEY and $env:C2_CONTROL_URI; returns its exit code and output.
    function Invoke-C2Pwsh([string] $Script, [switch] $AsCommand, [int] $TimeoutSec = 60, [hashtable] $Environment = @{}) {
        $script:n++
        $path = Join-Path $Folder "script$($script:n).ps1"
        Set-Content -LiteralPath $path -Value $Script -Encoding utf8
        $pwsh = Get-C2PwshCommand
        $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh.FileName)
        $arguments = @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive') + $(if ($AsCommand) { @('-Command', $Script) } else { @('-File', $path) })
        foreach ($a in $arguments) { $psi.ArgumentList.Add([string]$a) }
        $psi.UseShellExecute = $false
        $psi.WorkingDirectory = $Folder
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['PSModulePath'] = (Join-Path $C2RepoRoot 'out') + [System.IO.Path]::PathSeparator + $env:PSModulePath
        $psi.Environment['NO_COLOR'] = '1'
        $psi.Environment['C2_SIMULATOR_URI'] = $Sim.Uri.ToString()
        $psi.Environment['C2_API_KEY'] = $Sim.ApiKey
        $psi.Environment['C2_CONTROL_URI'] = $Sim.ControlUri.ToString()
        foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
        $p = [System.Diagnostics.Process]::Start($psi)
        $stdout = $p.StandardOutput.ReadToEndAsync()
        $stderr = $p.StandardError.ReadToEndAsync()
        if (-not $p.WaitForExit($TimeoutSec * 1000)) { $p.Kill($true); throw "The child pwsh did not finish within $TimeoutSec s." }
        $p.WaitForExit()
        # Plain text: NO_COLOR turns colours off; strip any escape sequence a host writes anyway.
        $strip = { param($t) $t -replace "`e\[[0-9;?]*[A-Za-z]", '' }
        [pscustomobject]@{ ExitCode = $p.ExitCode; Stdout = (& $strip $stdout.Result); Stderr = (& $strip $stderr.Result); All = (& $strip ($stdout.Result + "`n" + $stderr.Result)) }
    }
}

AfterAll {
    Stop-C2TestSimulator $Sim
    if ($Folder) { Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'A child pwsh shows every stream of the module' {
    It 'prints a non-terminating error (Get-C2Session -Id 9) with its message and recommendation, and goes on, exactly as for a built-in error' {
        $r = Invoke-C2Pwsh -AsCommand 'Import-Module C2WebSocket; Get-C2Session -Id 9; "after"'
        $r.Stdout | Should -Match 'after'
        $r.Stderr | Should -Match 'Get-C2Session'
        $r.Stderr | Should -Match 'there is no C2 session with Id 9'
        $r.Stderr | Should -Match 'Recommendation: Get-C2Session lists the sessions'
        # The exit code follows pwsh's rule for -Command (the last statement succeeded), as with a built-in cmdlet's error.
        $builtin = Invoke-C2Pwsh -AsCommand 'Get-Item -LiteralPath ./no-such-file-here; "after"'
        $builtin.Stderr | Should -Match 'no-such-file-here'
        $r.ExitCode | Should -Be $builtin.ExitCode
    }

    It 'prints a terminating C2NoSession and exits 1 when it is the last statement of -Command' {
        $r = Invoke-C2Pwsh -AsCommand 'Import-Module C2WebSocket; Receive-C2Signal -Count 1'
        $r.ExitCode | Should -Be 1
        $r.Stderr | Should -Match 'Receive-C2Signal'
        $r.Stderr | Should -Match 'There is no C2 session in this runspace'
        $r.Stderr | Should -Match 'Recommendation: Run Connect-C2Socket'
    }

    It 'stops a script at a terminating C2NoSession with $ErrorActionPreference = Stop: printed, nothing after it runs, exit code 1' {
        $r = Invoke-C2Pwsh @'
$ErrorActionPreference = 'Stop'
Import-Module C2WebSocket
'before'
Add-C2Subscription -StrategyId 12345678
'not reached'
'@
        $r.ExitCode | Should -Be 1
        $r.Stdout | Should -Match 'before'
        $r.All | Should -Not -Match 'not reached'
        $r.Stderr | Should -Match 'There is no C2 session in this runspace'
    }

    It 'exits with the code a failing script sets, after printing what failed (Connect-C2Socket with a refused key)' {
        $r = Invoke-C2Pwsh @'
try { Connect-C2Socket -Uri $env:C2_SIMULATOR_URI -ApiKey 'not-a-key' -ErrorAction Stop }
catch { Write-Error -ErrorRecord $_; exit 4 }
'@
        $r.ExitCode | Should -Be 4
        $r.Stderr | Should -Match 'refused the API key \(HTTP 401\)'
    }

    It 'prints a warning (a session that may not reconnect loses its connection), and a read of it prints C2SessionEnded and goes on' {
        $r = Invoke-C2Pwsh @'
$s = Connect-C2Socket -Uri $env:C2_SIMULATOR_URI -MaxReconnectAttempts 0
$null = $s | Add-C2Subscription -StrategyId 8101
$null = Invoke-RestMethod -Method Post -Uri ($env:C2_CONTROL_URI + 'control/faults/drop') -NoProxy
$deadline = [DateTime]::UtcNow.AddSeconds(20)
while ($s.State -ne 'Disconnected' -and [DateTime]::UtcNow -lt $deadline) { [System.Threading.Thread]::Sleep(20) }
$null = Get-C2Subscription
Receive-C2Signal -TimeoutSec 30
'done'
'@
        $r.ExitCode | Should -Be 0
        $r.All | Should -Match 'WARNING: Session 1 lost its connection'
        $r.All | Should -Match 'reconnecting is turned off'
        $r.Stderr | Should -Match 'Receive-C2Signal'
        $r.Stderr | Should -Match 'Session 1 ended \(Disconnected\)'
        $r.Stderr | Should -Match 'Recommendation: Connect again with Connect-C2Socket'
        $r.Stdout | Should -Match 'done'
    }

    It 'prints the verbose story with -Verbose, and nothing of it without' {
        $quiet = Invoke-C2Pwsh '$null = Connect-C2Socket -Uri $env:C2_SIMULATOR_URI; Disconnect-C2Socket'
        $quiet.ExitCode | Should -Be 0
        $quiet.All | Should -Not -Match 'VERBOSE:'
        $r = Invoke-C2Pwsh '$null = Connect-C2Socket -Uri $env:C2_SIMULATOR_URI -Verbose; Disconnect-C2Socket -Verbose'
        $r.ExitCode | Should -Be 0
        $r.All | Should -Match 'VERBOSE: Connect-C2Socket: connecting to ws://127\.0\.0\.1'
        $r.All | Should -Match 'VERBOSE: Session 1: Connecting -> Connected'
        $r.All | Should -Match 'VERBOSE: Session 1: closing \(status 1000\)'
    }

    It 'prints the debug story with -Debug alone, without stopping to ask before each line' {
        $r = Invoke-C2Pwsh @'
$null = Connect-C2Socket -Uri $env:C2_SIMULATOR_URI -Debug
$null = Add-C2Subscription -StrategyId 8102 -Debug
Disconnect-C2Socket -Debug
'done'
'@
        $r.ExitCode | Should -Be 0
        $r.All | Should -Not -Match 'NonInteractive mode'
        $r.All | Should -Not -Match 'Continue with this operation'
        $r.All | Should -Match 'DEBUG: Connect-C2Socket: connecting to'
        $r.All | Should -Match 'DEBUG: Session 1: subscribe of strategy\.signal:8102 acknowledged'
        $r.Stdout | Should -Match 'done'
    }

    It 'prints signals and position updates of one Receive-C2Signal as one table, without RawJson' {
        $r = Invoke-C2Pwsh @'
$null = Connect-C2Socket -Uri $env:C2_SIMULATOR_URI | Add-C2Subscription -StrategyId 8103 -Channel strategy.signal, strategy.positions
$publish = { param($channel, $body) $null = Invoke-RestMethod -Method Post -Uri ($env:C2_CONTROL_URI + "control/publish?strategy_id=8103&channel=$channel") -Body $body -ContentType application/json -NoProxy }
& $publish strategy.signal '{"symbol":"ESZ6","side":"buy","quantity":2,"limit_price":5012.25}'
& $publish strategy.positions '{"symbol":"ESZ6","quantity":2,"avg_price":5012.25}'
& $publish strategy.signal '{"symbol":"ESZ6","side":"sell","quantity":2,"limit_price":5020.5}'
& $publish strategy.positions '{"symbol":"ESZ6","quantity":0,"avg_price":0}'
Receive-C2Signal -Count 4 -TimeoutSec 30
'@
        $r.ExitCode | Should -Be 0
        $r.Stderr.Trim() | Should -BeNullOrEmpty
        $lines = @($r.Stdout -split "`r?`n" | Where-Object { $_.Trim() })
        @($lines | Where-Object { $_ -match '^\s*StrategyId\s+SeqId\s+Time\s+Symbol' }).Count | Should -Be 1
        @($lines | Where-Object { $_ -match '\b8103\b' }).Count | Should -Be 4
        @($lines | Where-Object { $_ -match '\bPosition\b' }).Count | Should -Be 2
        $r.Stdout | Should -Not -Match 'RawJson'
        $r.Stdout | Should -Not -Match ':\s+\{'   # no list view in between
    }

    It 'shows the time column in UTC with a Z in a pwsh whose local time zone is not UTC' {
        $r = Invoke-C2Pwsh -Environment @{ TZ = 'Asia/Tokyo' } @'
$null = Connect-C2Socket -Uri $env:C2_SIMULATOR_URI | Add-C2Subscription -StrategyId 8104
$null = Invoke-RestMethod -Method Post -Uri ($env:C2_CONTROL_URI + 'control/publish?strategy_id=8104') -Body '{"symbol":"ESZ6"}' -ContentType application/json -NoProxy
$s = Receive-C2Signal -Count 1 -TimeoutSec 30
'zone=' + [TimeZoneInfo]::Local.BaseUtcOffset.TotalHours
'utc=' + $s.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [cultureinfo]::InvariantCulture)
$s
'@
        $r.ExitCode | Should -Be 0
        $r.Stdout | Should -Match 'zone=9'
        $utc = [regex]::Match($r.Stdout, 'utc=(\S+)').Groups[1].Value
        $utc | Should -Match 'Z$'
        $r.Stdout -split "`r?`n" | Where-Object { $_ -match '\b8104\b' } | Should -Match ('^\s*8104\s+1\s+' + [regex]::Escape($utc) + '\s')
    }
}
