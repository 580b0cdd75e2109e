# What a user relies on when the network misbehaves: reconnect, resume without loss or duplicates, checkpoints
# across sessions, heartbeats answered while the pipeline is busy.
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

Describe 'Reconnect and resume' {
    BeforeEach {
        Reset-C2TestSessions
        $session = Connect-C2TestSession $Sim
    }

    It 'a dropped connection is replaced and the stream goes on without a loss or a duplicate' {
        $null = Add-C2Subscription -StrategyId 9001
        $null = Publish-C2TestSignal $Sim 9001 -Count 3
        (Receive-C2Signal -Count 3 -TimeoutSec 20).SeqId | Should -Be 1, 2, 3
        Invoke-C2TestFault $Sim drop
        # Published while the session is down or resubscribing: replayed with resume_from.
        $null = Publish-C2TestSignal $Sim 9001 -Count 3
        (Receive-C2Signal -Count 3 -TimeoutSec 20).SeqId | Should -Be 4, 5, 6
        # A sentinel: a duplicate replayed by the reconnect would come before it.
        $null = Publish-C2TestSignal $Sim 9001
        (Receive-C2Signal -Count 1 -TimeoutSec 20).SeqId | Should -Be 7
        $session.Reconnects | Should -BeGreaterOrEqual 1
        $session.State | Should -Be 'Connected'
    }

    It '-Verbose tells the story: connection lost, reconnected, resubscribed with resume_from' {
        $null = Add-C2Subscription -StrategyId 9002
        $null = Publish-C2TestSignal $Sim 9002
        $null = Receive-C2Signal -Count 1 -TimeoutSec 20
        Invoke-C2TestFault $Sim drop
        $null = Publish-C2TestSignal $Sim 9002
        $rx = Invoke-C2Captured { Receive-C2Signal -Count 1 -TimeoutSec 20 -Verbose }
        $rx.Output.Count | Should -Be 1
        # The signal can arrive before the background recorded its last line; the next cmdlet that touches the session drains the rest.
        Wait-C2Condition { $session.Reconnects -ge 1 -and $session.State -eq 'Connected' } 'the reconnect'
        $after = Invoke-C2Captured { Get-C2Subscription -Verbose | Out-Null }
        $story = ($rx.Verbose + $after.Verbose) -join "`n"
        $story | Should -Match 'connection 0 lost'
        $story | Should -Match 'reconnected'
        $story | Should -Match 'subscribing to strategy\.signal:9002 with resume_from 1 \(after a reconnect\)'
        $rx.Verbose -join "`n" | Should -Match '1 object\(s\) written'
    }

    It 'survives a server restart on the same port' {
        $null = Add-C2Subscription -StrategyId 9003
        Invoke-C2TestFault $Sim restart
        Wait-C2Condition { $session.Reconnects -ge 1 -and $session.State -eq 'Connected' } 'the reconnect after the restart' -TimeoutSec 30
        Wait-C2TestSubscriptions $Sim 1
        $null = Publish-C2TestSignal $Sim 9003
        (Receive-C2Signal -Count 1 -TimeoutSec 20).SeqId | Should -Be 1
    }

    It 'answers heartbeats while the pipeline is busy with an object' {
        $null = Add-C2Subscription -StrategyId 9004
        $null = Publish-C2TestSignal $Sim 9004
        $closedBefore = (Get-C2TestStats $Sim).connections_closed_for_missed_ack
        Receive-C2Signal -Count 1 -TimeoutSec 20 | ForEach-Object {
            # The consumer is stuck on this object while the server sends a heartbeat every 0.1 s.
            $acks = $session.HeartbeatAcksSent
            Wait-C2Condition { $session.HeartbeatAcksSent -ge $acks + 10 } 'ten heartbeat acks while the pipeline is busy'
        }
        (Get-C2TestStats $Sim).connections_closed_for_missed_ack | Should -Be $closedBefore
        $session.Reconnects | Should -Be 0
    }

    It 'a new session with the same -CheckpointPath resumes where the last one stopped processing' {
        $checkpoint = Join-Path $Folder 'resume.checkpoint.json'
        Reset-C2TestSessions
        $first = Connect-C2TestSession $Sim -With @{ CheckpointPath = $checkpoint }
        $null = $first | Add-C2Subscription -StrategyId 9005
        $null = Publish-C2TestSignal $Sim 9005 -Count 2
        (Receive-C2Signal -Count 2 -TimeoutSec 20).SeqId | Should -Be 1, 2
        $first | Disconnect-C2Socket
        $checkpoint | Should -Exist

        # Published while no session was open.
        $null = Publish-C2TestSignal $Sim 9005 -Count 2
        $second = Connect-C2TestSession $Sim -With @{ CheckpointPath = $checkpoint }
        $null = $second | Add-C2Subscription -StrategyId 9005
        (Receive-C2Signal -Count 2 -TimeoutSec 20).SeqId | Should -Be 3, 4
    }

    It 'the checkpoint advances only for what the pipeline processed' {
        $checkpoint = Join-Path $Folder 'processed.checkpoint.json'
        Reset-C2TestSessions
        $s = Connect-C2TestSession $Sim -With @{ CheckpointPath = $checkpoint }
        $null = $s | Add-C2Subscription -StrategyId 9006
        $null = Publish-C2TestSignal $Sim 9006 -Count 3
        # The downstream fails on seq 2: 1 was processed, 2 was not.
        { Receive-C2Signal -Count 3 -TimeoutSec 20 | ForEach-Object { if ($_.SeqId -eq 2) { throw 'processing failed' } } } | Should -Throw '*processing failed*'
        $s | Disconnect-C2Socket

        $again = Connect-C2TestSession $Sim -With @{ CheckpointPath = $checkpoint }
        $null = $again | Add-C2Subscription -StrategyId 9006
        (Receive-C2Signal -Count 2 -TimeoutSec 20).SeqId | Should -Be 2, 3
    }
}
