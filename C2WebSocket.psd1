@{
    RootModule           = 'C2WebSocket.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '6f0c8d1e-3b7a-4c52-9e1f-2a4d5c6b7e80'
    Author               = 'C2WebSocket contributors'
    CompanyName          = 'C2WebSocket contributors'
    Copyright            = '(c) C2WebSocket contributors. MIT License.'
    Description          = 'Streams live Collective2 (C2) trading signals and position updates from the C2 WebSocket API into PowerShell pipelines, with heartbeats, reconnect, resume and checkpoints handled in the background.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    TypesToProcess       = @('C2WebSocket.Types.ps1xml')
    FormatsToProcess     = @('C2WebSocket.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-C2Socket'
        'Test-C2Connection'
        'Disconnect-C2Socket'
        'Get-C2Session'
        'Add-C2Subscription'
        'Remove-C2Subscription'
        'Get-C2Subscription'
        'Receive-C2Signal'
        'Save-C2Checkpoint'
        'Get-C2StrategyHistory'
        'Get-C2ActiveOrder'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Collective2', 'C2', 'WebSocket', 'Trading', 'Signals', 'Streaming', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/c2websocket/C2WebSocket'
            LicenseUri   = 'https://github.com/c2websocket/C2WebSocket/blob/main/LICENSE'
            RequireLicenseAcceptance = $false
            ReleaseNotes = @'
0.1.0 - first release.
- Connect-C2Socket, Test-C2Connection, Disconnect-C2Socket, Get-C2Session, Add-/Remove-/Get-C2Subscription, Receive-C2Signal.
- Get-C2StrategyHistory and Get-C2ActiveOrder: C2's REST history and working orders (cursor-paged, streamed, retried after Retry-After).
- Heartbeats answered in the background; reconnect with backoff and resume_from replay; duplicates dropped by seq_id.
- -CheckpointPath: the last processed seq_id per strategy survives restarts (atomic writes).
- Delivery problems become error records: C2ReplayGap, C2InboxOverflow, C2ResubscribeFailed.
- Full Get-Help and about_C2WebSocket, table views, tab completion for -StrategyId, -Channel and -Session.
- Windows PowerShell 5.1 and PowerShell 7.
'@
        }
    }
}
