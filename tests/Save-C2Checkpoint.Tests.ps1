# Checkpoints a scheduled task can trust (issue 23): when the file moves in each mode, explicit saves and their
# errors, and one owner per stream of a checkpoint file.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Sim = Start-C2TestSimulator
    $Folder = New-C2TestFolder
    $script:n = 0
    function New-CheckpointPath { $script:n++; Join-Path $Folder "cp$script:n.json" }
    # The seq_id the file holds for a strategy ($null when none).
    function Get-SavedSeq([string] $Path, [long] $StrategyId) {
        if (-not (Test-Path -LiteralPath $Path)) { return $null }
        $e = (Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json).streams."strategy.signal:$StrategyId"
        if ($e -and $e.PSObject.Properties['seq']) { $e.seq } else { $null }
    }
    # The furthest seq_id saved for a strategy: the file, else its journal (what a new owner compacts first).
    function Get-DurableSeq([string] $Path, [long] $StrategyId) {
        $journal = "$Path.strategy.signal-$StrategyId.journal"
        $fromJournal = if (Test-Path -LiteralPath $journal) { @(Get-Content -LiteralPath $journal | Where-Object { $_ } | ForEach-Object { ($_ | ConvertFrom-Json).seq }) | Measure-Object -Maximum | ForEach-Object Maximum }
        @((Get-SavedSeq $Path $StrategyId), $fromJournal) | Where-Object { $null -ne $_ } | Measure-Object -Maximum | ForEach-Object Maximum
    }
}

AfterAll {
    Reset-C2TestSessions
    Stop-C2TestSimulator $Sim
    if ($Folder) { Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'The automatic checkpoint commits a statement once it has completed' {
    BeforeEach { Reset-C2TestSessions }

    It 'what a Receive-C2Signal statement wrote is committed at the session''s next command, not before' {
        $cp = New-CheckpointPath
        $s = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp }
        $null = $s | Add-C2Subscription -StrategyId 32001
        $null = Publish-C2TestSignal $Sim 32001 -Count 3
        $rows = @(Receive-C2Signal -Session $s -Count 3 -TimeoutSec 20)
        $rows.SeqId | Should -Be 1, 2, 3
        Get-SavedSeq $cp 32001 | Should -BeNullOrEmpty -Because 'a batch kept in a variable is not processed yet when the statement ends'
        $null = Get-C2Subscription -Session $s
        Get-SavedSeq $cp 32001 | Should -Be 3
    }

    It 'a C2 command inside the statement that is still running does not commit it' {
        $cp = New-CheckpointPath
        $s = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp }
        $null = $s | Add-C2Subscription -StrategyId 32002
        $null = Publish-C2TestSignal $Sim 32002 -Count 2
        $seen = Receive-C2Signal -Session $s -Count 2 -TimeoutSec 20 | ForEach-Object {
            $null = Get-C2Subscription -Session $s      # a command of the module, while the statement runs
            Get-SavedSeq $cp 32002
        }
        @($seen | Where-Object { $null -ne $_ }) | Should -BeNullOrEmpty
        Disconnect-C2Socket -Session $s
        Get-SavedSeq $cp 32002 | Should -Be 2
    }

    It 'a Receive-C2Signal | Export-Csv statement is committed at Disconnect-C2Socket, after Export-Csv wrote every row' {
        $cp = New-CheckpointPath
        $csv = Join-Path $Folder 'exported.csv'
        $s = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp }
        $null = $s | Add-C2Subscription -StrategyId 32003
        $null = Publish-C2TestSignal $Sim 32003 -Count 4
        Receive-C2Signal -Session $s -Count 4 -TimeoutSec 20 | Export-Csv -LiteralPath $csv -NoTypeInformation
        Disconnect-C2Socket -Session $s
        (Import-Csv -LiteralPath $csv).SeqId | Should -Be '1', '2', '3', '4'
        Get-SavedSeq $cp 32003 | Should -Be 4
    }

    It 'Ctrl+C during an object''s processing sends it back to the inbox, and only what was processed is committed' {
        $cp = New-CheckpointPath
        $s = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp }
        $null = $s | Add-C2Subscription -StrategyId 32004
        $null = Publish-C2TestSignal $Sim 32004 -Count 3
        $started = [System.Threading.ManualResetEventSlim]::new($false)
        $ps = [powershell]::Create()
        $null = $ps.AddScript('param($m, $s, $started) Import-Module $m; Receive-C2Signal -Session $s -Count 3 -TimeoutSec 20 | ForEach-Object { if ($_.SeqId -eq 2) { $started.Set(); Start-Sleep -Seconds 30 } }').
            AddArgument($C2ModuleManifest).AddArgument($s).AddArgument($started)
        $async = $ps.BeginInvoke()
        $started.Wait([TimeSpan]::FromSeconds(20)) | Should -BeTrue
        $ps.Stop()                                            # what Ctrl+C does
        $ps.Dispose()
        (Receive-C2Signal -Session $s -Count 2 -TimeoutSec 20).SeqId | Should -Be 2, 3 -Because 'the interrupted object went back to the front of its stream'
        Disconnect-C2Socket -Session $s
        Get-SavedSeq $cp 32004 | Should -Be 3
    }
}

Describe 'Save-C2Checkpoint and -ManualCheckpoint' {
    BeforeEach { Reset-C2TestSessions }

    It 'with -ManualCheckpoint the file moves only through Save-C2Checkpoint, durably before it returns, only forward' {
        $cp = New-CheckpointPath
        $s = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp; ManualCheckpoint = $true }
        $null = $s | Add-C2Subscription -StrategyId 32010
        $null = Publish-C2TestSignal $Sim 32010 -Count 5
        $rows = @(Receive-C2Signal -Session $s -Count 5 -TimeoutSec 20)
        $null = Get-C2Subscription -Session $s                         # a commit point of the automatic mode
        Get-DurableSeq $cp 32010 | Should -BeNullOrEmpty
        $rows[0..2] | Save-C2Checkpoint
        Get-DurableSeq $cp 32010 | Should -Be 3 -Because 'the save is on disk (the journal) when Save-C2Checkpoint returns'
        $rows[1] | Save-C2Checkpoint -Verbose 4>&1 | Out-String | Should -Match 'already saved that far'
        Get-DurableSeq $cp 32010 | Should -Be 3
        Save-C2Checkpoint -StrategyId 32010 -SeqId 5
        Disconnect-C2Socket -Session $s
        Get-SavedSeq $cp 32010 | Should -Be 5 -Because 'Disconnect-C2Socket compacts the journal into the file'
    }

    It 'a later run of the checkpoint resumes right after the last save' {
        $cp = New-CheckpointPath
        $s = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp; ManualCheckpoint = $true }
        $null = $s | Add-C2Subscription -StrategyId 32011
        $null = Publish-C2TestSignal $Sim 32011 -Count 4
        $rows = @(Receive-C2Signal -Session $s -Count 4 -TimeoutSec 20)
        $rows[1] | Save-C2Checkpoint
        Disconnect-C2Socket -Session $s
        $s2 = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp; ManualCheckpoint = $true }
        $null = $s2 | Add-C2Subscription -StrategyId 32011
        (Receive-C2Signal -Session $s2 -Count 2 -TimeoutSec 20).SeqId | Should -Be 3, 4
    }

    It 'refuses, saving nothing: <Case>' -ForEach @(
        @{ Case = 'a signal of another session'; ErrorId = 'C2CheckpointForeignSignal'; Category = 'InvalidArgument' }
        @{ Case = 'a seq_id beyond what was delivered'; ErrorId = 'C2CheckpointBeyondDelivered'; Category = 'InvalidArgument' }
        @{ Case = 'a session without a checkpoint'; ErrorId = 'C2CheckpointNotEnabled'; Category = 'InvalidOperation' }
    ) {
        $cp = New-CheckpointPath
        $a = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp; ManualCheckpoint = $true }
        $null = $a | Add-C2Subscription -StrategyId 32012
        $b = Connect-C2TestSession $Sim
        $null = $b | Add-C2Subscription -StrategyId 32013
        $null = Publish-C2TestSignal $Sim 32012 -Count 2
        $null = Publish-C2TestSignal $Sim 32013
        $mine = @(Receive-C2Signal -Session $a -Count 2 -TimeoutSec 20)
        $theirs = Receive-C2Signal -Session $b -Count 1 -TimeoutSec 20
        $err = switch ($ErrorId) {
            'C2CheckpointForeignSignal' { { @($mine[0], $theirs) | Save-C2Checkpoint -Session $a } }
            'C2CheckpointBeyondDelivered' { { Save-C2Checkpoint -Session $a -StrategyId 32012 -SeqId ($mine[-1].SeqId + 1) } }
            'C2CheckpointNotEnabled' { { $theirs | Save-C2Checkpoint -Session $b } }
        }
        $r = Invoke-C2Captured $err
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId*"
        $r.Errors[0].CategoryInfo.Category | Should -Be $Category
        Get-DurableSeq $cp 32012 | Should -BeNullOrEmpty -Because 'nothing is saved when any item is refused'
    }

    It '-ManualCheckpoint without -CheckpointPath is a parameter error' {
        $r = Invoke-C2Captured { Connect-C2Socket -Uri $Sim.Uri -ApiKey $Sim.ApiKey -ManualCheckpoint }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2InvalidParameterCombination*'
        Get-C2ErrorMessage $r.Errors[0] | Should -Match '-ManualCheckpoint needs -CheckpointPath'
    }
}

Describe 'One owner per stream of a checkpoint' {
    BeforeEach { Reset-C2TestSessions }

    It 'a second session claiming the same strategy of the same file is refused at once, naming the file, the strategy and the holder' {
        $cp = New-CheckpointPath
        $a = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp }
        $null = $a | Add-C2Subscription -StrategyId 32020
        $b = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp }
        $r = Invoke-C2Captured { $b | Add-C2Subscription -StrategyId 32021, 32020 }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2CheckpointInUse*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $text = Get-C2ErrorMessage $r.Errors[0]
        $text | Should -Match ([regex]::Escape($cp))
        $text | Should -Match 'Strategy 32020'
        $text | Should -Match "process $PID \(started .*\), session $($a.Id)"
        @(Get-C2Subscription -Session $b) | Should -BeNullOrEmpty -Because 'a refused claim subscribes none of the strategies it was given'
    }

    It 'the owner letting go (Remove-C2Subscription) frees the stream; -WaitForCheckpointSec waits for it' {
        $cp = New-CheckpointPath
        $a = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp }
        $null = $a | Add-C2Subscription -StrategyId 32022
        $b = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp; WaitForCheckpointSec = 30 }
        $job = Start-ThreadJob -ScriptBlock { param($a, $m) Import-Module $m; Start-Sleep -Milliseconds 500; Remove-C2Subscription -Session $a -StrategyId 32022 } -ArgumentList $a, $C2ModuleManifest
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $sub = $b | Add-C2Subscription -StrategyId 32022
        $sub.State | Should -Be 'Active'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 30
        $job | Wait-Job -Timeout 30 | Receive-Job -ErrorAction Stop
    }

    It 'waiting longer than -WaitForCheckpointSec fails with the same error' {
        $cp = New-CheckpointPath
        $a = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp }
        $null = $a | Add-C2Subscription -StrategyId 32023
        $b = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp; WaitForCheckpointSec = 1 }
        $r = Invoke-C2Captured { $b | Add-C2Subscription -StrategyId 32023 }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2CheckpointInUse*'
        Get-C2ErrorMessage $r.Errors[0] | Should -Match 'after waiting 1 s'
    }

    It 'sessions sharing one file for different strategies both advance it' {
        $cp = New-CheckpointPath
        $a = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp }
        $b = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp }
        $null = $a | Add-C2Subscription -StrategyId 32024
        $null = $b | Add-C2Subscription -StrategyId 32025
        $null = Publish-C2TestSignal $Sim 32024 -Count 2
        $null = Publish-C2TestSignal $Sim 32025 -Count 3
        $null = Receive-C2Signal -Session $a -Count 2 -TimeoutSec 20
        $null = Receive-C2Signal -Session $b -Count 3 -TimeoutSec 20
        Disconnect-C2Socket -Session $a
        Disconnect-C2Socket -Session $b
        Get-SavedSeq $cp 32024 | Should -Be 2
        Get-SavedSeq $cp 32025 | Should -Be 3
    }

    It 'a lock left by a killed process never blocks' {
        $cp = New-CheckpointPath
        $pwsh = Get-C2PwshCommand
        $script = "Import-Module '$C2ModuleManifest'; `$null = Connect-C2Socket -Uri '$($Sim.Uri)' -ApiKey '$($Sim.ApiKey)' -CheckpointPath '$cp'; `$null = Add-C2Subscription -StrategyId 32026; 'OWNED'; Start-Sleep -Seconds 120"
        $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh.FileName)
        foreach ($a in @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', $script)) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.UseShellExecute = $false
        $p = [System.Diagnostics.Process]::Start($psi)
        try {
            $p.StandardOutput.ReadLineAsync().Wait([TimeSpan]::FromSeconds(60)) | Should -BeTrue
            $s = Connect-C2TestSession $Sim -With @{ CheckpointPath = $cp }
            (Invoke-C2Captured { $s | Add-C2Subscription -StrategyId 32026 }).Errors[0].FullyQualifiedErrorId | Should -BeLike 'C2CheckpointInUse*'
            $p.Kill($true)
            $p.WaitForExit(30000) | Should -BeTrue
            ($s | Add-C2Subscription -StrategyId 32026).State | Should -Be 'Active'
        }
        finally { if (-not $p.HasExited) { $p.Kill($true) }; $p.Dispose() }
    }
}
