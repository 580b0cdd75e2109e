# Signals and position updates as scheduled tasks and admin scripts log them: Export-Csv, Import-Csv and ConvertTo-Json.
# One property set per object kind (the envelope, then each payload field once); Payload and RawJson stay reachable
# but are hidden from exports; times are ISO 8601 with milliseconds and offset whatever the culture; nested payload
# objects and lists are one compact-JSON cell each.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
    $Folder = New-C2TestFolder

    # The C2 REST v4 shapes (the simulator's vocabulary 'rest'), published exactly as written.
    $SignalJson = '{"StrategyId":31401,"SignalId":500123,"Side":"1","OrderType":"2","OpenClose":"O","OrderQuantity":2,"Limit":5012.25,"Stop":null,"TIF":"0","C2Symbol":{"FullSymbol":"@ESZ6","SymbolType":"future"},"PostedAt":"2026-11-30T08:31:44.120Z"}'
    $PositionJson = '{"StrategyId":31401,"Quantity":-4,"AvgPx":189.23,"C2Symbol":{"FullSymbol":"AAPL","SymbolType":"stock"},"UpdatedAt":"2026-11-30T08:31:44.5Z","Positions":[{"Symbol":"AAPL","Quantity":-4},{"Symbol":"@ESZ6","Quantity":2,"OpenedAt":"2026-11-29T14:00:00Z"}]}'
    # ISO 8601 with milliseconds (seven fraction digits when the clock had more) and the offset.
    $IsoTime = '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(\d{4})?\+00:00'

    function Publish-Exact([long] $StrategyId, [string] $Json, [string] $Channel = 'strategy.signal') {
        (Invoke-C2Control -Simulator $Sim -Path 'publish' -Query @{ strategy_id = $StrategyId; channel = $Channel; count = 1 } -Body $Json).seq_ids
    }

    # One signal and one position update of strategy 31401, received.
    function Get-LoggedPair {
        Reset-C2TestSessions
        $null = Connect-C2TestSession $Sim
        $null = Add-C2Subscription -StrategyId 31401 -Channel strategy.signal, strategy.positions
        $null = Publish-Exact 31401 $SignalJson
        $null = Publish-Exact 31401 $PositionJson -Channel strategy.positions
        $received = @(Receive-C2Signal -Count 2 -TimeoutSec 20)
        [pscustomobject]@{
            Signal   = $received | Where-Object Channel -eq 'strategy.signal'
            Position = $received | Where-Object Channel -eq 'strategy.positions'
        }
    }

    # A CSV row with its Timestamp and ReceivedAt cells (the first two times) replaced by "<time>".
    function Hide-EnvelopeTimes([string] $Row) { [regex]::new("`"$IsoTime`"").Replace($Row, '"<time>"', 2) }

    # The text of a cell as Export-Csv writes it: quoted, inner quotes doubled.
    function Format-Cell([string] $Text) { '"' + $Text.Replace('"', '""') + '"' }
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
    if ($Folder) { Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Signals that log cleanly' {
    BeforeAll {
        $pair = Get-LoggedPair
        $signal = $pair.Signal
        $position = $pair.Position
    }

    It 'Export-Csv of a signal: the envelope, each payload field once, ISO times, the nested symbol as one JSON cell' {
        $lines = @($signal | ConvertTo-Csv -NoTypeInformation)
        $lines.Count | Should -Be 2
        $lines[0] | Should -BeExactly '"SessionId","Channel","StrategyId","SeqId","Id","Timestamp","ReceivedAt","Source","SignalId","Side","OrderType","OpenClose","OrderQuantity","Limit","Stop","TIF","C2Symbol","PostedAt"'
        $expected = '"{0}","strategy.signal","31401","1","{1}","<time>","<time>","Stream","500123","1","2","O","2","5012.25",,"0",{2},"2026-11-30T08:31:44.120+00:00"' -f
            $signal.SessionId, $signal.Id, (Format-Cell '{"FullSymbol":"@ESZ6","SymbolType":"future"}')
        Hide-EnvelopeTimes $lines[1] | Should -BeExactly $expected
        # The server's timestamp to the millisecond, as it sent it.
        $wire = ($signal.RawJson | ConvertFrom-Json -AsHashtable -DateKind String).timestamp
        $lines[1] | Should -Match ('"' + [regex]::Escape($wire.Replace('Z', '+00:00')) + '"')
    }

    It 'Export-Csv of a position update: the position list and the symbol are JSON cells a spreadsheet keeps in one cell' {
        $lines = @($position | ConvertTo-Csv -NoTypeInformation)
        $lines[0] | Should -BeExactly '"SessionId","Channel","StrategyId","SeqId","Id","Timestamp","ReceivedAt","Source","Quantity","AvgPx","C2Symbol","UpdatedAt","Positions"'
        $expected = '"{0}","strategy.positions","31401","1","{1}","<time>","<time>","Stream","-4","189.23",{2},"2026-11-30T08:31:44.500+00:00",{3}' -f
            $position.SessionId, $position.Id, (Format-Cell '{"FullSymbol":"AAPL","SymbolType":"stock"}'),
            (Format-Cell '[{"Symbol":"AAPL","Quantity":-4},{"Symbol":"@ESZ6","Quantity":2,"OpenedAt":"2026-11-29T14:00:00.000+00:00"}]')
        Hide-EnvelopeTimes $lines[1] | Should -BeExactly $expected
    }

    It 'ConvertTo-Json writes each field once: no Payload copy, no RawJson' {
        $json = $signal | ConvertTo-Json -Compress
        $masked = $json -replace '"(Timestamp|ReceivedAt)":"[^"]+"', '"$1":"<time>"'
        $masked | Should -BeExactly ('{{"SessionId":{0},"Channel":"strategy.signal","StrategyId":31401,"SeqId":1,"Id":"{1}","Timestamp":"<time>","ReceivedAt":"<time>","Source":"Stream",' -f $signal.SessionId, $signal.Id +
            '"SignalId":500123,"Side":"1","OrderType":"2","OpenClose":"O","OrderQuantity":2,"Limit":5012.25,"Stop":null,"TIF":"0","C2Symbol":{"FullSymbol":"@ESZ6","SymbolType":"future"},"PostedAt":"2026-11-30T08:31:44.12+00:00"}')
        $back = $json | ConvertFrom-Json -DateKind String
        [DateTimeOffset]$back.Timestamp | Should -Be $signal.Timestamp
        [DateTimeOffset]$back.ReceivedAt | Should -Be $signal.ReceivedAt
        # Smaller than twice the message itself (it was about four times: every payload field three times).
        $json.Length | Should -BeLessThan (2 * $signal.RawJson.Length)
    }

    It 'Export-Csv then Import-Csv keeps seq ids, strategy ids and times exact' {
        Reset-C2TestSessions
        $null = Connect-C2TestSession $Sim
        $null = Add-C2Subscription -StrategyId 31402, 31403
        foreach ($i in 1..3) {
            $null = Publish-C2TestSignal $Sim 31402 ([ordered]@{ symbol = 'ESZ6'; quantity = $i; posted_at = "2026-11-30T08:31:4$i.00${i}Z" })
            $null = Publish-C2TestSignal $Sim 31403 ([ordered]@{ symbol = 'NQZ6'; quantity = $i; posted_at = "2026-11-30T09:00:0$i.1${i}Z" })
        }
        $sent = @(Receive-C2Signal -Count 6 -TimeoutSec 20)
        $csv = Join-Path $Folder 'roundtrip.csv'
        $sent | Export-Csv -LiteralPath $csv -NoTypeInformation
        $rows = @(Import-Csv -LiteralPath $csv)
        $rows.Count | Should -Be 6
        for ($i = 0; $i -lt 6; $i++) {
            [long]$rows[$i].SeqId | Should -Be $sent[$i].SeqId
            [long]$rows[$i].StrategyId | Should -Be $sent[$i].StrategyId
            ([DateTimeOffset]$rows[$i].Timestamp).UtcTicks | Should -Be $sent[$i].Timestamp.UtcTicks
            ([DateTimeOffset]$rows[$i].ReceivedAt).UtcTicks | Should -Be $sent[$i].ReceivedAt.UtcTicks
            ([DateTimeOffset]$rows[$i].posted_at).UtcTicks | Should -Be $sent[$i].posted_at.UtcTicks
        }
        ($rows | Where-Object StrategyId -eq 31402).SeqId | Should -Be '1', '2', '3'
    }

    It 'times export the same under any culture' {
        $invariant = $signal | ConvertTo-Csv -NoTypeInformation
        $before = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = [cultureinfo]::GetCultureInfo('de-DE')
            $german = $signal | ConvertTo-Csv -NoTypeInformation
        }
        finally { [cultureinfo]::CurrentCulture = $before }
        $cells = ($german[1] -split '","')
        $cells[5] | Should -Match "^$IsoTime$"
        $cells[5] | Should -Be ($invariant[1] -split '","')[5]
        $german[1] | Should -Match '"2026-11-30T08:31:44.120\+00:00"$'
    }

    It 'Payload and RawJson are hidden members: reachable by name, listed by Get-Member -Force, absent from Select-Object * and Format-List *' {
        $signal.RawJson | Should -Match '"FullSymbol":"@ESZ6"'
        $signal.Payload.SignalId | Should -Be 500123
        $signal.Payload.C2Symbol.FullSymbol | Should -Be '@ESZ6'
        ($signal | Get-Member -Force -Name Payload, RawJson).Name | Should -Be 'Payload', 'RawJson'
        ($signal | Get-Member -Name Payload, RawJson) | Should -BeNullOrEmpty
        ($signal | Select-Object *).PSObject.Properties.Name | Should -Not -Contain 'RawJson'
        ($signal | Select-Object *).PSObject.Properties.Name | Should -Not -Contain 'Payload'
        $list = $signal | Format-List * | Out-String -Width 250
        $list | Should -Match 'SignalId\s*:\s*500123'
        $list | Should -Not -Match 'RawJson|Payload'
        # The documented recipe to log the message as received too.
        ($signal | Select-Object *, RawJson | ConvertTo-Csv -NoTypeInformation)[0] | Should -BeLike '*,"PostedAt","RawJson"'
    }

    It 'exported times are still DateTimeOffset values and nested objects still navigate' {
        $signal.PostedAt | Should -BeOfType [DateTimeOffset]
        $signal.PostedAt -lt $signal.ReceivedAt | Should -BeTrue
        $signal.PostedAt.AddHours(1).Hour | Should -Be 9
        $signal.PostedAt.ToString('yyyy-MM-dd', [cultureinfo]::InvariantCulture) | Should -Be '2026-11-30'
        $signal.PostedAt.ToString() | Should -Be '2026-11-30T08:31:44.120+00:00'
        $signal.Timestamp.ToString() | Should -Match "^$IsoTime$"
        $signal.C2Symbol.FullSymbol | Should -Be '@ESZ6'
        @($position.Positions).Count | Should -Be 2
        ($position.Positions | Where-Object Quantity -gt 0).Symbol | Should -Be '@ESZ6'
        $position.Positions[1].OpenedAt | Should -BeOfType [DateTimeOffset]
        # ConvertTo-Json of a time alone stays a plain ISO string.
        ConvertTo-Json $signal.PostedAt | Should -Be '"2026-11-30T08:31:44.12+00:00"'
    }
}
