BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'Get-C2Session' {
    BeforeEach { Reset-C2TestSessions }

    It 'returns nothing, and no error, when the runspace has no session' {
        $r = Invoke-C2Captured { Get-C2Session }
        $r.Output | Should -BeNullOrEmpty
        $r.Errors | Should -BeNullOrEmpty
    }

    It 'lists the sessions of the runspace, oldest first' {
        $a = Connect-C2TestSession $Sim
        $b = Connect-C2TestSession $Sim
        (Get-C2Session).Id | Should -Be $a.Id, $b.Id
        Get-C2Session | ForEach-Object { $_ | Should -BeOfType ([C2WebSocket.C2Session]) }
    }

    It 'returns the very object Connect-C2Socket returned' {
        $s = Connect-C2TestSession $Sim
        [object]::ReferenceEquals((Get-C2Session -Id $s.Id), $s) | Should -BeTrue
    }

    It '-Id selects sessions, also by position and from the pipeline by property name' {
        $a = Connect-C2TestSession $Sim
        $b = Connect-C2TestSession $Sim
        (Get-C2Session -Id $b.Id).Id | Should -Be $b.Id
        (Get-C2Session $a.Id).Id | Should -Be $a.Id
        ([pscustomobject]@{ SessionId = $a.Id } | Get-C2Session).Id | Should -Be $a.Id
    }

    It '-Default returns the newest session' {
        $null = Connect-C2TestSession $Sim
        $b = Connect-C2TestSession $Sim
        (Get-C2Session -Default).Id | Should -Be $b.Id
    }

    It 'shows live counters users watch: messages received, heartbeat acks sent, reconnects' {
        $s = Connect-C2TestSession $Sim
        # The simulator sends a heartbeat every 0.1 s: the session answers each one.
        Wait-C2Condition { $s.HeartbeatAcksSent -ge 3 } 'three heartbeat acks'
        $s.MessagesReceived | Should -BeGreaterThan 3
        $s.Reconnects | Should -Be 0
    }

    It 'an unknown -Id is C2SessionNotFound naming -Id, and the other ids are still returned' {
        $s = Connect-C2TestSession $Sim
        $r = Invoke-C2Captured { Get-C2Session -Id 987654, $s.Id }
        $r.Output.Id | Should -Be $s.Id
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2SessionNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-C2ErrorMessage $r.Errors[0] | Should -BeLike '*-Id*987654*'
    }

    It 'refuses <Script> with <ErrorId>' -ForEach @(
        @{ Script = 'Get-C2Session -Id 0'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('Id') }
        @{ Script = 'Get-C2Session -Id 1 -Default'; ErrorId = 'AmbiguousParameterSet'; Mentions = @() }
        @{ Script = 'Get-C2Session -Id one'; ErrorId = 'CannotConvertArgumentNoMessage'; Mentions = @('Id') }
    ) {
        $r = Invoke-C2Captured ([scriptblock]::Create($Script))
        $r.Errors[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be $ErrorId
        $message = Get-C2ErrorMessage $r.Errors[0]
        foreach ($m in $Mentions) { $message | Should -BeLike "*$m*" }
    }
}
