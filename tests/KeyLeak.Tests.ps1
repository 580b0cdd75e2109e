# The API key never appears in any stream, output object, error, exception or file: every cmdlet runs with
# -Verbose -Debug through success and failure paths with a canary key, and everything it wrote is searched.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
    $Folder = New-C2TestFolder
    $BadKey = 'LEAKCANARY-wrong-0d4b8e'
    $Secrets = @($C2CanaryKey, $BadKey, 'k3y-5e1f9a7c2b', 'wrong-0d4b8e')

    # Searches text, objects (ToString, properties recursively), error records and exceptions for the secrets.
    $Scan = [pscustomobject]@{ Leaks = [System.Collections.Generic.List[string]]::new(); Checked = 0; Steps = 0 }
    $Seen = [System.Collections.Generic.HashSet[object]]::new([System.Collections.Generic.ReferenceEqualityComparer]::Instance)

    function Test-Text([string] $Where, [string] $Text) {
        $Scan.Checked++
        if (-not $Text) { return }
        foreach ($s in $Secrets) {
            if ($Text.Contains($s, [System.StringComparison]::Ordinal)) { $Scan.Leaks.Add("${Where}: $($Text.Substring(0, [Math]::Min(300, $Text.Length)))") }
        }
    }

    function Test-Object([string] $Where, $Object, [int] $Depth = 0) {
        if ($null -eq $Object -or $Depth -gt 5 -or $Scan.Checked -gt 200000) { return }
        $pso = [psobject]::AsPSObject($Object)
        $base = $pso.psobject.BaseObject
        if ($base -is [string]) { Test-Text $Where $base; return }
        $type = $base.GetType()
        if ($type.IsPrimitive -or $base -is [decimal] -or $base -is [datetime] -or $base -is [datetimeoffset] -or $base -is [timespan] -or $base -is [enum] -or $base -is [guid]) { return }
        # Every [pscustomobject] shares one base object: remember those by their wrapper.
        if (-not $Seen.Add($(if ($base -is [System.Management.Automation.PSCustomObject]) { $pso } else { $base }))) { return }
        Test-Text "$Where.ToString()" $(try { $pso.ToString() } catch { $null })
        Test-Text "$Where.ToString()" $(try { $base.ToString() } catch { $null })
        if ($base -is [System.Exception]) {
            Test-Text "$Where exception" $base.ToString()
            foreach ($k in $base.Data.Keys) { Test-Text "$Where.Data" "$k=$($base.Data[$k])" }
        }
        if ($base -is [System.Management.Automation.ErrorRecord]) {
            if ($base.ErrorDetails) {
                Test-Text "$Where details" $base.ErrorDetails.Message
                Test-Text "$Where action" $base.ErrorDetails.RecommendedAction
            }
            Test-Text "$Where fqid" $base.FullyQualifiedErrorId
            Test-Text "$Where category" $base.CategoryInfo.ToString()
            Test-Text "$Where display" ($base | Out-String)
            Test-Object "$Where.Exception" $base.Exception ($Depth + 1)
            Test-Object "$Where.TargetObject" $base.TargetObject ($Depth + 1)
            return
        }
        if ($base -is [System.Collections.IEnumerable] -and $base -isnot [System.Collections.IDictionary]) {
            $i = 0
            foreach ($item in $base) { if ($i++ -gt 200) { break }; Test-Object "$Where[$i]" $item ($Depth + 1) }
        }
        if ($type.Namespace -and $type.Namespace.StartsWith('System.Management.Automation') -and $base -isnot [System.Management.Automation.PSCustomObject]) { return }
        foreach ($p in $pso.psobject.Properties) {
            $v = try { $p.Value } catch { $null }
            Test-Object "$Where.$($p.Name)" $v ($Depth + 1)
        }
    }

    # Runs one step with every stream on, scans what it wrote, and returns it.
    function Invoke-Step([string] $Step, [scriptblock] $ScriptBlock) {
        $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $WarningPreference = 'Continue'; $InformationPreference = 'Continue'
        $r = Invoke-C2Captured $ScriptBlock
        $Scan.Steps++
        foreach ($o in $r.Output) { Test-Object "$Step output" $o; Test-Text "$Step output (list)" ($o | Format-List * | Out-String) }
        foreach ($e in $r.Errors) { Test-Object "$Step error" $e }
        foreach ($stream in 'Warnings', 'Verbose', 'Debug', 'Information') { foreach ($t in $r.$stream) { Test-Text "$Step $stream" $t } }
        $r
    }
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
    if ($Folder) { Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'The API key stays secret' {
    BeforeAll { Reset-C2TestSessions }

    It 'the scanner finds a planted key (a scanner that finds nothing proves nothing)' {
        $before = $Scan.Leaks.Count
        Test-Object 'control' ([pscustomobject]@{ Nested = [pscustomobject]@{ Text = "Bearer $C2CanaryKey" } })
        $Scan.Leaks.Count | Should -BeGreaterThan $before
        $Scan.Leaks.RemoveRange($before, $Scan.Leaks.Count - $before)
    }

    It 'connecting with a plain string, $env:C2_API_KEY and a SecureString writes no key' {
        $r = Invoke-Step 'connect-plain' { $p = Connect-C2Socket -ApiKey $C2CanaryKey -Uri $Sim.Uri -Verbose -Debug; $p; Disconnect-C2Socket $p -PassThru -Verbose -Debug }
        $r.Errors | Should -BeNullOrEmpty
        $env:C2_API_KEY = $C2CanaryKey
        try { $r = Invoke-Step 'connect-env' { $e = Connect-C2Socket -Uri $Sim.Uri -Verbose -Debug; $e; Disconnect-C2Socket $e -Verbose -Debug } }
        finally { $env:C2_API_KEY = $null }
        $r.Errors | Should -BeNullOrEmpty
        $secure = ConvertTo-SecureString -String $C2CanaryKey -AsPlainText -Force
        $checkpoint = Join-Path $Folder 'checkpoint.json'
        $r = Invoke-Step 'connect' { Connect-C2Socket -ApiKey $secure -Uri $Sim.Uri -CheckpointPath $checkpoint -ReconnectIntervalSec 0.05 -HeartbeatTimeoutSec 5 -Verbose -Debug }
        $r.Errors | Should -BeNullOrEmpty
        $r = Invoke-Step 'test-ok' { Test-C2Connection -ApiKey $secure -Uri $Sim.Uri -Verbose -Debug }
        $r.Output[0].Authenticated | Should -BeTrue
        $Scan.Leaks | Should -BeNullOrEmpty
    }

    It 'failures (refused key, unencrypted refusal, timeout, bad proxy) write no key' {
        (Invoke-Step 'connect-badkey' { Connect-C2Socket -ApiKey $BadKey -Uri $Sim.Uri -Verbose -Debug }).Errors | Should -Not -BeNullOrEmpty
        $null = Invoke-Step 'test-badkey' { Test-C2Connection -ApiKey $BadKey -Uri $Sim.Uri -Verbose -Debug }
        (Invoke-Step 'connect-ws' { Connect-C2Socket -ApiKey $C2CanaryKey -Uri ws://192.0.2.10/ws -Verbose -Debug }).Errors | Should -Not -BeNullOrEmpty
        # A loopback listener that accepts the TCP connection and never answers the upgrade: a handshake timeout.
        $silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $silent.Start()
        try {
            $uri = "ws://127.0.0.1:$($silent.LocalEndpoint.Port)/ws"
            (Invoke-Step 'connect-timeout' { Connect-C2Socket -ApiKey $C2CanaryKey -Uri $uri -NoProxy -TimeoutSec 1 -MaxReconnectAttempts 0 -Verbose -Debug }).Errors | Should -Not -BeNullOrEmpty
        }
        finally { $silent.Stop() }
        $null = Invoke-Step 'connect-badproxy' { Connect-C2Socket -ApiKey $C2CanaryKey -Uri $Sim.Uri -Proxy http://127.0.0.1:1 -TimeoutSec 2 -MaxReconnectAttempts 0 -Verbose -Debug }
        (Invoke-Step 'bad-parameter' { Connect-C2Socket -ApiKey $C2CanaryKey -Uri $Sim.Uri -TimeoutSec -5 -Verbose -Debug }).Errors | Should -Not -BeNullOrEmpty
        $Scan.Leaks | Should -BeNullOrEmpty
    }

    It 'subscriptions accepted, refused and listed write no key' {
        (Invoke-Step 'add' { Add-C2Subscription -StrategyId 77, 78 -Verbose -Debug }).Errors | Should -BeNullOrEmpty
        (Invoke-Step 'add-refused' { Add-C2Subscription -StrategyId $C2ForbiddenStrategy -Verbose -Debug }).Errors | Should -Not -BeNullOrEmpty
        $null = Invoke-Step 'get-sub' { Get-C2Subscription -Verbose -Debug; Get-C2Subscription -StrategyId 77 -Channel strategy.signal -Verbose -Debug }
        $null = Invoke-Step 'get-session' { Get-C2Session -Verbose -Debug; Get-C2Session -Default; Get-C2Session -Id 999999 }
        $Scan.Leaks | Should -BeNullOrEmpty
    }

    It 'signals, server errors, junk, timeouts and a reconnect write no key' {
        $null = Publish-C2TestSignal $Sim 77 @{ symbol = 'ESZ6' }
        $null = Publish-C2TestSignal $Sim 78 @{ symbol = 'NQZ6' }
        $null = Invoke-C2Control -Simulator $Sim -Path raw -Body '{"msg_type":"error","payload":{"code":"INTERNAL","message":"server trouble"}}'
        $null = Invoke-C2Control -Simulator $Sim -Path raw -Body 'not json at all'
        (Invoke-Step 'receive' { Receive-C2Signal -Count 2 -TimeoutSec 20 -Verbose -Debug }).Output.Count | Should -Be 2
        $null = Invoke-Step 'receive-timeout' { Receive-C2Signal -TimeoutSec 1 -Verbose -Debug; Receive-C2Signal -IdleTimeoutSec 0.2 -StrategyId 77 -Verbose -Debug }
        Invoke-C2TestFault $Sim freeze
        try { (Invoke-Step 'add-timeout' { Add-C2Subscription -StrategyId 79 -TimeoutSec 1 -Verbose -Debug }).Errors | Should -Not -BeNullOrEmpty }
        finally { Invoke-C2TestFault $Sim unfreeze }
        $session = Get-C2Session -Default
        Invoke-C2TestFault $Sim drop
        Wait-C2Condition { $session.Reconnects -ge 1 -and $session.State -eq 'Connected' } 'the reconnect after the drop'
        $null = Invoke-Step 'after-reconnect' { Get-C2Session | Format-List * | Out-String; Receive-C2Signal -TimeoutSec 1 -Verbose -Debug }
        $changes = Invoke-Step 'state-changes' { Receive-C2Signal -IncludeStateChange -TimeoutSec 1 -Verbose -Debug }
        @($changes.Output | Where-Object { $_ -is [C2WebSocket.C2StateChange] }).Count | Should -BeGreaterOrEqual 2
        foreach ($c in $changes.Output) { Test-Text 'state-change line' ($c | Out-String); Test-Text 'state-change table' ($c | Format-Table -Force | Out-String) }
        $null = Invoke-Step 'remove' { Get-C2Subscription -StrategyId 78 | Remove-C2Subscription -PassThru -Verbose -Debug; Remove-C2Subscription -StrategyId 424242 -Verbose -Debug }
        $null = Invoke-Step 'disconnect' { Disconnect-C2Socket -All -Verbose -Debug; $session; Get-C2Session }
        Test-Object 'session' $session
        $Scan.Leaks | Should -BeNullOrEmpty
    }

    It 'a session that ends (the key refused on a reconnect), its C2SessionEnded and EndReason, and sessions by id write no key' {
        $s = Connect-C2Socket -ApiKey $C2CanaryKey -Uri $Sim.Uri -MaxReconnectAttempts 3 -ReconnectIntervalSec 0.05
        $null = $s | Add-C2Subscription -StrategyId 80
        $null = Invoke-Step 'session-by-id' { Get-C2Subscription -Session $s.Id -Verbose -Debug; Get-C2Subscription -Session 987654 -Verbose -Debug }
        Invoke-C2TestFault $Sim reject -Query @{ count = 1; status = 401 }
        Invoke-C2TestFault $Sim drop
        Wait-C2Condition { $s.State -eq 'Failed' } 'the key refused on the reconnect'
        $r = Invoke-Step 'session-ended' { Receive-C2Signal -Session $s -TimeoutSec 5 -Verbose -Debug }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2SessionEnded,*'
        $r.Errors[0].Exception.InnerException | Should -Not -BeNullOrEmpty -Because 'the refused key is the stored failure'
        $null = Invoke-Step 'ended-session' { $s; $s.EndReason; Get-C2Session -Id $s.Id | Format-List | Out-String; Disconnect-C2Socket $s -Verbose -Debug }
        $Scan.Leaks | Should -BeNullOrEmpty
    }

    It 'gap fill from REST history (-FillGapsFromHistory), filled and refused, with a checkpoint, writes no key' {
        $null = Invoke-C2Control -Simulator $Sim -Path options -Query @{ replay_retention = 5 }
        try {
            $cp = Join-Path $Folder 'gapfill.checkpoint.json'
            $null = Invoke-Step 'gapfill-connect' { Connect-C2Socket -ApiKey $C2CanaryKey -Uri $Sim.Uri -CheckpointPath $cp -FillGapsFromHistory -ReconnectIntervalSec 0.05 -Verbose -Debug | Add-C2Subscription -StrategyId 78 -Verbose -Debug }
            $null = Publish-C2TestSignal $Sim 78 -Count 2
            $null = Invoke-Step 'gapfill-first' { Receive-C2Signal -Count 2 -TimeoutSec 20 -Verbose -Debug }
            foreach ($status in 503, 401) {
                Invoke-C2TestFault $Sim reject -Query @{ count = 1; status = 503 }
                Invoke-C2TestFault $Sim drop
                $null = Publish-C2TestSignal $Sim 78 -Count 12
                if ($status -eq 401) { Invoke-C2TestFault $Sim rest-fail -Query @{ count = 1; status = 401 } }
                # Reads until the range is handled and the stream is quiet, so the REST fault is used up here.
                $r = Invoke-Step "gapfill-$status" { Receive-C2Signal -IdleTimeoutSec 1 -TimeoutSec 20 -Verbose -Debug }
                @($r.Output).Count | Should -BeGreaterThan 0
            }
            $null = Invoke-Step 'gapfill-disconnect' { Disconnect-C2Socket -All -Verbose -Debug }
            foreach ($f in Get-ChildItem -LiteralPath $Folder -Filter 'gapfill*') { Test-Text "file $($f.Name)" (Get-Content -LiteralPath $f.FullName -Raw) }
        }
        finally { $null = Invoke-C2Control -Simulator $Sim -Path options -Query @{ replay_retention = 0 } }
        $Scan.Leaks | Should -BeNullOrEmpty
    }

    It 'REST history and active orders, answered, refused and failed, write no key' {
        $secure = ConvertTo-SecureString -String $C2CanaryKey -AsPlainText -Force
        $rest = [uri]('http://127.0.0.1:{0}/' -f $Sim.Uri.Port)
        $null = Publish-C2TestSignal $Sim 77 -Count 3
        $null = Invoke-Step 'rest-connect' { Connect-C2Socket -ApiKey $secure -Uri $Sim.Uri -Verbose -Debug }
        (Invoke-Step 'history' { Get-C2StrategyHistory -StrategyId 77 -PageSize 2 -Verbose -Debug; Get-C2ActiveOrder -StrategyId 77 -Verbose -Debug }).Output.Count | Should -BeGreaterOrEqual 3
        (Invoke-Step 'history-own' { Get-C2StrategyHistory -StrategyId 77 -ApiKey $C2CanaryKey -Uri $Sim.Uri -ClosedTrades -Verbose -Debug; Get-C2ActiveOrder -StrategyId 77 -ApiKey $secure -RestUri $rest -Verbose -Debug }).Errors | Should -BeNullOrEmpty
        (Invoke-Step 'history-badkey' { Get-C2StrategyHistory -StrategyId 77 -ApiKey $BadKey -Uri $Sim.Uri -Verbose -Debug }).Errors | Should -Not -BeNullOrEmpty
        (Invoke-Step 'history-forbidden' { Get-C2StrategyHistory -StrategyId $C2ForbiddenStrategy -Verbose -Debug; Get-C2ActiveOrder -StrategyId $C2ForbiddenStrategy -Verbose -Debug }).Errors.Count | Should -Be 2
        (Invoke-Step 'history-notfound' { Get-C2StrategyHistory -StrategyId 77 -RestUri ([uri]::new($rest, '/none/')) -Verbose -Debug }).Errors | Should -Not -BeNullOrEmpty
        (Invoke-Step 'history-unencrypted' { Get-C2StrategyHistory -StrategyId 77 -ApiKey $C2CanaryKey -RestUri http://192.0.2.10/ -Verbose -Debug }).Errors | Should -Not -BeNullOrEmpty
        Invoke-C2TestFault $Sim rest-fail -Query @{ count = 1; status = 500 }
        Invoke-C2TestFault $Sim rest-fail -Query @{ count = 4; status = 429; retry_after = 0 }
        (Invoke-Step 'history-faults' { Get-C2StrategyHistory -StrategyId 77 -Verbose -Debug; Get-C2ActiveOrder -StrategyId 77 -Verbose -Debug }).Errors.Count | Should -Be 2
        Invoke-C2TestFault $Sim rest-slow -Query @{ count = 1; delay_ms = 5000 }
        (Invoke-Step 'history-timeout' { Get-C2StrategyHistory -StrategyId 77 -TimeoutSec 1 -Verbose -Debug }).Errors | Should -Not -BeNullOrEmpty
        $null = Invoke-Step 'rest-disconnect' { Disconnect-C2Socket -All -Verbose -Debug }
        $Scan.Leaks | Should -BeNullOrEmpty
    }

    It 'the checkpoint file and everything else written to disk hold no key' {
        $files = @(Get-ChildItem -LiteralPath $Folder -Recurse -File)
        $files.Name | Should -Contain 'checkpoint.json'
        foreach ($f in $files) {
            Test-Text "file $($f.Name)" ([System.IO.File]::ReadAllText($f.FullName))
            Test-Text "file(bytes) $($f.Name)" ([System.Text.Encoding]::Latin1.GetString([System.IO.File]::ReadAllBytes($f.FullName)))
        }
        $Scan.Leaks | Should -BeNullOrEmpty
    }

    It 'really looked: every step ran and hundreds of texts were searched' {
        $Scan.Steps | Should -BeGreaterOrEqual 22
        $Scan.Checked | Should -BeGreaterThan 500
    }
}
