# -StrategyId on every cmdlet that has it: several ids in one string (as Task Scheduler, cron and pwsh -File pass
# them) bind as the list; an element that is not a positive 64-bit id is a parameter error naming that element; and
# binding by property name from the pipeline keeps working. One attribute does it for all cmdlets:
# [C2WebSocket.Commands.StrategyIdTransformation()].
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe '-StrategyId takes a list written as one string' {
    BeforeEach {
        Reset-C2TestSessions
        Wait-C2TestConnections $Sim 0
        $session = Connect-C2TestSession $Sim
    }

    It 'every cmdlet with -StrategyId carries the one transformation' {
        $commands = @(Get-Command -Module C2WebSocket | Where-Object { $_.Parameters.ContainsKey('StrategyId') })
        $commands.Count | Should -BeGreaterOrEqual 4
        foreach ($c in $commands) {
            @($c.Parameters['StrategyId'].Attributes | Where-Object { $_ -is [C2WebSocket.Commands.StrategyIdTransformationAttribute] }).Count |
                Should -Be 1 -Because "$($c.Name) -StrategyId"
        }
    }

    It 'Add-C2Subscription -StrategyId ''<Text>'' subscribes to each strategy of the list' -ForEach @(
        @{ Text = '9101,9102' }
        @{ Text = '9101, 9102' }
        @{ Text = '9101 9102' }
        @{ Text = '9101;9102' }
        @{ Text = ' 9101 ,, 9102 ; ' }
    ) {
        $subs = Add-C2Subscription -StrategyId $Text
        @($subs.StrategyId) | Should -Be 9101, 9102
        @((Get-C2Subscription).StrategyId) | Should -Be 9101, 9102
        Wait-C2TestSubscriptions $Sim 2
    }

    It 'mixes numbers and strings of lists in one array' {
        $subs = Add-C2Subscription -StrategyId 9103, '9104,9105', 9103
        @($subs.StrategyId | Sort-Object) | Should -Be 9103, 9104, 9105
    }

    It 'Get-C2Subscription, Receive-C2Signal and Remove-C2Subscription read the list too' {
        $null = Add-C2Subscription -StrategyId 9106, 9107, 9108
        @((Get-C2Subscription -StrategyId '9106,9108').StrategyId) | Should -Be 9106, 9108
        @((Get-C2Subscription '9107 9108').StrategyId) | Should -Be 9107, 9108

        $null = Publish-C2TestSignal $Sim 9106
        $null = Publish-C2TestSignal $Sim 9107
        $null = Publish-C2TestSignal $Sim 9108
        Wait-C2Condition { $session.InboxCount -eq 3 } 'three signals queued'
        $r = Invoke-C2Captured { Receive-C2Signal -StrategyId '9106;9108' -Count 2 -TimeoutSec 20 }
        $r.Errors | Should -BeNullOrEmpty
        @($r.Output.StrategyId) | Should -Be 9106, 9108
        $session.InboxCount | Should -Be 1 -Because 'the signal of 9107 stays in the inbox'

        Remove-C2Subscription -StrategyId '9106, 9107'
        @((Get-C2Subscription).StrategyId) | Should -Be 9108
    }

    It 'binds by property name from the pipeline: <What>' -ForEach @(
        @{ What = 'an object whose StrategyId is a list in a string'; Make = { [pscustomobject]@{ StrategyId = '9111,9112' } }; Expected = 9111, 9112 }
        @{ What = 'objects whose StrategyId is a number'; Make = { [pscustomobject]@{ StrategyId = 9113 }; [pscustomobject]@{ StrategyId = [int]9114 } }; Expected = 9113, 9114 }
        @{ What = 'Import-Csv rows (strings)'; Make = { 'StrategyId', '9115', '9116' | ConvertFrom-Csv }; Expected = 9115, 9116 }
    ) {
        $subs = & $Make | Add-C2Subscription
        @($subs.StrategyId) | Should -Be $Expected
    }

    It 'binds a signal''s StrategyId and Channel by property name (Remove-C2Subscription of what was received)' {
        $null = Add-C2Subscription -StrategyId 9117, 9118
        $null = Publish-C2TestSignal $Sim 9117
        Receive-C2Signal -Count 1 -TimeoutSec 20 | Remove-C2Subscription
        @((Get-C2Subscription).StrategyId) | Should -Be 9118
    }

    It 'binds subscriptions'' StrategyId by property name (Get-C2Subscription | Add-C2Subscription -Session)' {
        $null = Add-C2Subscription -StrategyId 9119, 9120
        $other = Connect-C2TestSession $Sim
        $subs = Get-C2Subscription -Session $session | Add-C2Subscription -Session $other
        @($subs.StrategyId) | Should -Be 9119, 9120
        @($subs.SessionId | Select-Object -Unique) | Should -Be $other.Id
    }

    It 'pwsh -File script.ps1 -StrategyId 9121,9122 passes one string; the cmdlet reads it as two ids' {
        $r = Invoke-C2ChildPwsh $Sim -Arguments '-StrategyId', '9121,9122' -Script @'
param($StrategyId)
$ErrorActionPreference = 'Stop'
'bound=' + $StrategyId.GetType().Name + ':' + $StrategyId
$null = Connect-C2Socket -Uri $env:C2_SIMULATOR_URI
(Add-C2Subscription -StrategyId $StrategyId).StrategyId -join ' '
Disconnect-C2Socket
'@
        $r.ExitCode | Should -Be 0 -Because $r.All
        $r.Stdout | Should -Match 'bound=String:9121,9122'
        $r.Stdout | Should -Match '(?m)^9121 9122$'
    }

    It 'a [string[]] script parameter from pwsh -File works the same' {
        $r = Invoke-C2ChildPwsh $Sim -Arguments '-StrategyId', '9123,9124' -Script @'
param([string[]] $StrategyId)
$ErrorActionPreference = 'Stop'
$null = Connect-C2Socket -Uri $env:C2_SIMULATOR_URI
(Add-C2Subscription -StrategyId $StrategyId).StrategyId -join ' '
Disconnect-C2Socket
'@
        $r.ExitCode | Should -Be 0 -Because $r.All
        $r.Stdout | Should -Match '(?m)^9123 9124$'
    }
}

Describe '-StrategyId refuses what is not a positive 64-bit id, naming the element' {
    BeforeAll {
        Reset-C2TestSessions
        $null = Connect-C2TestSession $Sim
    }

    It '<Command> -StrategyId <Text> is <ErrorId> naming <Element>' -ForEach @(
        @{ Command = 'Add-C2Subscription'; Text = '''12345678,ESZ6'''; ErrorId = 'ParameterArgumentTransformationError'; Element = 'ESZ6' }
        @{ Command = 'Add-C2Subscription'; Text = '''12345678,1.5'''; ErrorId = 'ParameterArgumentTransformationError'; Element = '1.5' }
        @{ Command = 'Add-C2Subscription'; Text = '''99999999999999999999'''; ErrorId = 'ParameterArgumentTransformationError'; Element = '99999999999999999999' }
        @{ Command = 'Add-C2Subscription'; Text = '1.5'; ErrorId = 'ParameterArgumentTransformationError'; Element = '1.5' }
        @{ Command = 'Add-C2Subscription'; Text = ''' , '''; ErrorId = 'ParameterArgumentTransformationError'; Element = 'no strategy id' }
        @{ Command = 'Add-C2Subscription'; Text = '''12345678,0'''; ErrorId = 'ParameterArgumentValidationError'; Element = '0' }
        @{ Command = 'Add-C2Subscription'; Text = '''12345678;-5'''; ErrorId = 'ParameterArgumentValidationError'; Element = '-5' }
        @{ Command = 'Get-C2Subscription'; Text = '''1,x2'''; ErrorId = 'ParameterArgumentTransformationError'; Element = 'x2' }
        @{ Command = 'Remove-C2Subscription'; Text = '''1 two'''; ErrorId = 'ParameterArgumentTransformationError'; Element = 'two' }
        @{ Command = 'Receive-C2Signal'; Text = '''1;NaN'''; ErrorId = 'ParameterArgumentTransformationError'; Element = 'NaN' }
        @{ Command = 'Receive-C2Signal'; Text = '''7,0'''; ErrorId = 'ParameterArgumentValidationError'; Element = '0' }
        @{ Command = 'Get-C2StrategyHistory'; Text = '''7,x'''; ErrorId = 'ParameterArgumentTransformationError'; Element = 'x' }
        @{ Command = 'Save-C2Checkpoint -SeqId 3'; Text = '''7,8'''; ErrorId = 'ParameterArgumentTransformationError'; Element = 'one strategy id, not 2' }
    ) {
        $r = Invoke-C2Captured ([scriptblock]::Create("$Command -StrategyId $Text"))
        $r.Output | Should -BeNullOrEmpty
        $r.Errors.Count | Should -Be 1
        $e = $r.Errors[0]
        $e.FullyQualifiedErrorId.Split(',')[0] | Should -Be $ErrorId
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $message = Get-C2ErrorMessage $e
        $message | Should -BeLike '*StrategyId*'
        $message | Should -BeLike "*$Element*"
        Get-C2TestSubscriptionCount $Sim | Should -Be 0
    }
}
