# 80-column consoles: every default table view fits 80 columns with the columns users filter on first, no header is
# split over two lines, and wider consoles get more. Checked three ways: the rule on every table view of the format file
# (so views added later are held to it), Out-String -Width 80 of real objects, and a real pwsh on an 80-column
# pseudo-terminal (util-linux `script`), where the console host formats for the terminal's width.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'DocBlocks.ps1')
    $FormatFile = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '..' 'src' 'C2WebSocket' 'C2WebSocket.Format.ps1xml'))
    $TableViews = @(([xml][System.IO.File]::ReadAllText($FormatFile)).Configuration.ViewDefinitions.View | Where-Object { $_.PSObject.Properties['TableControl'] } |
            ForEach-Object { @{ Name = $_.Name; Type = @($_.ViewSelectedBy.TypeName)[0] } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
    $FormatXml = [xml][System.IO.File]::ReadAllText((Join-Path $C2RepoRoot 'src' 'C2WebSocket' 'C2WebSocket.Format.ps1xml'))

    # The lines of a rendering, without blank ones and trailing spaces.
    function Get-C2Lines([string] $Text) { @($Text -split "`r?`n" | ForEach-Object { $_.TrimEnd() } | Where-Object { $_ }) }

    # Checks one rendered table: no line wider than -Width, one header line (the next is the dashes: a split header adds a
    # line in between), the expected columns in the header in that order; returns the lines.
    function Assert-C2Table([string] $Text, [string[]] $Columns, [int] $Width = 80) {
        $lines = Get-C2Lines $Text
        foreach ($l in $lines) { $l.Length | Should -BeLessOrEqual $Width -Because "every line fits $Width columns: '$l'" }
        $lines[1] | Should -Match '^[\s-]+$' -Because "the header is one line (a split header wraps onto a second line):`n$Text"
        $header = -split $lines[0]
        $header | Should -Be $Columns -Because "the columns at $Width are $($Columns -join ', '):`n$Text"
        $lines
    }

    # Signals and position updates of both vocabularies, and a session with subscriptions, for the views.
    Reset-C2TestSessions
    $Session = Connect-C2TestSession $Sim
    $null = Add-C2Subscription -StrategyId 123456789, 987654321 -Channel strategy.signal, strategy.positions
    $publish = { param($id, $json, $channel = 'strategy.signal') $null = Invoke-C2Control -Simulator $Sim -Path 'publish' -Query @{ strategy_id = $id; channel = $channel } -Body $json }
    & $publish 123456789 '{"strategy_id":123456789,"symbol":"ESZ6","side":"sell","action":"open","quantity":12,"order_type":"market","limit_price":5012.25,"tif":"day"}'
    & $publish 987654321 '{"StrategyId":987654321,"Side":"1","OrderType":"2","OpenClose":"O","OrderQuantity":3,"Limit":17850.5,"TIF":"0","C2Symbol":{"FullSymbol":"@NQZ6"}}'
    & $publish 123456789 '{"strategy_id":123456789,"symbol":"ESZ6","quantity":-3,"avg_price":5011.75}' 'strategy.positions'
    $Messages = @(Receive-C2Signal -Count 3 -TimeoutSec 20)
    $SignalColumns = 'StrategyId', 'SeqId', 'Time', 'Symbol', 'Side', 'Qty', 'Type', 'Price'
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'The rule, on every table view of the format file' {
    # The console host keeps its last column free: 79 characters of an 80-column console hold a table. Every column must
    # fit there: PowerShell squeezes a column that partly fits to a stub whose header wraps (at some width just over 80),
    # so wider consoles get more only through one last column without a width, which takes the rest.
    It '<Name>: its columns fit 79 characters (one space between them, a last column without a width getting at least 12), and no label is wider than its column' -ForEach $TableViews {
        $view = $FormatXml.Configuration.ViewDefinitions.View | Where-Object { $_.Name -eq $Name -and $_.PSObject.Properties['TableControl'] }
        $headers = @($view.TableControl.TableHeaders.TableColumnHeader)
        $flexible = @($headers | Where-Object { -not $_.PSObject.Properties['Width'] })
        $flexible.Count | Should -BeLessOrEqual 1 -Because 'one column at most takes the rest'
        if ($flexible.Count) { [object]::ReferenceEquals($flexible[0], $headers[-1]) | Should -BeTrue -Because 'the column that takes the rest is the last' }
        foreach ($h in $headers | Where-Object { $_.PSObject.Properties['Width'] }) {
            $h.Label.Length | Should -BeLessOrEqual ([int]$h.Width) -Because "the header '$($h.Label)' must fit its width ($($h.Width)) or it wraps onto a second line"
        }
        $used = -1; $fit = 0
        foreach ($h in $headers) {
            $w = if ($h.PSObject.Properties['Width']) { [int]$h.Width } else { 12 }
            if ($used + 1 + $w -gt 79) { break }
            $used += 1 + $w; $fit++
        }
        $fit | Should -Be $headers.Count -Because "every column of $Name must fit 79 characters ($used used by the first $fit of $($headers.Count))"
    }
}

Describe 'At 80 columns (Out-String -Width 80)' {
    It 'signals and position updates: StrategyId, SeqId, Time, Symbol, Side, Qty, Type (Position for a position update), Price' {
        $lines = Assert-C2Table ($Messages | Out-String -Width 80) $SignalColumns
        $lines[2] | Should -Match '^\s*123456789\s+1\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+ESZ6\s+sell\s+12\s+market\s+5012\.25$'
        $lines[3] | Should -Match '^\s*987654321\s+1\s+\S+Z\s+@NQZ6\s+1\s+3\s+2\s+17850\.5$'
        $lines[4] | Should -Match '^\s*123456789\s+1\s+\S+Z\s+ESZ6\s+-3\s+Position\s+5011\.75$'
        # The rest of a message is one Format-List * away.
        $list = $Messages[0] | Format-List * | Out-String -Width 80
        foreach ($field in 'Channel', 'action', 'tif', 'order_type') { $list | Should -Match "(?m)^$field\s+:" }
    }

    It 'wider consoles get more: the last column (here a connection test''s Reason) takes the rest' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $refused = Test-C2Connection -Uri "ws://127.0.0.1:$port/ws" -ApiKey $Sim.ApiKey -TimeoutSec 5
        $refused.Reason.Length | Should -BeGreaterThan 42 -Because 'the reason must be longer than what 80 columns leave it'
        $at80 = (Get-C2Lines ($refused | Out-String -Width 80))[2]
        $at200 = (Get-C2Lines ($refused | Out-String -Width 200))[2]
        $at80.Length | Should -BeLessOrEqual 80
        $at80 | Should -Match '…$' -Because 'at 80 columns the reason is cut'
        $at200 | Should -Match ([regex]::Escape($refused.Reason) + '$') -Because 'at 200 columns it is whole'
    }

    It 'no width from 80 to 160 splits a header or leaves a stub of a column, in any view' {
        $ended = Connect-C2TestSession $Sim
        $ended | Disconnect-C2Socket
        $tests = @((Test-C2Connection -Uri $Sim.Uri -ApiKey $Sim.ApiKey), (Test-C2Connection -Uri $Sim.Uri -ApiKey 'wrong-key'))
        $views = @(
            @{ Objects = $Messages; Columns = $SignalColumns }
            @{ Objects = @($Session, $ended); Columns = 'Id', 'State', 'Subs', 'Uri', 'EndReason' }
            @{ Objects = @(Get-C2Subscription -Session $Session); Columns = 'SessionId', 'Channel', 'StrategyId', 'State', 'LastSeqId', 'LastError' }
            @{ Objects = $tests; Columns = 'Authenticated', 'StatusCode', 'RoundTripMs', 'Reason' }
        )
        foreach ($v in $views) {
            foreach ($w in 80..160) { Assert-C2Table ($v.Objects | Out-String -Width $w) $v.Columns -Width $w | Out-Null }
        }
    }

    It 'sessions: Id, State, Subs, Uri (whole) and EndReason' {
        $ended = Connect-C2TestSession $Sim
        $ended | Disconnect-C2Socket
        $lines = Assert-C2Table (@($Session, $ended) | Out-String -Width 80) 'Id', 'State', 'Subs', 'Uri', 'EndReason'
        $lines[2] | Should -Match ('^\s*' + $Session.Id + '\s+Connected\s+4\s+' + [regex]::Escape($Sim.Uri.ToString()) + '$')
        $lines[3] | Should -Match ('^\s*' + $ended.Id + '\s+Disconnected\s+0\s+' + [regex]::Escape($Sim.Uri.ToString()) + '\s+closed')
        # The production address is the longest a user types: it fits whole.
        $view = $FormatXml.Configuration.ViewDefinitions.View | Where-Object { $_.Name -eq 'C2Session' -and $_.PSObject.Properties['TableControl'] }
        [int](@($view.TableControl.TableHeaders.TableColumnHeader | Where-Object Label -eq 'Uri')[0].Width) | Should -BeGreaterOrEqual 'wss://api4-general.collective2.com/ws'.Length
    }

    It 'subscriptions: SessionId, Channel, StrategyId, State, LastSeqId, LastError' {
        Assert-C2Table (Get-C2Subscription -Session $Session | Out-String -Width 80) 'SessionId', 'Channel', 'StrategyId', 'State', 'LastSeqId', 'LastError' | Out-Null
    }

    It 'Test-C2Connection results: Authenticated, StatusCode, RoundTripMs, Reason' {
        $lines = Assert-C2Table (@((Test-C2Connection -Uri $Sim.Uri -ApiKey $Sim.ApiKey), (Test-C2Connection -Uri $Sim.Uri -ApiKey 'wrong-key')) | Out-String -Width 80) 'Authenticated', 'StatusCode', 'RoundTripMs', 'Reason'
        $lines[3] | Should -Match '^False\s+401\s+\S'
    }

    It 'state changes (Format-Table -Force): Time, Session, Previous, State, Reason' {
        Invoke-C2TestFault $Sim drop
        Wait-C2Condition { $Session.Reconnects -ge 1 -and $Session.State -eq 'Connected' } 'the reconnect'
        $changes = @(Receive-C2Signal -Session $Session -IncludeStateChange -IdleTimeoutSec 0.3 -TimeoutSec 20 | Where-Object { $_ -is [C2WebSocket.C2StateChange] })
        Assert-C2Table ($changes | Format-Table -Force | Out-String -Width 80) 'Time', 'Session', 'Previous', 'State', 'Reason' | Out-Null
        foreach ($l in Get-C2Lines ($changes | Out-String -Width 80)) { $l.Length | Should -BeLessOrEqual 80 }
    }
}

Describe 'In a real pwsh on an 80-column terminal' {
    BeforeAll {
        $hasScript = [bool](Get-Command -Name script -CommandType Application -ErrorAction Ignore)
    }

    It 'the console host formats for 80 columns: signals, sessions, subscriptions and a connection test fit, with their columns' {
        if (-not $hasScript) { Set-ItResult -Skipped -Because 'util-linux script (a pseudo-terminal) is not installed' ; return }
        $r = Invoke-C2ChildPwsh $Sim -Columns 80 -Script @'
$ErrorActionPreference = 'Stop'
'width=' + $Host.UI.RawUI.BufferSize.Width | Out-Host
$s = Connect-C2Socket -Uri $env:C2_SIMULATOR_URI
$null = $s | Add-C2Subscription -StrategyId 123450001 -Channel strategy.signal, strategy.positions
$null = Invoke-RestMethod -Method Post -Uri ($env:C2_CONTROL_URI + 'control/publish?strategy_id=123450001') -Body '{"symbol":"ESZ6","side":"sell","quantity":12,"order_type":"market","limit_price":5012.25,"tif":"day"}' -ContentType application/json -NoProxy
# Each command as typed at the prompt: its own Out-Default, here Out-Host.
'==signals' | Out-Host
Receive-C2Signal -Count 1 -TimeoutSec 20 | Out-Host
'==sessions' | Out-Host
Get-C2Session | Out-Host
'==subscriptions' | Out-Host
Get-C2Subscription | Out-Host
'==test' | Out-Host
Test-C2Connection -Uri $env:C2_SIMULATOR_URI | Out-Host
'==end' | Out-Host
'@
        $r.ExitCode | Should -Be 0 -Because $r.All
        $r.All | Should -Match 'width=80'
        $sections = @{}
        foreach ($part in [regex]::Matches($r.All, '(?s)==(\w+)\n(.*?)(?===)')) { $sections[$part.Groups[1].Value] = $part.Groups[2].Value }
        Assert-C2Table $sections.signals $SignalColumns -Width 79 | Out-Null
        (Get-C2Lines $sections.signals)[2] | Should -Match '123450001\s+1\s+\S+Z\s+ESZ6\s+sell\s+12\s+market\s+5012\.25$'
        Assert-C2Table $sections.sessions 'Id', 'State', 'Subs', 'Uri', 'EndReason' -Width 79 | Out-Null
        $sections.sessions | Should -Match ([regex]::Escape($Sim.Uri.ToString()))
        Assert-C2Table $sections.subscriptions 'SessionId', 'Channel', 'StrategyId', 'State', 'LastSeqId', 'LastError' -Width 79 | Out-Null
        Assert-C2Table $sections.test 'Authenticated', 'StatusCode', 'RoundTripMs', 'Reason' -Width 79 | Out-Null
    }
}
