# Signals through the pipeline cmdlets a user combines them with, and how they look at the prompt.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'Signals in PowerShell pipelines' {
    BeforeEach {
        Reset-C2TestSessions
        $session = Connect-C2TestSession $Sim
    }

    It 'Where-Object filters on a payload field the module knows nothing about' {
        $null = Add-C2Subscription -StrategyId 2001
        foreach ($s in 'ESZ6', 'NQZ6', 'ESZ6', 'CLF7') { $null = Publish-C2TestSignal $Sim 2001 @{ symbol = $s } }
        $es = Receive-C2Signal -Count 4 -TimeoutSec 20 | Where-Object symbol -eq 'ESZ6'
        @($es).Count | Should -Be 2
        $es.SeqId | Should -Be 1, 3
    }

    It 'Sort-Object orders by a payload field' {
        $null = Add-C2Subscription -StrategyId 2002
        foreach ($q in 5, 1, 9, 3) { $null = Publish-C2TestSignal $Sim 2002 @{ quantity = $q } }
        (Receive-C2Signal -Count 4 -TimeoutSec 20 | Sort-Object quantity -Descending).quantity | Should -Be 9, 5, 3, 1
    }

    It 'Group-Object groups by strategy and by payload field' {
        $null = Add-C2Subscription -StrategyId 2003, 2004
        foreach ($i in 1..3) { $null = Publish-C2TestSignal $Sim 2003 @{ side = 'buy' } }
        foreach ($i in 1..2) { $null = Publish-C2TestSignal $Sim 2004 @{ side = 'sell' } }
        $signals = @(Receive-C2Signal -Count 5 -TimeoutSec 20)
        $byStrategy = $signals | Group-Object StrategyId | Sort-Object Name
        $byStrategy.Name | Should -Be '2003', '2004'
        $byStrategy | ForEach-Object Count | Should -Be 3, 2
        ($signals | Group-Object side -AsHashTable -AsString)['sell'].Count | Should -Be 2
    }

    It 'Select-Object -First stops an endless Receive-C2Signal promptly and the rest stays queued' {
        $null = Add-C2Subscription -StrategyId 2005
        $null = Publish-C2TestSignal $Sim 2005 -Count 5
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        # No -Count, no timeout: only Select-Object ends it (as Ctrl+C would).
        $two = Receive-C2Signal | Select-Object -First 2
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        $two.SeqId | Should -Be 1, 2
        # What Select-Object did not take is still there, in order, for the next read.
        (Receive-C2Signal -IdleTimeoutSec 1 | Where-Object SeqId -gt 2).SeqId | Should -Be 3, 4, 5
        (Get-C2Session -Default).State | Should -Be 'Connected'
    }

    It 'Select-Object picks properties and ForEach-Object builds strings from them' {
        $null = Add-C2Subscription -StrategyId 2006
        foreach ($q in 5, 6, 7) { $null = Publish-C2TestSignal $Sim 2006 @{ symbol = 'NQZ6'; quantity = $q } }
        $rows = Receive-C2Signal -Count 3 -TimeoutSec 20 | Select-Object StrategyId, SeqId, symbol, quantity
        $rows[2].PSObject.Properties.Name | Should -Be 'StrategyId', 'SeqId', 'symbol', 'quantity'
        $rows | ForEach-Object { '{0}:{1}:{2}' -f $_.symbol, $_.quantity, $_.SeqId } | Should -Be 'NQZ6:5:1', 'NQZ6:6:2', 'NQZ6:7:3'
    }

    It 'Measure-Object sums a payload field' {
        $null = Add-C2Subscription -StrategyId 2007
        foreach ($q in 2, 3, 5) { $null = Publish-C2TestSignal $Sim 2007 @{ quantity = $q } }
        (Receive-C2Signal -Count 3 -TimeoutSec 20 | Measure-Object quantity -Sum).Sum | Should -Be 10
    }

    It 'signals render as a table with their strategy, seq_id and payload values' {
        $null = Add-C2Subscription -StrategyId 2008
        $null = Publish-C2TestSignal $Sim 2008 @{ signal_id = 9001; symbol = 'ESZ6'; side = 'buy'; action = 'open'; quantity = 2; order_type = 'limit'; limit_price = 5012.25; tif = 'day' }
        $text = Receive-C2Signal -Count 1 -TimeoutSec 20 | Format-Table | Out-String -Width 250
        $lines = $text -split "`r?`n" | Where-Object { $_.Trim() }
        $row = @($lines | Where-Object { $_ -match 'ESZ6' })
        $row.Count | Should -Be 1
        foreach ($cell in '2008', 'buy', '5012.25') { $row[0] | Should -Match ([regex]::Escape($cell)) }
        # A header line and its dashes above the row.
        @($lines | Where-Object { $_ -match '^[\s-]+$' -and $_ -match '---' }).Count | Should -Be 1
    }

    It 'position updates render with their symbol, quantity and average price' {
        $null = Add-C2Subscription -StrategyId 2014 -Channel strategy.positions
        $null = Publish-C2TestSignal $Sim 2014 @{ symbol = 'NQZ6'; quantity = -3; avg_price = 17850.5; updated_at = '2025-11-23T09:32:00Z' } -Channel strategy.positions
        $text = Receive-C2Signal -Channel strategy.positions -Count 1 -TimeoutSec 20 | Format-Table | Out-String -Width 250
        $row = @($text -split "`r?`n" | Where-Object { $_ -match 'NQZ6' })
        $row.Count | Should -Be 1
        foreach ($cell in '2014', '-3', '17850.5') { $row[0] | Should -Match ([regex]::Escape($cell)) }
    }

    It 'a signal without the usual fields still renders under Set-StrictMode, without errors' {
        $null = Add-C2Subscription -StrategyId 2009
        $null = Publish-C2TestSignal $Sim 2009 @{ note = 'a payload without the usual fields' }
        $r = Invoke-C2Captured {
            Set-StrictMode -Version Latest
            Receive-C2Signal -Count 1 -TimeoutSec 20 | Format-Table | Out-String -Width 250
        }
        $r.Errors | Should -BeNullOrEmpty
        $text = $r.Output -join ''
        $text | Should -Match '2009'
        $text | Should -Not -Match 'PropertyNotFound'
    }

    It 'Format-List * shows every payload field by name' {
        $null = Add-C2Subscription -StrategyId 2010
        $null = Publish-C2TestSignal $Sim 2010 @{ symbol = 'CLF7'; venue_code = 'NYMEX' }
        $text = Receive-C2Signal -Count 1 -TimeoutSec 20 | Format-List * | Out-String -Width 250
        $text | Should -Match 'venue_code\s*:\s*NYMEX'
        $text | Should -Match 'symbol\s*:\s*CLF7'
        $text | Should -Match 'SeqId\s*:\s*1'
    }

    It 'sessions render as a table: Id, State, subscriptions, URI and why a session ended (the rest: Format-List)' {
        $null = Add-C2Subscription -StrategyId 2011
        $text = Get-C2Session | Format-Table | Out-String -Width 250
        $header = ($text -split "`r?`n" | Where-Object { $_ -match 'Subs' } | Select-Object -First 1)
        foreach ($col in 'Id', 'State', 'Subs', 'Uri', 'EndReason') { $header | Should -Match $col }
        $row = $text -split "`r?`n" | Where-Object { $_ -match [regex]::Escape($Sim.Uri.ToString()) }
        $row | Should -Match 'Connected\s+1\s'
        Get-C2Session | Format-List | Out-String -Width 250 | Should -Match 'Inbox\s+:\s+0/10000'
    }

    It 'subscriptions render as a table: session, channel, strategy, state, last seq_id, error (the resume point: Format-List)' {
        $null = Add-C2Subscription -StrategyId 2012
        $text = Get-C2Subscription | Format-Table | Out-String -Width 250
        $header = ($text -split "`r?`n" | Where-Object { $_ -match 'LastSeqId' } | Select-Object -First 1)
        foreach ($col in 'SessionId', 'Channel', 'StrategyId', 'State', 'LastSeqId', 'LastError') { $header | Should -Match $col }
        Get-C2Subscription | Format-List | Out-String -Width 250 | Should -Match 'ResumeFrom\s+:'
        $text -split "`r?`n" | Where-Object { $_ -match 'strategy\.signal' -and $_ -match '2012' -and $_ -match 'Active' } | Should -Not -BeNullOrEmpty
    }

    It 'ForEach-Object -Begin/-Process/-End sees every signal once' {
        $null = Add-C2Subscription -StrategyId 2013
        $null = Publish-C2TestSignal $Sim 2013 -Count 4
        $summary = Receive-C2Signal -Count 4 -TimeoutSec 20 | ForEach-Object -Begin { $n = 0; $ids = @() } -Process { $n++; $ids += $_.SeqId } -End { "$n signals: $($ids -join ',')" }
        $summary | Should -Be '4 signals: 1,2,3,4'
    }
}
