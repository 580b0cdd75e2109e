# Sessions belong to a runspace: thread jobs and ForEach-Object -Parallel connect their own; stopping a pipeline
# (what Ctrl+C does) ends Receive-C2Signal promptly without losing what it had not delivered.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
}

Describe 'Sessions across runspaces' {
    BeforeEach {
        Reset-C2TestSessions
        Wait-C2TestConnections $Sim 0
    }

    It 'a thread job sees none of the sessions of its parent and connects its own' {
        $mine = Connect-C2TestSession $Sim
        $null = Publish-C2TestSignal $Sim 8001 -Count 3
        $job = Start-ThreadJob -ArgumentList $C2ModuleManifest, $Sim.Uri, $Sim.ApiKey -ScriptBlock {
            param($manifest, $uri, $key)
            Import-Module $manifest
            $before = @(Get-C2Session).Count
            $s = Connect-C2Socket -Uri $uri -ApiKey $key
            $null = $s | Add-C2Subscription -StrategyId 8001 -ResumeFrom 1
            $seqs = (Receive-C2Signal -Session $s -Count 2 -TimeoutSec 20).SeqId
            [pscustomobject]@{ Before = $before; SessionId = $s.Id; State = [string]$s.State; Seqs = $seqs }
            $s | Disconnect-C2Socket
        }
        $result = $job | Wait-Job -Timeout 60 | Receive-Job -ErrorAction Stop
        $job | Remove-Job -Force
        $result.Before | Should -Be 0
        $result.State | Should -Be 'Connected'
        $result.Seqs | Should -Be 2, 3
        # The parent's session is untouched and still the default.
        (Get-C2Session).Id | Should -Be $mine.Id
        $mine.State | Should -Be 'Connected'
    }

    It 'ForEach-Object -Parallel: every runspace streams its own strategy' {
        foreach ($id in 8011, 8012, 8013) { $null = Publish-C2TestSignal $Sim $id -Count 4 }
        $manifest = $C2ModuleManifest
        $uri = $Sim.Uri
        $key = $Sim.ApiKey
        $results = 8011, 8012, 8013 | ForEach-Object -ThrottleLimit 3 -Parallel {
            Import-Module $using:manifest
            $s = Connect-C2Socket -Uri $using:uri -ApiKey $using:key
            $null = Add-C2Subscription -StrategyId $_ -ResumeFrom 1
            $got = Receive-C2Signal -Count 3 -TimeoutSec 20
            Disconnect-C2Socket
            '{0}:{1}' -f $_, (($got | ForEach-Object SeqId) -join ',')
        }
        $results | Sort-Object | Should -Be '8011:2,3,4', '8012:2,3,4', '8013:2,3,4'
        Get-C2Session | Should -BeNullOrEmpty
    }

    It 'the sessions of a runspace close when the runspace closes' {
        $rs = [runspacefactory]::CreateRunspace()
        $rs.Open()
        $ps = [powershell]::Create()
        try {
            $ps.Runspace = $rs
            $null = $ps.AddScript('param($m, $u, $k) Import-Module $m; $null = Connect-C2Socket -Uri $u -ApiKey $k; $null = Connect-C2Socket -Uri $u -ApiKey $k').
                AddArgument($C2ModuleManifest).AddArgument($Sim.Uri).AddArgument($Sim.ApiKey).Invoke()
            Wait-C2TestConnections $Sim 2
        }
        finally {
            $ps.Dispose()
            $rs.Dispose()
        }
        Wait-C2TestConnections $Sim 0
    }

    It 'stopping a pipeline (Ctrl+C) ends Receive-C2Signal promptly and the next read gets what arrived meanwhile' {
        $rs = [runspacefactory]::CreateRunspace()
        $rs.Open()
        try {
            $ps = [powershell]::Create()
            $ps.Runspace = $rs
            $null = $ps.AddScript('param($m, $u, $k) Import-Module $m; Connect-C2Socket -Uri $u -ApiKey $k | Add-C2Subscription -StrategyId 8021').
                AddArgument($C2ModuleManifest).AddArgument($Sim.Uri).AddArgument($Sim.ApiKey).Invoke()
            $ps.Dispose()

            $ps = [powershell]::Create()
            $ps.Runspace = $rs
            $null = $ps.AddScript('Receive-C2Signal')
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $inputData = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $inputData.Complete()
            $async = $ps.BeginInvoke($inputData, $output)
            $null = Publish-C2TestSignal $Sim 8021 @{ n = 1 }
            Wait-C2Condition { $output.Count -ge 1 } 'the first signal'
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $async.AsyncWaitHandle.WaitOne(5000) | Should -BeTrue
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            [string]$ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $ps.Dispose()

            # Published while nobody was reading: kept for the next Receive-C2Signal of that runspace.
            $null = Publish-C2TestSignal $Sim 8021 @{ n = 2 }
            $ps = [powershell]::Create()
            $ps.Runspace = $rs
            $next = $ps.AddScript('(Receive-C2Signal -Count 1 -TimeoutSec 20).n; (Get-C2Session -Default).State.ToString()').Invoke()
            $ps.Dispose()
            $next[0] | Should -Be 2
            $next[1] | Should -Be 'Connected'
        }
        finally { $rs.Dispose() }
    }

    It 'Stop-Job stops a thread job that is streaming signals' {
        $job = Start-ThreadJob -ArgumentList $C2ModuleManifest, $Sim.Uri, $Sim.ApiKey -ScriptBlock {
            param($manifest, $uri, $key)
            Import-Module $manifest
            Connect-C2Socket -Uri $uri -ApiKey $key | Add-C2Subscription -StrategyId 8031 | Out-Null
            Receive-C2Signal | ForEach-Object SeqId
        }
        try {
            Wait-C2TestSubscriptions $Sim 1
            $null = Publish-C2TestSignal $Sim 8031
            Wait-C2Condition { $job.HasMoreData -or $job.State -ne 'Running' } 'the job to receive a signal'
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $job | Stop-Job
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $job.State | Should -Be 'Stopped'
            $job | Receive-Job | Should -Be 1
        }
        finally { $job | Remove-Job -Force }
        Wait-C2TestConnections $Sim 0
    }
}
