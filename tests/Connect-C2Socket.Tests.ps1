BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
    $Folder = New-C2TestFolder
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
    if ($Folder) { Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Connect-C2Socket' {
    BeforeEach { Reset-C2TestSessions }

    It 'returns a connected C2Session that becomes the default session of the runspace' {
        $s = Connect-C2Socket -Uri $Sim.Uri -ApiKey $Sim.ApiKey
        $s | Should -BeOfType ([C2WebSocket.C2Session])
        $s.State | Should -Be 'Connected'
        $s.Uri | Should -Be $Sim.Uri
        (Get-C2Session -Default).Id | Should -Be $s.Id
        Wait-C2TestConnections $Sim 1
    }

    It 'takes the key as a SecureString, as Get-Secret returns it' {
        $secure = ConvertTo-SecureString -String $Sim.ApiKey -AsPlainText -Force
        (Connect-C2Socket -Uri $Sim.Uri -ApiKey $secure).State | Should -Be 'Connected'
    }

    It 'takes the key from a PSCredential password' {
        $credential = [pscredential]::new('c2', (ConvertTo-SecureString -String $Sim.ApiKey -AsPlainText -Force))
        (Connect-C2Socket -Uri $Sim.Uri -ApiKey $credential).State | Should -Be 'Connected'
    }

    It 'falls back to $env:C2_API_KEY and says so with -Verbose' {
        $env:C2_API_KEY = $Sim.ApiKey
        try { $r = Invoke-C2Captured { Connect-C2Socket -Uri $Sim.Uri -Verbose } }
        finally { $env:C2_API_KEY = $null }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].State | Should -Be 'Connected'
        $r.Verbose -join "`n" | Should -Match 'C2_API_KEY'
    }

    It 'tells the story of the connection with -Verbose' {
        $r = Invoke-C2Captured { Connect-C2Socket -Uri $Sim.Uri -ApiKey $Sim.ApiKey -Verbose }
        $r.Errors | Should -BeNullOrEmpty
        $story = $r.Verbose -join "`n"
        $story | Should -Match ([regex]::Escape("connecting to $($Sim.Uri)"))
        $story | Should -Match 'Connected'
    }

    It 'a refused key is C2AuthenticationFailed (AuthenticationError) with the server''s reason and no session' {
        $before = @(Get-C2Session).Count
        $r = Invoke-C2Captured { Connect-C2Socket -Uri $Sim.Uri -ApiKey 'wrong-key-7f3a9c' }
        $r.Errors.Count | Should -Be 1
        $e = $r.Errors[0]
        $e.FullyQualifiedErrorId | Should -Be 'C2AuthenticationFailed,C2WebSocket.Commands.ConnectC2SocketCommand'
        $e.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $e.ToString() | Should -Match 'Invalid API key'
        $e.ToString() | Should -Not -Match 'wrong-key-7f3a9c'
        $e.ErrorDetails.RecommendedAction | Should -Match 'ApiKey'
        @(Get-C2Session).Count | Should -Be $before
    }

    It 'an overloaded server (HTTP 503) is C2ServiceUnavailable (ResourceUnavailable)' {
        Invoke-C2TestFault $Sim reject -Query @{ count = 1; status = 503 }
        $r = Invoke-C2Captured { Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 0 } }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2ServiceUnavailable,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
    }

    It 'a rate-limited key (HTTP 429) is C2RateLimited (LimitsExceeded)' {
        Invoke-C2TestFault $Sim reject -Query @{ count = 1; status = 429 }
        $r = Invoke-C2Captured { Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 0 } }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2RateLimited,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
    }

    It 'nothing listening on the port is a ConnectionError' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $r = Invoke-C2Captured { Connect-C2Socket -Uri "ws://127.0.0.1:$port/ws" -ApiKey $Sim.ApiKey -TimeoutSec 5 -MaxReconnectAttempts 0 }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        @(Get-C2Session).Count | Should -Be 0
    }

    It '-WhatIf opens no connection and registers no session' {
        Wait-C2TestConnections $Sim 0
        $r = Invoke-C2Captured { Connect-C2Socket -Uri $Sim.Uri -ApiKey $Sim.ApiKey -WhatIf }
        $r.Output | Should -BeNullOrEmpty
        @(Get-C2Session).Count | Should -Be 0
        (Get-C2TestStats $Sim).connections | Should -BeNullOrEmpty
    }

    It '-CheckpointPath is resolved against the current PowerShell location' {
        Push-Location -LiteralPath $Folder
        try { $s = Connect-C2Socket -Uri $Sim.Uri -ApiKey $Sim.ApiKey -CheckpointPath ./relative.checkpoint.json }
        finally { Pop-Location }
        $s.CheckpointPath | Should -Be ([System.IO.Path]::Combine($Folder, 'relative.checkpoint.json'))
    }

    It '-TimeoutSec 0 means no limit (as Invoke-RestMethod -TimeoutSec 0): the connection opens' {
        $r = Invoke-C2Captured { Connect-C2Socket -Uri $Sim.Uri -ApiKey $Sim.ApiKey -TimeoutSec 0 }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].State | Should -Be 'Connected'
        (Get-Command Connect-C2Socket).Parameters['TimeoutSec'].ParameterType | Should -Be ([int])
    }

    It 'several sessions get distinct ids and the newest is the default' {
        $a = Connect-C2Socket -Uri $Sim.Uri -ApiKey $Sim.ApiKey
        $b = Connect-C2Socket -Uri $Sim.Uri -ApiKey $Sim.ApiKey
        $a.Id | Should -Not -Be $b.Id
        (Get-C2Session -Default).Id | Should -Be $b.Id
        Wait-C2TestConnections $Sim 2
    }
}

Describe 'Connect-C2Socket parameters' {
    BeforeAll {
        Reset-C2TestSessions
        # A session is open while the bad calls are made: none of them may disturb it.
        $Open = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 0 }
        $uri = $Sim.Uri
        $key = $Sim.ApiKey
        $tmp = $Folder
    }

    It 'refuses <Script> with <ErrorId> (<Category>) naming <Mentions>' -ForEach @(
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -TimeoutSec -1'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Mentions = @('TimeoutSec') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri http://127.0.0.1/ws'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Mentions = @('Uri', 'wss://') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri ''not a uri'''; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Mentions = @('Uri', 'wss://') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -Proxy ftp://127.0.0.1:21'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Mentions = @('Proxy', 'http://') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -NoProxy -Proxy http://127.0.0.1:3128'; ErrorId = 'C2InvalidParameterCombination'; Category = 'InvalidArgument'; Mentions = @('-NoProxy', '-Proxy') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -Proxy http://127.0.0.1:3128 -ProxyUseDefaultCredentials -ProxyCredential ([pscredential]::new(''u'', [securestring]::new()))'; ErrorId = 'C2InvalidParameterCombination'; Category = 'InvalidArgument'; Mentions = @('-ProxyCredential', '-ProxyUseDefaultCredentials') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -ProxyUseDefaultCredentials'; ErrorId = 'C2InvalidParameterCombination'; Category = 'InvalidArgument'; Mentions = @('-Proxy') }
        @{ Script = 'Connect-C2Socket -ApiKey 42 -Uri $uri'; ErrorId = 'ParameterArgumentTransformationError'; Category = 'InvalidData'; Mentions = @('ApiKey', 'SecureString') }
        @{ Script = 'Connect-C2Socket -ApiKey '''' -Uri $uri'; ErrorId = 'C2ApiKeyMissing'; Category = 'InvalidArgument'; Mentions = @('-ApiKey', 'C2_API_KEY') }
        @{ Script = '$env:C2_API_KEY = $null; Connect-C2Socket -Uri $uri'; ErrorId = 'C2ApiKeyMissing'; Category = 'InvalidArgument'; Mentions = @('-ApiKey', 'C2_API_KEY') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri ws://192.0.2.10/ws'; ErrorId = 'C2UnencryptedAuthentication'; Category = 'SecurityError'; Mentions = @('192.0.2.10', '-AllowUnencryptedAuthentication') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -MaxReconnectAttempts -2'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Mentions = @('MaxReconnectAttempts') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -ReconnectIntervalSec 0'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Mentions = @('ReconnectIntervalSec') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -HeartbeatTimeoutSec 0'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Mentions = @('HeartbeatTimeoutSec') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -InboxCapacity 0'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Mentions = @('InboxCapacity') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -MaxMessageSizeKB 0'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Mentions = @('MaxMessageSizeKB') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -MaxMessageSizeKB 2000000'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Mentions = @('MaxMessageSizeKB', '1048576') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -CheckpointPath '''''; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Mentions = @('CheckpointPath') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -CheckpointPath ($tmp + ''/no/such/folder/cp.json'')'; ErrorId = 'C2CheckpointUnreadable'; Category = 'ReadError'; Mentions = @('CheckpointPath', 'folder') }
        @{ Script = '[IO.File]::WriteAllText($tmp + ''/bad.json'', ''garbage{''); Connect-C2Socket -ApiKey $key -Uri $uri -CheckpointPath ($tmp + ''/bad.json'')'; ErrorId = 'C2CheckpointUnreadable'; Category = 'ReadError'; Mentions = @('CheckpointPath', 'not a C2WebSocket checkpoint') }
        @{ Script = 'Connect-C2Socket -ApiKey $key -Uri $uri -ResumeFromFormat Banana'; ErrorId = 'CannotConvertArgumentNoMessage'; Category = 'InvalidArgument'; Mentions = @('ResumeFromFormat', 'String') }
    ) {
        $r = Invoke-C2Captured ([scriptblock]::Create($Script))
        $r.Output | Should -BeNullOrEmpty
        $r.Errors.Count | Should -BeGreaterThan 0
        $e = $r.Errors[0]
        $e.FullyQualifiedErrorId.Split(',')[0] | Should -Be $ErrorId
        $e.CategoryInfo.Category | Should -Be $Category
        $message = Get-C2ErrorMessage $e
        foreach ($m in $Mentions) { $message | Should -BeLike "*$m*" }
        $message | Should -Not -BeLike "*$key*"
    }

    It 'leaves the open session connected and the default after all the refusals' {
        (Get-C2Session -Default).Id | Should -Be $Open.Id
        $Open.State | Should -Be 'Connected'
    }
}
