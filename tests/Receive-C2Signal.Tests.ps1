BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'Receive-C2Signal' {
    BeforeEach {
        Reset-C2TestSessions
        $session = Connect-C2TestSession $Sim
    }

    It 'streams the design pipeline: connect | subscribe | receive -Count | Where-Object' {
        Reset-C2TestSessions
        # The publisher waits for both subscriptions, so it runs beside the pipeline (in a thread job of its own).
        $publisher = Start-ThreadJob -ArgumentList $Sim, (Join-Path $PSScriptRoot 'common.ps1') -ScriptBlock {
            param($s, $common)
            . $common
            Wait-C2TestSubscriptions $s 2
            # Eight signals for -Count 6: the last two must wait for the next read.
            $sides = 'buy', 'sell', 'buy', 'sell', 'sell', 'buy', 'buy', 'buy'
            for ($i = 0; $i -lt 8; $i++) {
                $id = if ($i % 2 -eq 0) { 1001 } else { 1002 }
                $null = Publish-C2TestSignal $s $id @{ symbol = 'ESZ6'; side = $sides[$i]; quantity = $i + 1 }
            }
        }
        try {
            $buys = Connect-C2Socket -Uri $Sim.Uri -ApiKey $Sim.ApiKey |
                Add-C2Subscription -StrategyId 1001, 1002 |
                Receive-C2Signal -Count 6 -TimeoutSec 20 |
                Where-Object side -eq 'buy'
            $publisher | Wait-Job -Timeout 20 | Receive-Job -ErrorAction Stop
        }
        finally { $publisher | Remove-Job -Force }

        $buys.quantity | Should -Be 1, 3, 6
        (Receive-C2Signal -Count 2 -TimeoutSec 20).quantity | Should -Be 7, 8
        $buys | ForEach-Object { $_ | Should -BeOfType ([C2WebSocket.C2Signal]) }
        $buys[0].StrategyId | Should -Be 1001
        $buys[0].Channel | Should -Be 'strategy.signal'
        $buys[0].SeqId | Should -Be 1
    }

    It 'stops after exactly -Count objects and leaves the rest queued for the next read' {
        $null = Add-C2Subscription -StrategyId 1010
        $null = Publish-C2TestSignal $Sim 1010 -Count 5
        $first = @(Receive-C2Signal -Count 2 -TimeoutSec 20)
        $first.SeqId | Should -Be 1, 2
        $rest = @(Receive-C2Signal -Count 3 -TimeoutSec 20)
        $rest.SeqId | Should -Be 3, 4, 5
    }

    It 'returns as soon as the -Count-th object arrived, long before -TimeoutSec' {
        $null = Add-C2Subscription -StrategyId 1024
        $null = Publish-C2TestSignal $Sim 1024 -Count 2
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $got = @(Receive-C2Signal -Count 2 -TimeoutSec 60)
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 15
        $got.Count | Should -Be 2
    }

    It 'exposes every top-level payload field as a property' {
        $null = Add-C2Subscription -StrategyId 1011
        $null = Publish-C2TestSignal $Sim 1011 @{ symbol = 'NQZ6'; side = 'sell'; quantity = 7; limit_price = 17850.25; nested = @{ a = 1 } }
        $s = Receive-C2Signal -Count 1 -TimeoutSec 20
        $s.symbol | Should -Be 'NQZ6'
        $s.side | Should -Be 'sell'
        $s.quantity | Should -Be 7
        $s.limit_price | Should -Be 17850.25
        $s.nested.a | Should -Be 1
        $s.RawJson | Should -Match '"symbol"\s*:\s*"NQZ6"'
        $s.ReceivedAt | Should -BeOfType ([datetimeoffset])
    }

    It 'hands each object down the pipeline before the next one is even published' {
        $null = Add-C2Subscription -StrategyId 1012
        $null = Publish-C2TestSignal $Sim 1012 @{ n = 1 }
        # Each object publishes the next one: a Receive-C2Signal that buffered until -Count would never see 2 and 3.
        $seen = Receive-C2Signal -Count 3 -TimeoutSec 20 | ForEach-Object {
            if ($_.n -lt 3) { $null = Publish-C2TestSignal $Sim 1012 @{ n = $_.n + 1 } }
            $_.n
        }
        $seen | Should -Be 1, 2, 3
    }

    It 'ends at -TimeoutSec with no output and no error, and says why with -Verbose' {
        $null = Add-C2Subscription -StrategyId 1013
        $r = Invoke-C2Captured { Receive-C2Signal -TimeoutSec 1 -Verbose }
        $r.Output | Should -BeNullOrEmpty
        $r.Errors | Should -BeNullOrEmpty
        $r.Verbose -join "`n" | Should -Match '-TimeoutSec'
    }

    It 'ends after -IdleTimeoutSec without a new object, after delivering what arrived' {
        $null = Add-C2Subscription -StrategyId 1014
        $null = Publish-C2TestSignal $Sim 1014 -Count 3
        $r = Invoke-C2Captured { Receive-C2Signal -IdleTimeoutSec 1 -Verbose }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output.SeqId | Should -Be 1, 2, 3
        $r.Verbose -join "`n" | Should -Match '-IdleTimeoutSec'
    }

    It 'filters by -StrategyId and -Channel and leaves the other streams queued' {
        $null = Add-C2Subscription -StrategyId 1015, 1016 -Channel strategy.signal, strategy.positions
        $null = Publish-C2TestSignal $Sim 1015 @{ tag = 's1' }
        $null = Publish-C2TestSignal $Sim 1015 @{ tag = 'p1' } -Channel strategy.positions
        $null = Publish-C2TestSignal $Sim 1016 @{ tag = 's2' }
        $null = Publish-C2TestSignal $Sim 1016 @{ tag = 'p2' } -Channel strategy.positions
        $only = @(Receive-C2Signal -StrategyId 1016 -Channel strategy.positions -Count 1 -TimeoutSec 20)
        $only.tag | Should -Be 'p2'
        $only[0] | Should -BeOfType ([C2WebSocket.C2PositionUpdate])
        $rest = Receive-C2Signal -Count 3 -TimeoutSec 20 | ForEach-Object { '{0}:{1}' -f $_.GetType().Name, $_.tag }
        $rest | Should -Be 'C2Signal:s1', 'C2PositionUpdate:p1', 'C2Signal:s2'
    }

    It 'receives only the streams of the subscriptions piped into it' {
        $null = Add-C2Subscription -StrategyId 1017
        $piped = Add-C2Subscription -StrategyId 1018
        $null = Publish-C2TestSignal $Sim 1017 @{ tag = 'other' }
        $null = Publish-C2TestSignal $Sim 1018 @{ tag = 'mine' }
        ($piped | Receive-C2Signal -Count 1 -TimeoutSec 20).tag | Should -Be 'mine'
        (Receive-C2Signal -Count 1 -TimeoutSec 20).tag | Should -Be 'other'
    }

    It 'takes -Session from the pipeline and reads that session, not the default one' {
        $other = Connect-C2TestSession $Sim
        $null = $session | Add-C2Subscription -StrategyId 1019
        (Get-C2Session -Default).Id | Should -Be $other.Id
        $null = Publish-C2TestSignal $Sim 1019 @{ tag = 'first-session' }
        ($session | Receive-C2Signal -Count 1 -TimeoutSec 20).tag | Should -Be 'first-session'
    }

    It 'delivers every strategy in seq_id order' {
        $null = Add-C2Subscription -StrategyId 1020, 1021
        foreach ($i in 1..10) {
            $null = Publish-C2TestSignal $Sim 1020
            $null = Publish-C2TestSignal $Sim 1021
        }
        $all = @(Receive-C2Signal -Count 20 -TimeoutSec 20)
        $all.Count | Should -Be 20
        foreach ($g in $all | Group-Object StrategyId) {
            $g.Group.SeqId | Should -Be (1..10)
        }
    }

    It 'keeps an object the downstream failed on and delivers it next time' {
        $null = Add-C2Subscription -StrategyId 1022
        $null = Publish-C2TestSignal $Sim 1022 @{ n = 1 }
        $null = Publish-C2TestSignal $Sim 1022 @{ n = 2 }
        { Receive-C2Signal -Count 2 -TimeoutSec 20 | ForEach-Object { throw 'downstream broke' } } | Should -Throw '*downstream broke*'
        (Receive-C2Signal -Count 2 -TimeoutSec 20).n | Should -Be 1, 2
    }

    It 'ends with C2SessionEnded, not a hang, when the server closes a session that may not reconnect' {
        Reset-C2TestSessions
        $null = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 0 } | Add-C2Subscription -StrategyId 1023
        $null = Publish-C2TestSignal $Sim 1023
        $r = Invoke-C2Captured {
            Receive-C2Signal -TimeoutSec 30 | ForEach-Object {
                Invoke-C2TestFault $Sim close -Query @{ status = 1001; reason = 'maintenance' }
                $_
            }
        }
        $r.Output.Count | Should -Be 1
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2SessionEnded,*'
        Get-C2ErrorMessage $r.Errors[0] | Should -Match 'maintenance'
        $r.Warnings | Should -BeNullOrEmpty -Because 'the lost connection is said once, by C2SessionEnded'
        (Get-C2Session -Default).State | Should -BeIn 'Disconnected', 'Failed'
    }

    It '-Count 0 means no limit: everything that arrives until -TimeoutSec is written' {
        $null = Add-C2Subscription -StrategyId 1030
        $null = Publish-C2TestSignal $Sim 1030 -Count 5
        Wait-C2Condition { $session.InboxCount -ge 5 } 'five signals queued'
        $r = Invoke-C2Captured { Receive-C2Signal -Count 0 -TimeoutSec 1 -Verbose }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output.SeqId | Should -Be 1, 2, 3, 4, 5
        $r.Verbose -join "`n" | Should -Match '-TimeoutSec 1 reached'
    }

    It '-TimeoutSec 0 means no limit: it returns at -Count, not at once' {
        $null = Add-C2Subscription -StrategyId 1031
        $null = Publish-C2TestSignal $Sim 1031 -Count 2
        $r = Invoke-C2Captured { Receive-C2Signal -Count 2 -TimeoutSec 0 -Verbose }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output.SeqId | Should -Be 1, 2
        $r.Verbose -join "`n" | Should -Match '\(-Count\)'
    }

    It '-IdleTimeoutSec 0 means no limit: a quiet stream does not end it, -TimeoutSec does' {
        $null = Add-C2Subscription -StrategyId 1032
        $r = Invoke-C2Captured { Receive-C2Signal -IdleTimeoutSec 0 -TimeoutSec 1 -Verbose }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -BeNullOrEmpty
        $r.Verbose -join "`n" | Should -Match '-TimeoutSec 1 reached'
        (Get-Command Receive-C2Signal).Parameters['IdleTimeoutSec'].ParameterType | Should -Be ([double])
        (Get-Command Receive-C2Signal).Parameters['TimeoutSec'].ParameterType | Should -Be ([int])
    }

    It 'takes the session as its first positional argument' {
        $other = Connect-C2TestSession $Sim
        $null = $session | Add-C2Subscription -StrategyId 1033
        $null = Publish-C2TestSignal $Sim 1033 @{ tag = 'positional' }
        (Receive-C2Signal $session -Count 1 -TimeoutSec 20).tag | Should -Be 'positional'
        (Get-C2Session -Default).Id | Should -Be $other.Id
    }

    It '-StrategyId of a strategy the session does not subscribe is a non-terminating C2NotSubscribed; the others are read' {
        $null = Add-C2Subscription -StrategyId 1034
        $null = Publish-C2TestSignal $Sim 1034
        $r = Invoke-C2Captured { Receive-C2Signal -StrategyId 1034, 1035 -Count 1 -TimeoutSec 20; 'after' }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2NotSubscribed,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $r.Output[0].StrategyId | Should -Be 1034
        $r.Output[1] | Should -Be 'after'
    }

    It 'is refused with C2NoSession when the runspace has no session' {
        Reset-C2TestSessions
        $r = Invoke-C2Captured { Receive-C2Signal -Count 1 -TimeoutSec 1 }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2NoSession,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'says "no default session" and names the open ones when only the default session was disconnected' {
        Reset-C2TestSessions
        $open = foreach ($i in 1..4) { Connect-C2TestSession $Sim }
        $default = Connect-C2TestSession $Sim
        Disconnect-C2Socket -Session $default
        $r = Invoke-C2Captured { Receive-C2Signal -Count 1 -TimeoutSec 1 }
        Reset-C2TestSessions
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2NoSession,*'
        $message = Get-C2ErrorMessage $r.Errors[0]
        $message | Should -BeLike '*no default C2 session*'
        $message | Should -Not -BeLike '*There is no C2 session*'
        foreach ($s in $open) { $message | Should -Match "\b$($s.Id)\b" }
        $message | Should -Not -Match "\b$($default.Id)\b"
        $message | Should -BeLike '*-Session*'
    }
}

Describe 'Typed payload values' {
    BeforeEach {
        Reset-C2TestSessions
        $session = Connect-C2TestSession $Sim
    }

    It 'ISO 8601 payload times are [DateTimeOffset] (snake_case posted_at), so Where-Object compares times, not text' {
        $null = Add-C2Subscription -StrategyId 1040
        $recent = [DateTimeOffset]::UtcNow.AddMinutes(-1).ToString('yyyy-MM-ddTHH:mm:ss.fffZ', [cultureinfo]::InvariantCulture)
        # As text, '2025-...' -gt any date after 2099 would compare characters; as times it is plainly earlier.
        $null = Publish-C2TestSignal $Sim 1040 @{ n = 1; posted_at = '2025-11-23T09:31:02.123Z' }
        $null = Publish-C2TestSignal $Sim 1040 @{ n = 2; posted_at = $recent }
        $null = Publish-C2TestSignal $Sim 1040 @{ n = 3; posted_at = '2025-11-23T10:31:02.123+01:00' }
        $all = @(Receive-C2Signal -Count 3 -TimeoutSec 20)
        foreach ($s in $all) { $s.posted_at | Should -BeOfType ([DateTimeOffset]) }
        $all[0].posted_at | Should -Be ([DateTimeOffset]::new(2025, 11, 23, 9, 31, 2, 123, [TimeSpan]::Zero))
        $all[0].posted_at -eq $all[2].posted_at | Should -BeTrue -Because 'the same instant written with another offset'
        @($all | Where-Object posted_at -gt (Get-Date).AddMinutes(-5)).n | Should -Be 2
        @($all | Where-Object { $_.posted_at -lt [DateTimeOffset]'2026-01-01Z' }).n | Should -Be 1, 3
        ($all | Sort-Object posted_at -Descending)[0].n | Should -Be 2
        # The text as sent stays in RawJson.
        $all[0].RawJson | Should -Match '"posted_at"\s*:\s*"2025-11-23T09:31:02\.123Z"'
    }

    It 'numbers are Int64 and Decimal; text that is not an ISO 8601 date and time stays a string' {
        $null = Add-C2Subscription -StrategyId 1041
        $null = Publish-C2TestSignal $Sim 1041 @{ quantity = 3; limit_price = 5012.25; symbol = 'ESZ6'; note = '2025-11-23'; when = 'tomorrow'; expiry = '2025-13-45T99:99' }
        $s = Receive-C2Signal -Count 1 -TimeoutSec 20
        $s.quantity | Should -BeOfType ([long])
        $s.limit_price | Should -BeOfType ([decimal])
        $s.limit_price | Should -Be 5012.25
        foreach ($name in 'symbol', 'note', 'when', 'expiry') { $s.$name | Should -BeOfType ([string]) -Because "$name is not a date and time" }
    }

    It 'the REST v4 vocabulary''s PostedAt and UpdatedAt, and positions'' updated_at, are [DateTimeOffset] too' {
        $null = Add-C2Subscription -StrategyId 1042 -Channel strategy.signal, strategy.positions
        $null = Invoke-C2Control -Simulator $Sim -Path 'options' -Query @{ vocabulary = 'rest' }
        try {
            $null = Publish-C2TestSignal $Sim 1042
            $null = Publish-C2TestSignal $Sim 1042 -Channel strategy.positions
        }
        finally { $null = Invoke-C2Control -Simulator $Sim -Path 'options' -Query @{ vocabulary = 'snake' } }
        $null = Publish-C2TestSignal $Sim 1042 -Channel strategy.positions
        $all = @(Receive-C2Signal -Count 3 -TimeoutSec 20)
        $signal = $all | Where-Object { $_ -is [C2WebSocket.C2Signal] }
        $positions = @($all | Where-Object { $_ -is [C2WebSocket.C2PositionUpdate] })
        $signal.PostedAt | Should -BeOfType ([DateTimeOffset])
        $positions[0].UpdatedAt | Should -BeOfType ([DateTimeOffset])
        $positions[1].updated_at | Should -BeOfType ([DateTimeOffset])
        ([DateTimeOffset]::UtcNow - $signal.PostedAt).TotalMinutes | Should -BeLessThan 10
        $signal.RawJson | Should -Match '"PostedAt"\s*:\s*"\d{4}-\d\d-\d\dT'
    }
}

Describe 'Receive-C2Signal parameters' {
    BeforeAll {
        Reset-C2TestSessions
        $null = Connect-C2TestSession $Sim
    }

    It 'refuses <Script> with <ErrorId> naming the parameter' -ForEach @(
        @{ Script = 'Receive-C2Signal -Count -1'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('Count') }
        @{ Script = 'Receive-C2Signal -TimeoutSec -1'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('TimeoutSec') }
        @{ Script = 'Receive-C2Signal -IdleTimeoutSec -1'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('IdleTimeoutSec') }
        @{ Script = 'Receive-C2Signal -Channel nope -TimeoutSec 1'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('Channel', 'strategy.signal') }
        @{ Script = 'Receive-C2Signal -StrategyId 0 -TimeoutSec 1'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('StrategyId') }
        @{ Script = 'Receive-C2Signal -Session $null'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('Session') }
        @{ Script = 'Receive-C2Signal -Count banana'; ErrorId = 'CannotConvertArgumentNoMessage'; Mentions = @('Count') }
    ) {
        $r = Invoke-C2Captured ([scriptblock]::Create($Script))
        $r.Errors.Count | Should -BeGreaterThan 0
        $r.Errors[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be $ErrorId
        $message = Get-C2ErrorMessage $r.Errors[0]
        foreach ($m in $Mentions) { $message | Should -BeLike "*$m*" }
    }
}
