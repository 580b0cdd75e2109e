# How signals and position updates look at the prompt: one table for both, whose columns read the snake_case and the
# C2 REST v4 payload names, a time column in UTC, and no RawJson in any default view.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator

    # Publishes a payload exactly as given (Publish-C2TestSignal adds strategy_id; a REST v4 payload names StrategyId).
    function Publish-C2Raw([long] $StrategyId, [string] $Json, [string] $Channel = 'strategy.signal') {
        $null = Invoke-C2Control -Simulator $Sim -Path 'publish' -Query @{ strategy_id = $StrategyId; channel = $Channel } -Body $Json
    }

    # The lines of a rendering, without blank ones.
    function Get-C2Lines([string] $Text) { @($Text -split "`r?`n" | Where-Object { $_.Trim() }) }

    $Header = '^\s*StrategyId\s+SeqId\s+Time\s+Symbol\s+Side\s+Qty\s+Type\s+Price\s*$'
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'The table of signals and position updates' {
    BeforeEach {
        Reset-C2TestSessions
        $null = Connect-C2TestSession $Sim
    }

    It 'shows a snake_case signal in its columns: symbol, side, quantity, order_type, limit_price (action and tif with Format-List *)' {
        $null = Add-C2Subscription -StrategyId 6001
        Publish-C2Raw 6001 '{"strategy_id":6001,"symbol":"ESZ6","side":"buy","action":"open","quantity":2,"order_type":"limit","limit_price":5012.25,"stop_price":null,"tif":"day","posted_at":"2025-11-23T09:31:02.123Z"}'
        $signal = Receive-C2Signal -Count 1 -TimeoutSec 20
        $lines = Get-C2Lines ($signal | Format-Table | Out-String -Width 250)
        $lines[0] | Should -Match $Header
        $lines.Count | Should -Be 3
        $lines[2] | Should -Match '^\s*6001\s+1\s+\S+Z\s+ESZ6\s+buy\s+2\s+limit\s+5012\.25\s*$'
        $list = $signal | Format-List * | Out-String -Width 250
        $list | Should -Match '(?m)^action\s+: open$'
        $list | Should -Match '(?m)^tif\s+: day$'
    }

    It 'shows a REST v4 signal in the same columns: C2Symbol.FullSymbol, Side, OrderQuantity, OrderType, Limit or Stop' {
        $null = Add-C2Subscription -StrategyId 6002
        Publish-C2Raw 6002 '{"StrategyId":6002,"SignalId":9001,"Side":"1","OrderType":"2","OpenClose":"O","OrderQuantity":3,"Limit":17850.5,"Stop":null,"TIF":"0","C2Symbol":{"FullSymbol":"@NQZ6","SymbolType":"future"},"PostedAt":"2025-11-23T09:31:04Z"}'
        Publish-C2Raw 6002 '{"StrategyId":6002,"SignalId":9002,"Side":"2","OrderType":"3","OpenClose":"C","OrderQuantity":1,"Limit":null,"Stop":17790,"TIF":"1","C2Symbol":{"FullSymbol":"@NQZ6","SymbolType":"future"},"PostedAt":"2025-11-23T09:32:04Z"}'
        $lines = Get-C2Lines (Receive-C2Signal -Count 2 -TimeoutSec 20 | Format-Table | Out-String -Width 250)
        $lines[0] | Should -Match $Header
        $lines[2] | Should -Match '^\s*6002\s+1\s+\S+Z\s+@NQZ6\s+1\s+3\s+2\s+17850\.5\s*$'
        $lines[3] | Should -Match '^\s*6002\s+2\s+\S+Z\s+@NQZ6\s+2\s+1\s+3\s+17790\s*$'
    }

    It 'shows position updates of both vocabularies: symbol or C2Symbol.FullSymbol, quantity or Quantity, avg_price or AvgPx' {
        $null = Add-C2Subscription -StrategyId 6003 -Channel strategy.positions
        Publish-C2Raw 6003 '{"strategy_id":6003,"symbol":"ESZ6","quantity":-3,"avg_price":5011.75,"updated_at":"2025-11-23T09:32:00Z"}' -Channel strategy.positions
        Publish-C2Raw 6003 '{"StrategyId":6003,"Quantity":4,"AvgPx":71.42,"C2Symbol":{"FullSymbol":"@CLF7","SymbolType":"future"},"UpdatedAt":"2025-11-23T09:33:00Z"}' -Channel strategy.positions
        $lines = Get-C2Lines (Receive-C2Signal -Count 2 -TimeoutSec 20 | Format-Table | Out-String -Width 250)
        $lines[0] | Should -Match $Header
        $lines[2] | Should -Match '^\s*6003\s+1\s+\S+Z\s+ESZ6\s+-3\s+Position\s+5011\.75\s*$'
        $lines[3] | Should -Match '^\s*6003\s+2\s+\S+Z\s+@CLF7\s+4\s+Position\s+71\.42\s*$'
    }

    It 'stays one table when one Receive-C2Signal writes signals and position updates, also without Format-Table' {
        $null = Add-C2Subscription -StrategyId 6004 -Channel strategy.signal, strategy.positions
        Publish-C2Raw 6004 '{"strategy_id":6004,"symbol":"ESZ6","side":"buy","quantity":2,"limit_price":5012.25}'
        Publish-C2Raw 6004 '{"strategy_id":6004,"symbol":"ESZ6","quantity":2,"avg_price":5012.25}' -Channel strategy.positions
        Publish-C2Raw 6004 '{"StrategyId":6004,"Side":"2","OrderQuantity":2,"Limit":5020.5,"C2Symbol":{"FullSymbol":"@ESZ6"}}'
        Publish-C2Raw 6004 '{"StrategyId":6004,"Quantity":0,"AvgPx":0,"C2Symbol":{"FullSymbol":"@ESZ6"}}' -Channel strategy.positions
        $all = @(Receive-C2Signal -Count 4 -TimeoutSec 20)
        $all.Count | Should -Be 4
        @($all | Where-Object { $_ -is [C2WebSocket.C2PositionUpdate] }).Count | Should -Be 2
        foreach ($text in ($all | Out-String -Width 250), ($all | Format-Table | Out-String -Width 250)) {
            $lines = Get-C2Lines $text
            @($lines | Where-Object { $_ -match $Header }).Count | Should -Be 1
            @($lines | Where-Object { $_ -match '^[\s-]+$' }).Count | Should -Be 1
            $lines.Count | Should -Be 6 -Because "a header, its dashes and four rows, no list in between:`n$text"
            @($lines | Where-Object { $_ -match '\bPosition\b' }).Count | Should -Be 2
            $text | Should -Not -Match 'RawJson'
        }
    }

    It 'renders synthetic payloads of the simulator''s REST v4 vocabulary (POST /control/options?vocabulary=rest)' {
        $null = Add-C2Subscription -StrategyId 6005 -Channel strategy.signal, strategy.positions
        $null = Invoke-C2Control -Simulator $Sim -Path 'options' -Query @{ vocabulary = 'rest' }
        try {
            $null = Publish-C2TestSignal $Sim 6005 -Count 3
            $null = Publish-C2TestSignal $Sim 6005 -Channel strategy.positions
        }
        finally { $null = Invoke-C2Control -Simulator $Sim -Path 'options' -Query @{ vocabulary = 'snake' } }
        $all = @(Receive-C2Signal -Count 4 -TimeoutSec 20)
        $all[0].PSObject.Properties['C2Symbol'] | Should -Not -BeNullOrEmpty
        $lines = Get-C2Lines ($all | Format-Table | Out-String -Width 250)
        $lines[0] | Should -Match $Header
        foreach ($row in $lines | Select-Object -Skip 2) {
            $message = $all[[array]::IndexOf($lines, $row) - 2]
            $row | Should -Match ([regex]::Escape($message.C2Symbol.FullSymbol))
            if ($message -is [C2WebSocket.C2Signal]) { $row | Should -Match ('\s{0}\s+{1}\s+{2}\s' -f $message.Side, $message.OrderQuantity, $message.OrderType) }
            else { $row | Should -Match ('\s{0}\s+Position\s+{1}\s*$' -f $message.Quantity, [regex]::Escape([string]$message.AvgPx)) }
        }
    }

    It 'renders a payload with none of the usual fields (signal and position, even a C2Symbol that is text) under Set-StrictMode' {
        $null = Add-C2Subscription -StrategyId 6006 -Channel strategy.signal, strategy.positions
        Publish-C2Raw 6006 '{"note":"nothing usual","nested":{"a":1}}'
        Publish-C2Raw 6006 '{"C2Symbol":"@ESZ6","Limit":null,"Stop":null}' -Channel strategy.positions
        $r = Invoke-C2Captured {
            Set-StrictMode -Version Latest
            Receive-C2Signal -Count 2 -TimeoutSec 20 | Format-Table | Out-String -Width 250
        }
        $r.Errors | Should -BeNullOrEmpty
        $lines = Get-C2Lines ($r.Output -join '')
        $lines[0] | Should -Match $Header
        $lines[2] | Should -Match '^\s*6006\s+1\s+\S+Z\s*$'
        $lines[3] | Should -Match '^\s*6006\s+1\s+\S+Z\s+@ESZ6\s+Position\s*$'
    }

    It 'shows the server''s timestamp in UTC, ISO 8601 with a Z (Console.Tests.ps1 shows it in another time zone)' {
        $null = Add-C2Subscription -StrategyId 6007
        Publish-C2Raw 6007 '{"strategy_id":6007,"symbol":"ESZ6"}'
        $s = Receive-C2Signal -Count 1 -TimeoutSec 20
        $s.Timestamp | Should -Not -BeNullOrEmpty
        $expected = $s.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [cultureinfo]::InvariantCulture)
        $row = (Get-C2Lines ($s | Format-Table | Out-String -Width 250))[2]
        $row | Should -Match ('^\s*6007\s+1\s+' + [regex]::Escape($expected) + '\s')
    }

    It 'puts RawJson in no default view; naming it (the property, Format-List *, RawJson) still shows it' {
        $null = Add-C2Subscription -StrategyId 6008 -Channel strategy.signal, strategy.positions
        Publish-C2Raw 6008 '{"strategy_id":6008,"symbol":"ESZ6","marker":"visible-only-in-raw"}'
        Publish-C2Raw 6008 '{"strategy_id":6008,"symbol":"ESZ6","quantity":1}' -Channel strategy.positions
        $all = @(Receive-C2Signal -Count 2 -TimeoutSec 20)
        foreach ($text in ($all | Out-String -Width 250), ($all | Format-Table | Out-String -Width 250)) {
            $text | Should -Not -Match 'RawJson'
            $text | Should -Not -Match 'visible-only-in-raw'
            $text | Should -Not -Match '"symbol"'
        }
        $all[0].RawJson | Should -Match 'visible-only-in-raw'
        $all[0] | Format-List *, RawJson | Out-String -Width 250 | Should -Match 'RawJson\s*:'
    }
}
