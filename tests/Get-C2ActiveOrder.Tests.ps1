# Get-C2ActiveOrder in real pwsh against the simulator's REST API (GetStrategyActiveOrders): working orders as objects,
# the documented singular StrategyId sent for each strategy, Export-Csv, and its errors.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
    $Folder = New-C2TestFolder
    function Get-C2TestRestRequests([int] $Last = 100) { @(Invoke-C2Control -Simulator $Sim -Path rest/requests -Method Get -Query @{ last = $Last } | ForEach-Object { $_ }) }
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
    if ($Folder) { Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Get-C2ActiveOrder' {
    BeforeAll {
        Reset-C2TestSessions
        $session = Connect-C2TestSession $Sim
        # Limit and stop orders among a strategy's last ten orders are working in the simulator; market orders are filled.
        $null = Publish-C2TestSignal $Sim 7301 @{ signal_id = 1; symbol = 'ESZ6'; side = 'buy'; quantity = 1; order_type = 'market' }
        $null = Publish-C2TestSignal $Sim 7301 @{ signal_id = 2; symbol = 'ESZ6'; side = 'sell'; quantity = 2; order_type = 'limit'; limit_price = 5050.25 }
        $null = Publish-C2TestSignal $Sim 7301 @{ signal_id = 3; symbol = 'NQZ6'; side = 'buy'; quantity = 1; order_type = 'stop'; stop_price = 17000 }
        $null = Publish-C2TestSignal $Sim 7302 @{ signal_id = 4; symbol = 'AAPL'; side = 'buy'; quantity = 100; order_type = 'limit'; limit_price = 180 }
    }

    It 'returns the working orders of each strategy, asking with the documented singular StrategyId' {
        $orders = @(Get-C2ActiveOrder -StrategyId 7301, 7302)
        $orders.SignalId | Should -Be 2, 3, 4
        $orders | ForEach-Object { $_ | Should -BeOfType ([C2WebSocket.C2RestRow]) }
        $orders.OrderStatus | Select-Object -Unique | Should -Be 'Working'
        $orders[0].Limit | Should -Be 5050.25
        $orders[0].C2Symbol.FullSymbol | Should -Be 'ESZ6'
        $orders[0].PostedDate | Should -BeOfType ([datetimeoffset])
        $orders[0].Endpoint | Should -Be 'GetStrategyActiveOrders'
        $asked = @(Get-C2TestRestRequests 2)
        $asked.path | Select-Object -Unique | Should -Be '/Strategies/GetStrategyActiveOrders'
        $asked.query | Should -Be '?StrategyId=7301', '?StrategyId=7302'
    }

    It 'shows a table of 79 characters with Time, Strategy, Id, Symbol, Side, Qty, Price, Status' {
        $lines = @((Get-C2ActiveOrder -StrategyId 7301 | Out-String -Width 80) -split "`r?`n" | Where-Object { $_.Trim() })
        $lines[0] -split '\s+' | Where-Object { $_ } | Should -Be 'Time', 'Strategy', 'Id', 'Symbol', 'Side', 'Qty', 'Price', 'Status'
        $lines[2] | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+7301\s+2 ESZ6\s+2\s+2\s+5050\.25 Working$'
        foreach ($l in $lines) { $l.Length | Should -BeLessOrEqual 79 }
    }

    It 'Export-Csv writes the REST fields with ISO 8601 times' {
        $csv = Join-Path $Folder 'active.csv'
        Get-C2ActiveOrder -StrategyId 7301 | Export-Csv -LiteralPath $csv -NoTypeInformation
        $back = @(Import-Csv -LiteralPath $csv)
        $back.SignalId | Should -Be 2, 3
        $back[0].PostedDate | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$'
        $back[1].Stop | Should -Be '17000'
    }

    It 'a strategy with no working orders gives nothing, and says so with -Verbose' {
        $r = Invoke-C2Captured { Get-C2ActiveOrder -StrategyId 7399 -Verbose }
        $r.Output | Should -BeNullOrEmpty
        $r.Errors | Should -BeNullOrEmpty
        $r.Verbose | Should -Contain 'GetStrategyActiveOrders for strategy 7399, page 1: 0 row(s); the last page.'
    }

    It 'a forbidden strategy is C2RestForbidden; a refused key C2AuthenticationFailed; a 503 that persists C2RestUnavailable' {
        $r = Invoke-C2Captured { Get-C2ActiveOrder -StrategyId $C2ForbiddenStrategy, 7302 }
        $r.Output.SignalId | Should -Be 4
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2RestForbidden,*'
        $r.Errors[0].TargetObject | Should -Be $C2ForbiddenStrategy

        $r = Invoke-C2Captured { Get-C2ActiveOrder -StrategyId 7301 -ApiKey 'wrong-key' -Uri $Sim.Uri }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2AuthenticationFailed,*'

        Invoke-C2TestFault $Sim rest-fail -Query @{ count = 4; status = 503; retry_after = 0 }
        $r = Invoke-C2Captured { Get-C2ActiveOrder -StrategyId 7301 -Verbose }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2RestUnavailable,*'
        Get-C2ErrorMessage $r.Errors[0] | Should -Match '\(4 attempts\)'
    }
}
