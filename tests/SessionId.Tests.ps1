# Sessions by id: -Session takes a session or its id on every cmdlet that has it (with completion of the open ids), an
# unknown id is an error that lists the open ones, and only sessions that opened get an id.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator

    function Get-Completion([string] $InputText) {
        @((TabExpansion2 -inputScript $InputText -cursorColumn $InputText.Length).CompletionMatches | ForEach-Object CompletionText)
    }
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe '-Session takes a session or its id' {
    BeforeEach {
        Reset-C2TestSessions
        Wait-C2TestConnections $Sim 0
        $a = Connect-C2TestSession $Sim
        $b = Connect-C2TestSession $Sim
        $c = Connect-C2TestSession $Sim   # the default: the cmdlets below must use the one named by id
    }

    It 'every cmdlet with -Session accepts an id (<Form>)' -ForEach @(
        @{ Form = 'a number'; Of = { param($s) $s.Id } }
        @{ Form = 'a string of digits'; Of = { param($s) [string]$s.Id } }
    ) {
        $id = & $Of $b
        $sub = Add-C2Subscription -Session $id -StrategyId 9201
        $sub.SessionId | Should -Be $b.Id
        @(Get-C2Subscription -Session $id).StrategyId | Should -Be 9201
        @(Get-C2Subscription -Session $c).Count | Should -Be 0

        $null = Publish-C2TestSignal $Sim 9201
        (Receive-C2Signal -Session $id -Count 1 -TimeoutSec 20).SessionId | Should -Be $b.Id
        Remove-C2Subscription -Session $id -StrategyId 9201
        @(Get-C2Subscription -Session $b | Where-Object State -eq 'Active').Count | Should -Be 0

        Disconnect-C2Socket -Session $id
        $b.State | Should -Be 'Disconnected'
        $a.State | Should -Be 'Connected'
        $c.State | Should -Be 'Connected'
    }

    It 'takes the id by position where -Session is the first positional parameter (Receive-C2Signal 2, Disconnect-C2Socket 2)' {
        $null = Add-C2Subscription -Session $a -StrategyId 9202
        $null = Publish-C2TestSignal $Sim 9202
        (Receive-C2Signal $a.Id -Count 1 -TimeoutSec 20).StrategyId | Should -Be 9202
        Disconnect-C2Socket $a.Id
        $a.State | Should -Be 'Disconnected'
    }

    It 'takes ids from the pipeline by property name (objects with a Session property)' {
        $r = [pscustomobject]@{ Session = $b.Id; StrategyId = 9203 } | Add-C2Subscription
        $r.SessionId | Should -Be $b.Id
    }

    It 'an unknown id is a parameter error naming it and listing the open ids, on <Command>' -ForEach @(
        @{ Command = 'Receive-C2Signal -Session 987654 -Count 1' }
        @{ Command = 'Add-C2Subscription -Session 987654 -StrategyId 1' }
        @{ Command = 'Get-C2Subscription -Session 987654' }
        @{ Command = 'Remove-C2Subscription -Session 987654 -StrategyId 1' }
        @{ Command = 'Disconnect-C2Socket -Session 987654' }
    ) {
        $r = Invoke-C2Captured ([scriptblock]::Create($Command))
        $r.Output | Should -BeNullOrEmpty
        $r.Errors.Count | Should -Be 1
        $e = $r.Errors[0]
        $e.FullyQualifiedErrorId.Split(',')[0] | Should -Be 'ParameterArgumentTransformationError'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $message = Get-C2ErrorMessage $e
        $message | Should -BeLike '*Session*987654*'
        $message | Should -BeLike "*Open sessions: $($a.Id), $($b.Id), $($c.Id)*"
        @($a, $b, $c).State | Select-Object -Unique | Should -Be 'Connected'
    }

    It 'an id with no session open says so, and an id that is not a number is refused naming it' {
        Reset-C2TestSessions
        $r = Invoke-C2Captured { Get-C2Subscription -Session 5 }
        Get-C2ErrorMessage $r.Errors[0] | Should -BeLike '*no C2 session*Connect-C2Socket*'
        $r = Invoke-C2Captured { Get-C2Subscription -Session 'two' }
        $r.Errors[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be 'ParameterArgumentTransformationError'
        Get-C2ErrorMessage $r.Errors[0] | Should -BeLike "*'two'*"
    }

    It 'Get-C2Session -Id lists the open ids when one is unknown' {
        $r = Invoke-C2Captured { Get-C2Session -Id 987654 }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2SessionNotFound,*'
        Get-C2ErrorMessage $r.Errors[0] | Should -BeLike "*Open sessions: $($a.Id), $($b.Id), $($c.Id)*"
    }
}

Describe 'Completion of session ids' {
    BeforeAll {
        Reset-C2TestSessions
        $a = Connect-C2TestSession $Sim
        $b = Connect-C2TestSession $Sim
    }

    It '<Command> -<Parameter> then Tab offers the open ids, with what each session is' -ForEach @(
        @{ Command = 'Get-C2Session'; Parameter = 'Id' }
        @{ Command = 'Receive-C2Signal'; Parameter = 'Session' }
        @{ Command = 'Add-C2Subscription'; Parameter = 'Session' }
        @{ Command = 'Disconnect-C2Socket'; Parameter = 'Session' }
    ) {
        $text = "$Command -$Parameter "
        $r = TabExpansion2 -inputScript $text -cursorColumn $text.Length
        @($r.CompletionMatches.CompletionText) | Should -Be ([string]$a.Id), ([string]$b.Id)
        $r.CompletionMatches[1].ToolTip | Should -Match 'Connected'
        $r.CompletionMatches[1].ToolTip | Should -Match ([regex]::Escape($Sim.Uri.ToString()))
        $r.CompletionMatches[1].ListItemText | Should -Match 'default'
    }

    It 'completes the digits typed so far, and never offers file names' {
        $text = "Get-C2Session -Id $($b.Id)"
        Get-Completion $text | Should -Be ([string]$b.Id)
        Get-Completion 'Get-C2Session -Id 98765' | Should -BeNullOrEmpty
    }

    It 'an offered id binds to that session' {
        $id = (Get-Completion 'Get-C2Subscription -Session ')[0]
        [object]::ReferenceEquals((Invoke-Expression "Get-C2Session -Id $id"), $a) | Should -BeTrue
        $null = Add-C2Subscription -Session $a -StrategyId 9204
        (Invoke-Expression "Get-C2Subscription -Session $id").StrategyId | Should -Be 9204
    }

    It 'offers nothing, and no file name, when no session is open (the last test here: it closes the sessions)' {
        $folder = New-C2TestFolder
        Push-Location -LiteralPath $folder
        try {
            Set-Content -LiteralPath (Join-Path $folder '1.txt') -Value 'a file a fallback to path completion would offer'
            Reset-C2TestSessions
            Get-Completion 'Get-C2Session -Id ' | Should -BeNullOrEmpty
            Get-Completion 'Receive-C2Signal -Session ' | Should -BeNullOrEmpty
        }
        finally {
            Pop-Location
            Remove-Item -LiteralPath $folder -Recurse -Force
        }
    }
}

Describe 'Only sessions that opened get an id' {
    BeforeEach { Reset-C2TestSessions }

    It 'a failed Connect-C2Socket (<Why>) takes no id: the next session has the next id' -ForEach @(
        @{ Why = 'a refused key'; Fail = { Connect-C2Socket -Uri $Sim.Uri -ApiKey 'not-a-key' -ErrorAction Stop } }
        @{ Why = 'nothing listening'; Fail = {
                $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
                $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
                Connect-C2Socket -Uri "ws://127.0.0.1:$port/ws" -ApiKey $Sim.ApiKey -TimeoutSec 5 -ErrorAction Stop
            }
        }
        @{ Why = 'Test-C2Connection, which opens no session'; Fail = { $null = Test-C2Connection -Uri $Sim.Uri -ApiKey $Sim.ApiKey } }
    ) {
        $first = Connect-C2TestSession $Sim
        try { & $Fail } catch { }
        $next = Connect-C2TestSession $Sim
        $next.Id | Should -Be ($first.Id + 1)
    }

    It 'the request ids the session sends carry the id it got when it opened' {
        try { Connect-C2Socket -Uri $Sim.Uri -ApiKey 'not-a-key' -ErrorAction Stop } catch { }
        $s = Connect-C2TestSession $Sim
        $r = Invoke-C2Captured { Add-C2Subscription -StrategyId 9205 -Debug }
        $r.Errors | Should -BeNullOrEmpty
        @($r.Debug | Where-Object { $_ -match "^Session $($s.Id): subscribe of strategy\.signal:9205 acknowledged \(ps$($s.Id)-\d+\)\.$" }).Count | Should -Be 1
    }

    It 'what a connect says before it opened names Connect-C2Socket, and from the open on the session''s id' {
        $r = Invoke-C2Captured { Connect-C2TestSession $Sim -Verbose }
        $s = $r.Output[0]
        $r.Verbose | Should -Contain "Connect-C2Socket: connecting to $($Sim.Uri)."
        $r.Verbose | Should -Contain "Session $($s.Id): Connecting -> Connected."
        $r.Verbose -join "`n" | Should -Not -Match 'Session 0'
    }
}
