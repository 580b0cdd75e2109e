BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'Test-C2Connection' {
    BeforeEach { Reset-C2TestSessions }

    It 'reports an accepted key: authenticated, HTTP 101, a round trip time' {
        $r = Invoke-C2Captured { Test-C2Connection -Uri $Sim.Uri -ApiKey $Sim.ApiKey }
        $r.Errors | Should -BeNullOrEmpty
        $result = $r.Output[0]
        $result | Should -BeOfType ([C2WebSocket.C2ConnectionTestResult])
        $result.Authenticated | Should -BeTrue
        $result.StatusCode | Should -Be 101
        $result.RoundTripMs | Should -BeGreaterThan 0
    }

    It 'reports a refused key as an object, not an error: not authenticated, HTTP 401, the server''s reason' {
        $r = Invoke-C2Captured { Test-C2Connection -Uri $Sim.Uri -ApiKey 'nope' }
        $r.Errors | Should -BeNullOrEmpty
        $result = $r.Output[0]
        $result.Authenticated | Should -BeFalse
        $result.StatusCode | Should -Be 401
        $result.Reason | Should -Be 'Invalid API key'
    }

    It '-Quiet returns only $true or $false' {
        Test-C2Connection -Uri $Sim.Uri -ApiKey $Sim.ApiKey -Quiet | Should -BeExactly $true
        Test-C2Connection -Uri $Sim.Uri -ApiKey 'nope' -Quiet | Should -BeExactly $false
    }

    It 'renders its result at the prompt: authenticated or not, and the status' {
        $ok = Test-C2Connection -Uri $Sim.Uri -ApiKey $Sim.ApiKey | Out-String -Width 250
        $ok | Should -Match 'True'
        $ok | Should -Match '101'
        $bad = Test-C2Connection -Uri $Sim.Uri -ApiKey 'wrong-key' | Out-String -Width 250
        $bad | Should -Match 'False'
        $bad | Should -Match '401'
    }

    It 'keeps no session and closes its connection' {
        $null = Test-C2Connection -Uri $Sim.Uri -ApiKey $Sim.ApiKey
        Get-C2Session | Should -BeNullOrEmpty
        Wait-C2TestConnections $Sim 0
    }

    It 'takes no session id: the next session gets the id it would have got without the test' {
        $a = Connect-C2TestSession $Sim
        foreach ($i in 1..3) { Test-C2Connection -Uri $Sim.Uri -ApiKey $Sim.ApiKey -Quiet | Should -BeTrue }
        $null = Test-C2Connection -Uri $Sim.Uri -ApiKey 'nope'
        $b = Connect-C2TestSession $Sim
        $b.Id | Should -Be ($a.Id + 1)
        @(Get-C2Session).Id | Should -Be $a.Id, $b.Id
    }

    It 'tells its story with -Verbose under its own name, not as a session' {
        $r = Invoke-C2Captured { Test-C2Connection -Uri $Sim.Uri -ApiKey $Sim.ApiKey -Verbose }
        $r.Errors | Should -BeNullOrEmpty
        $r.Verbose | Should -Contain "Test-C2Connection: connecting to $($Sim.Uri)."
        $r.Verbose -join "`n" | Should -Not -Match 'Session 0'
    }

    It '-TimeoutSec 0 means no limit: the test completes' {
        $r = Invoke-C2Captured { Test-C2Connection -Uri $Sim.Uri -ApiKey $Sim.ApiKey -TimeoutSec 0 }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].Authenticated | Should -BeTrue
    }

    It 'takes the key from $env:C2_API_KEY' {
        $env:C2_API_KEY = $Sim.ApiKey
        try { Test-C2Connection -Uri $Sim.Uri -Quiet | Should -BeTrue }
        finally { $env:C2_API_KEY = $null }
    }

    It 'refuses <Script> with <ErrorId> naming <Mentions>' -ForEach @(
        @{ Script = 'Test-C2Connection -ApiKey $Sim.ApiKey -Uri $Sim.Uri -TimeoutSec -1'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('TimeoutSec') }
        @{ Script = 'Test-C2Connection -ApiKey $Sim.ApiKey -Uri https://127.0.0.1/ws'; ErrorId = 'ParameterArgumentValidationError'; Mentions = @('Uri', 'wss://') }
        @{ Script = 'Test-C2Connection -ApiKey $Sim.ApiKey -Uri $Sim.Uri -NoProxy -ProxyUseDefaultCredentials'; ErrorId = 'C2InvalidParameterCombination'; Mentions = @('-NoProxy') }
        @{ Script = 'Test-C2Connection -ApiKey $Sim.ApiKey -Uri ws://192.0.2.10/ws'; ErrorId = 'C2UnencryptedAuthentication'; Mentions = @('192.0.2.10', '-AllowUnencryptedAuthentication') }
        @{ Script = 'Test-C2Connection -ApiKey '''' -Uri $Sim.Uri'; ErrorId = 'C2ApiKeyMissing'; Mentions = @('-ApiKey', 'C2_API_KEY') }
    ) {
        $r = Invoke-C2Captured ([scriptblock]::Create($Script))
        $r.Output | Should -BeNullOrEmpty
        $r.Errors[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be $ErrorId
        $message = Get-C2ErrorMessage $r.Errors[0]
        foreach ($m in $Mentions) { $message | Should -BeLike "*$m*" }
    }
}
