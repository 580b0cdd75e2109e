# Get-C2StrategyHistory in real pwsh against the simulator's REST API: rows as objects (every REST field a property, times
# as DateTimeOffset), streamed page by page, -Since/-Until, -ClosedTrades, Export-Csv, -Verbose per page, Write-Progress in
# a non-interactive pwsh, and each REST error and fault as an ErrorRecord with its ErrorId.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
    $Folder = New-C2TestFolder
    $IsoTime = '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(\d{4})?\+00:00$'

    function Set-C2TestRestOption([hashtable] $Options) { $null = Invoke-C2Control -Simulator $Sim -Path options -Query $Options }
    function Get-C2TestRestRequests([int] $Last = 100) { @(Invoke-C2Control -Simulator $Sim -Path rest/requests -Method Get -Query @{ last = $Last } | ForEach-Object { $_ }) }
    # The REST API's address: the simulator's host and port over http.
    $RestUri = [uri]('http://127.0.0.1:{0}/' -f $Sim.Uri.Port)
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
    if ($Folder) { Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Get-C2StrategyHistory' {
    BeforeAll {
        Reset-C2TestSessions
        $session = Connect-C2TestSession $Sim
    }
    AfterEach { Set-C2TestRestOption @{ rest_page_size = 1000; rest_casing = 'pascal'; rest_end_marker = 'null' } }

    It 'returns each published signal as an order row with the socket payload''s signal id, REST fields as properties' {
        $null = Add-C2Subscription -StrategyId 7101
        $null = Publish-C2TestSignal $Sim 7101 -Count 4
        $signals = @(Receive-C2Signal -StrategyId 7101 -Count 4)
        $rows = @(Get-C2StrategyHistory -StrategyId 7101)
        $rows.Count | Should -Be 4
        $rows | ForEach-Object { $_ | Should -BeOfType ([C2WebSocket.C2RestRow]) }
        $rows.SignalId | Should -Be $signals.signal_id
        $rows[0].StrategyId | Should -Be 7101
        $rows[0].PostedDate | Should -BeOfType ([datetimeoffset])
        $rows[0].PostedDate | Should -Be $signals[0].posted_at
        $rows[0].C2Symbol.FullSymbol | Should -Not -BeNullOrEmpty
        $rows[0].Side | Should -BeIn '1', '2'
        $rows[0].Endpoint | Should -Be 'GetStrategyHistoricalOrders'
        $rows[0].RawJson | Should -Match '^\{"Id":'
        @($rows[0] | Get-Member -MemberType Properties).Name | Should -Not -Contain 'RawJson'   # hidden
    }

    It 'streams: the first rows reach the pipeline before the last page is asked for, and -Verbose names each page' {
        $null = Publish-C2TestSignal $Sim 7102 -Count 12
        Set-C2TestRestOption @{ rest_page_size = 5 }
        $before = (Get-C2TestStats $Sim).rest_requests
        $seen = @{}
        $r = Invoke-C2Captured {
            Get-C2StrategyHistory -StrategyId 7102 -PageSize 10 -Verbose |
                ForEach-Object { if (-not $seen.ContainsKey('AtFirstRow')) { $seen.AtFirstRow = (Get-C2TestStats $Sim).rest_requests }; $_ }
        }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output.Count | Should -Be 12
        $seen.AtFirstRow - $before | Should -Be 1                                         # only the first page was fetched
        (Get-C2TestStats $Sim).rest_requests - $before | Should -Be 3                    # 5 + 5 + 2: short pages are not the end
        $pages = @($r.Verbose | Where-Object { $_ -like 'GetStrategyHistoricalOrders for strategy 7102, page*' })
        $pages | Should -Be @(
            'GetStrategyHistoricalOrders for strategy 7102, page 1: 5 row(s); more follow.'
            'GetStrategyHistoricalOrders for strategy 7102, page 2: 5 row(s); more follow.'
            'GetStrategyHistoricalOrders for strategy 7102, page 3: 2 row(s); the last page.')
        $queries = @(Get-C2TestRestRequests 3).query
        $queries[0] | Should -Match 'Limit=10'
        $queries[1] | Should -Match 'Cursor=c1%2F\d+%2Ba%3D%3D'                          # the decoded cursor, encoded once
    }

    It 'ends paging at a next_cursor that is <Marker> and reads <Casing> names' -ForEach @(
        @{ Marker = 'empty'; Casing = 'camel'; Strategy = 7103 }
        @{ Marker = 'missing'; Casing = 'pascal'; Strategy = 7113 }
    ) {
        $null = Publish-C2TestSignal $Sim $Strategy -Count 5
        Set-C2TestRestOption @{ rest_page_size = 2; rest_end_marker = $Marker; rest_casing = $Casing }
        $rows = @(Get-C2StrategyHistory -StrategyId $Strategy)
        $rows.Count | Should -Be 5
        $rows[0].SignalId | Should -Not -BeNullOrEmpty                                    # signalId or SignalId
        $rows[0].PostedDate | Should -BeOfType ([datetimeoffset])
    }

    It 'asks for -Since and -Until as StartDate and EndDate in ISO 8601 UTC, and keeps only that window' {
        $null = Publish-C2TestSignal $Sim 7104 @{ signal_id = 1; posted_at = '2026-01-01T10:00:00.000Z' }
        $null = Publish-C2TestSignal $Sim 7104 @{ signal_id = 2; posted_at = '2026-01-01T11:00:00.000Z' }
        $null = Publish-C2TestSignal $Sim 7104 @{ signal_id = 3; posted_at = '2026-01-01T12:00:00.000Z' }
        $since = [datetime]::new(2026, 1, 1, 10, 30, 0, [DateTimeKind]::Utc)
        $rows = @(Get-C2StrategyHistory -StrategyId 7104 -Since $since -Until '2026-01-01T12:00:00Z')
        $rows.SignalId | Should -Be 2, 3
        (Get-C2TestRestRequests 1).query | Should -Match 'StartDate=2026-01-01T10%3A30%3A00.000Z&EndDate=2026-01-01T12%3A00%3A00.000Z'
        # A local time is converted: the same instant, whatever the machine's zone.
        @(Get-C2StrategyHistory -StrategyId 7104 -Since $since.ToLocalTime()).SignalId | Should -Be 2, 3
    }

    It 'returns closed trades with -ClosedTrades, -Since applied to their CloseDate' {
        $null = Publish-C2TestSignal $Sim 7105 @{ signal_id = 1; symbol = 'AAPL'; side = 'buy'; action = 'open'; quantity = 10; posted_at = '2026-02-01T10:00:00.000Z' }
        $null = Publish-C2TestSignal $Sim 7105 @{ signal_id = 2; symbol = 'AAPL'; side = 'sell'; action = 'close'; quantity = 10; limit_price = 190.5; order_type = 'limit'; posted_at = '2026-02-01T11:00:00.000Z' }
        $null = Publish-C2TestSignal $Sim 7105 @{ signal_id = 3; symbol = 'MSFT'; side = 'buy'; action = 'open'; quantity = 5; posted_at = '2026-02-02T10:00:00.000Z' }
        $null = Publish-C2TestSignal $Sim 7105 @{ signal_id = 4; symbol = 'MSFT'; side = 'sell'; action = 'close'; quantity = 5; posted_at = '2026-02-03T10:00:00.000Z' }
        $trades = @(Get-C2StrategyHistory -StrategyId 7105 -ClosedTrades)
        $trades.TradeId | Should -Be 1, 3
        $trades[0].CloseDate | Should -BeOfType ([datetimeoffset])
        $trades[0].ClosePrice | Should -Be 190.5
        $r = Invoke-C2Captured { Get-C2StrategyHistory -StrategyId 7105 -ClosedTrades -Since '2026-02-02T00:00:00Z' -Verbose }
        $r.Output.TradeId | Should -Be 3
        $r.Verbose | Should -Contain 'Strategy 7105: 1 row(s) outside -Since/-Until left out.'
        (Get-C2TestRestRequests 1).path | Should -Be '/Strategies/GetStrategyHistoricalClosedTrades'
    }

    It 'Export-Csv round trip: one column per REST field, ISO 8601 times, the symbol as one JSON cell' {
        $null = Publish-C2TestSignal $Sim 7106 -Count 3
        $csv = Join-Path $Folder 'history.csv'
        Get-C2StrategyHistory -StrategyId 7106 | Export-Csv -LiteralPath $csv -NoTypeInformation
        $back = @(Import-Csv -LiteralPath $csv)
        $back.Count | Should -Be 3
        $back[0].PSObject.Properties.Name | Should -Be 'Id', 'StrategyId', 'StrategyName', 'SignalId', 'C2Symbol', 'Side', 'OpenClose', 'OrderType',
            'OrderQuantity', 'Limit', 'Stop', 'TIF', 'OrderStatus', 'FilledQuantity', 'AvgPx', 'PostedDate'
        foreach ($row in $back) {
            $row.PostedDate | Should -Match $IsoTime
            ($row.C2Symbol | ConvertFrom-Json).FullSymbol | Should -Not -BeNullOrEmpty
        }
        [datetimeoffset]$back[0].PostedDate | Should -Be (Get-C2StrategyHistory -StrategyId 7106)[0].PostedDate
        $json = Get-C2StrategyHistory -StrategyId 7106 | Select-Object -First 1 | ConvertTo-Json -Compress
        $json | Should -Match '"PostedDate":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00"'
        $json | Should -Not -Match 'RawJson'
    }

    It 'takes strategy ids from the pipeline by property name (subscriptions, signals)' {
        $null = Add-C2Subscription -StrategyId 7107
        $null = Publish-C2TestSignal $Sim 7107 -Count 2
        @(Get-C2Subscription -StrategyId 7107 | Get-C2StrategyHistory).Count | Should -Be 2
        @(Receive-C2Signal -StrategyId 7107 -Count 1 | Get-C2StrategyHistory).Count | Should -Be 2
    }

    It 'works without a session from the connection parameters, and from $env:C2_API_KEY with -Uri' {
        $null = Publish-C2TestSignal $Sim 7108 -Count 2
        Reset-C2TestSessions
        try {
            @(Get-C2StrategyHistory -StrategyId 7108 -ApiKey $Sim.ApiKey -Uri $Sim.Uri).Count | Should -Be 2
            @(Get-C2StrategyHistory -StrategyId 7108 -ApiKey $Sim.ApiKey -RestUri $RestUri -Uri 'wss://unused.example/ws').Count | Should -Be 2
            $env:C2_API_KEY = $Sim.ApiKey
            $r = Invoke-C2Captured { Get-C2StrategyHistory -StrategyId 7108 -Uri $Sim.Uri -Verbose }
            $r.Output.Count | Should -Be 2
            $r.Verbose | Should -Contain 'Using the API key from $env:C2_API_KEY.'
        }
        finally {
            $env:C2_API_KEY = $null
            $session = Connect-C2TestSession $Sim
        }
    }

    It 'writes progress in a non-interactive pwsh without breaking it' {
        $null = Publish-C2TestSignal $Sim 7109 -Count 9
        Set-C2TestRestOption @{ rest_page_size = 2 }
        $pwsh = Get-C2PwshCommand
        $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh.FileName)
        $code = '$ProgressPreference = ''Continue''; Import-Module $env:C2_MODULE; (Get-C2StrategyHistory -StrategyId 7109 -ApiKey $env:C2_KEY -Uri $env:C2_URI | Measure-Object).Count'
        foreach ($a in @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', $code)) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['C2_MODULE'] = $C2ModuleManifest
        $psi.Environment['C2_KEY'] = $Sim.ApiKey
        $psi.Environment['C2_URI'] = $Sim.Uri.ToString()
        $p = [System.Diagnostics.Process]::Start($psi)
        $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
        $p.WaitForExit(60000) | Should -BeTrue
        $err.Result | Should -BeNullOrEmpty
        $out.Result.Trim() | Should -Be '9'
        $p.ExitCode | Should -Be 0
    }
}

Describe 'Get-C2StrategyHistory errors' {
    BeforeAll {
        Reset-C2TestSessions
        $session = Connect-C2TestSession $Sim
        $null = Publish-C2TestSignal $Sim 7201 -Count 2
    }

    It 'a forbidden strategy is C2RestForbidden and the others still come' {
        $r = Invoke-C2Captured { Get-C2StrategyHistory -StrategyId $C2ForbiddenStrategy, 7201 }
        $r.Output.Count | Should -Be 2
        $r.Errors.Count | Should -Be 1
        $e = $r.Errors[0]
        $e.FullyQualifiedErrorId | Should -BeLike 'C2RestForbidden,*'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $e.TargetObject | Should -Be $C2ForbiddenStrategy
        Get-C2ErrorMessage $e | Should -Match 'HTTP 403.*The server said: Forbidden \(403\); StrategyId: Not authorized to access strategy 666'
        $e.Exception.Errors[0].FieldName | Should -Be 'StrategyId'
    }

    It 'a refused key is C2AuthenticationFailed and ends the command' {
        $r = Invoke-C2Captured { Get-C2StrategyHistory -StrategyId 7201, 7202 -ApiKey 'wrong-key' -Uri $Sim.Uri; 'after' }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2AuthenticationFailed,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        Get-C2ErrorMessage $r.Errors[0] | Should -Match 'refused the API key \(HTTP 401\).*Invalid API key'
    }

    It 'a 429 with Retry-After is waited for and retried, said with -Verbose' {
        Invoke-C2TestFault $Sim rest-fail -Query @{ count = 1; status = 429; retry_after = 1 }
        $r = Invoke-C2Captured { Get-C2StrategyHistory -StrategyId 7201 -Verbose }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output.Count | Should -Be 2
        $r.Verbose | Should -Contain 'GetStrategyHistoricalOrders answered HTTP 429; retrying in 1 s (as its Retry-After asks), attempt 2 of 4.'
    }

    It '<Status> <Count> time(s) is <ErrorId> (<Category>)' -ForEach @(
        @{ Status = 503; Count = 4; ErrorId = 'C2RestUnavailable'; Category = 'ResourceUnavailable'; Words = 'Service unavailable: maintenance' }
        @{ Status = 429; Count = 4; ErrorId = 'C2RestRateLimited'; Category = 'LimitsExceeded'; Words = 'Too many requests' }
        @{ Status = 500; Count = 1; ErrorId = 'C2RestServerError'; Category = 'InvalidResult'; Words = 'Internal server error' }
    ) {
        Invoke-C2TestFault $Sim rest-fail -Query @{ count = $Count; status = $Status; retry_after = 0 }
        $before = (Get-C2TestStats $Sim).rest_requests
        $r = Invoke-C2Captured { Get-C2StrategyHistory -StrategyId 7201 }
        $r.Output | Should -BeNullOrEmpty
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $r.Errors[0].CategoryInfo.Category | Should -Be $Category
        Get-C2ErrorMessage $r.Errors[0] | Should -Match ([regex]::Escape($Words))
        (Get-C2TestStats $Sim).rest_requests - $before | Should -Be $Count               # 429/503: 1 + 3 retries; 500: never retried
    }

    It 'a slow answer is C2RestTimeout after -TimeoutSec' {
        Invoke-C2TestFault $Sim rest-slow -Query @{ count = 1; delay_ms = 10000 }
        $r = Invoke-C2Captured { Get-C2StrategyHistory -StrategyId 7201 -TimeoutSec 1 }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2RestTimeout,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        Get-C2ErrorMessage $r.Errors[0] | Should -Match 'did not answer within 1 s'
    }

    It 'a REST address without the method is C2RestNotFound naming it' {
        $r = Invoke-C2Captured { Get-C2StrategyHistory -StrategyId 7201 -RestUri ([uri]::new($RestUri, '/nothing/here/')) }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2RestNotFound,*'
        Get-C2ErrorMessage $r.Errors[0] | Should -Match 'GetStrategyHistoricalOrders was not found at http://127\.0\.0\.1:\d+/nothing/here/Strategies/GetStrategyHistoricalOrders \(HTTP 404\)'
    }

    It 'refuses <Case> with <ErrorId>' -ForEach @(
        @{ Case = 'the key over http:// to a remote host'; ErrorId = 'C2UnencryptedAuthentication'; Script = { Get-C2StrategyHistory -StrategyId 1 -RestUri http://192.0.2.10/ } }
        @{ Case = '-Until before -Since'; ErrorId = 'C2InvalidParameterCombination'; Script = { Get-C2StrategyHistory -StrategyId 1 -Since '2026-01-02' -Until '2026-01-01' } }
        @{ Case = 'a -RestUri that is not http(s)'; ErrorId = 'ParameterArgumentValidationError'; Script = { Get-C2StrategyHistory -StrategyId 1 -RestUri ftp://x/ } }
        @{ Case = 'more than 1000 rows per page'; ErrorId = 'ParameterArgumentValidationError'; Script = { Get-C2StrategyHistory -StrategyId 1 -PageSize 1001 } }
        @{ Case = '-Session with -ApiKey'; ErrorId = 'AmbiguousParameterSet'; Script = { Get-C2StrategyHistory -StrategyId 1 -Session (Get-C2Session -Default) -ApiKey x } }
    ) {
        $r = Invoke-C2Captured $Script
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $r.Output | Should -BeNullOrEmpty
    }

    It 'with no session and no key it is C2NoSession saying how to call without one; a closed session is C2SessionClosed' {
        $closed = Get-C2Session -Default
        Reset-C2TestSessions
        $r = Invoke-C2Captured { Get-C2StrategyHistory -StrategyId 7201 }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2NoSession,*'
        Get-C2ErrorMessage $r.Errors[0] | Should -Match 'pass -ApiKey \(and -Uri or -RestUri\), or set \$env:C2_API_KEY'
        $r = Invoke-C2Captured { Get-C2StrategyHistory -StrategyId 7201 -Session $closed }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2SessionClosed,*'
    }
}
