# The session's StateChanged event, as a script watches it with Register-ObjectEvent.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator

    function Wait-C2State {
        # Takes StateChanged events of -SourceIdentifier until one reports -State; returns the states seen, in order.
        param([string] $SourceIdentifier, [string] $State, [double] $TimeoutSec = 20)
        $seen = [System.Collections.Generic.List[string]]::new()
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while ($true) {
            $left = [int][Math]::Ceiling(($deadline - [DateTime]::UtcNow).TotalSeconds)
            if ($left -le 0) { throw "No StateChanged to $State within $TimeoutSec s; saw: $($seen -join ', ')" }
            $e = Wait-Event -SourceIdentifier $SourceIdentifier -Timeout $left
            if (-not $e) { continue }
            $e | Remove-Event
            $seen.Add([string]$e.SourceEventArgs.State)
            if ([string]$e.SourceEventArgs.State -eq $State) { return , $seen.ToArray() }
        }
    }
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'StateChanged with Register-ObjectEvent' {
    BeforeEach {
        Reset-C2TestSessions
        $session = Connect-C2TestSession $Sim
        $null = $session | Add-C2Subscription -StrategyId 7001
    }

    AfterEach {
        Get-EventSubscriber | Where-Object SourceIdentifier -like 'C2Test*' | Unregister-Event
        Get-Event | Where-Object SourceIdentifier -like 'C2Test*' | Remove-Event
    }

    It 'reports Reconnecting then Connected when the connection drops' {
        $null = Register-ObjectEvent -InputObject $session -EventName StateChanged -SourceIdentifier C2Test.Drop
        Invoke-C2TestFault $Sim drop
        $states = Wait-C2State -SourceIdentifier C2Test.Drop -State Connected
        $states | Should -Contain 'Reconnecting'
        $states[-1] | Should -Be 'Connected'
        $session.State | Should -Be 'Connected'
        $session.Reconnects | Should -BeGreaterOrEqual 1
    }

    It 'gives the event the session, the previous state and a reason' {
        $null = Register-ObjectEvent -InputObject $session -EventName StateChanged -SourceIdentifier C2Test.Args
        Invoke-C2TestFault $Sim drop
        $e = Wait-Event -SourceIdentifier C2Test.Args -Timeout 20
        $e | Should -Not -BeNullOrEmpty
        $e.Sender.Id | Should -Be $session.Id
        [string]$e.SourceEventArgs.PreviousState | Should -Be 'Connected'
        $e.SourceEventArgs.Session.Id | Should -Be $session.Id
        $e.SourceEventArgs.Reason | Should -Not -BeNullOrEmpty
        $null = Wait-C2State -SourceIdentifier C2Test.Args -State Connected
    }

    It 'reports Disconnected after Disconnect-C2Socket' {
        $null = Register-ObjectEvent -InputObject $session -EventName StateChanged -SourceIdentifier C2Test.Close
        $session | Disconnect-C2Socket
        $states = Wait-C2State -SourceIdentifier C2Test.Close -State Disconnected
        $states[-1] | Should -Be 'Disconnected'
    }

    It 'runs an -Action script block for each change' {
        $global:C2TestStates = [System.Collections.Generic.List[string]]::new()
        $null = Register-ObjectEvent -InputObject $session -EventName StateChanged -SourceIdentifier C2Test.Action -Action {
            $global:C2TestStates.Add([string]$EventArgs.State)
        }
        try {
            Invoke-C2TestFault $Sim drop
            Wait-C2Condition { $global:C2TestStates -contains 'Connected' } 'the -Action block to see Connected'
            $global:C2TestStates | Should -Contain 'Reconnecting'
        }
        finally { Remove-Variable -Name C2TestStates -Scope Global }
    }

    It 'reports Failed when a session that may not reconnect loses its connection' {
        Reset-C2TestSessions
        $s = Connect-C2TestSession $Sim -With @{ MaxReconnectAttempts = 0 }
        $null = Register-ObjectEvent -InputObject $s -EventName StateChanged -SourceIdentifier C2Test.Fail
        Invoke-C2TestFault $Sim drop
        $e = Wait-Event -SourceIdentifier C2Test.Fail -Timeout 20
        [string]$e.SourceEventArgs.State | Should -BeIn 'Failed', 'Disconnected'
    }
}
