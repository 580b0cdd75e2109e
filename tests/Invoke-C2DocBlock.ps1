<#
.SYNOPSIS
    Runs one PowerShell block of the help or the README in this (fresh) pwsh, in the context the examples presume, and
    writes what it did as JSON. Used by HelpExamples.Tests.ps1, one child pwsh per block.
.DESCRIPTION
    The context, and nothing more:
    - the module, imported by name (the built out/C2WebSocket is first on PSModulePath);
    - Connect-C2Socket and Test-C2Connection default to the test simulator (-Uri), and $env:C2_API_KEY holds its demo key;
    - Get-Secret returns that key (SecretManagement is not installed here);
    - Send-MailMessage and Invoke-MyOrder, which examples call on each signal, are stubs: the mail server of the example
      (smtp.example.com) is not on this machine, and Invoke-MyOrder stands for the user's own code;
    - a Receive-C2Signal without -TimeoutSec ends after $ReceiveSeconds (the examples say "until Ctrl+C"), and one with a
      -TimeoutSec longer than 5 s (the scheduled-task examples bound a run at minutes) after 5 s: the test simulator
      publishes 20 signals a second, so -IdleTimeoutSec never ends those runs here;
    - three sessions (ids 1 to 3, the third is the default), each subscribed to 12345678 and 87654321 on both channels,
      for the examples that use "the default session", "session 2" or "sessions 1 and 3";
    - ./strategies.csv for the example that imports one (HelpExamples.Tests.ps1 puts it in the block's folder).
    It writes no file itself. Errors, warnings and output are recorded; the block's own exit code ends this script (a block that calls exit).

    With -AsNewUser (the README's blocks) there is no context beyond the module's folder on PSModulePath, the simulator
    the README tells the reader to start (its address and demo key, as the README writes them) and the bound on an
    endless Receive-C2Signal: no Get-Secret, no default -Uri, no session. The README is read by someone who has none
    of these, so its examples must work as written.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $CodePath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [Parameter(Mandatory)] [string] $SimulatorUri,
    [int] $ReceiveSeconds = 2,
    [switch] $AsNewUser
)
$PSStyle.OutputRendering = 'PlainText'
$result = [ordered]@{ Completed = $false; Context = $null; Errors = @(); Warnings = @(); Output = ''; Seconds = 0 }
function Save-Result { $result | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $ResultPath -Encoding utf8 }

$PSDefaultParameterValues['Receive-C2Signal:TimeoutSec'] = $ReceiveSeconds
if (-not $AsNewUser) {
    try {
        Import-Module -Name C2WebSocket -ErrorAction Stop
        $PSDefaultParameterValues['Connect-C2Socket:Uri'] = $SimulatorUri
        $PSDefaultParameterValues['Test-C2Connection:Uri'] = $SimulatorUri
        function global:Get-Secret {
            [CmdletBinding()]
            param([Parameter(Position = 0)] [string] $Name, [string] $Vault, [switch] $AsPlainText)
            if ($AsPlainText) { $env:C2_API_KEY } else { ConvertTo-SecureString -String $env:C2_API_KEY -AsPlainText -Force }
        }
        function global:Send-MailMessage { param([Parameter(ValueFromRemainingArguments)] $Arguments) $global:C2MailsSent++ }
        function global:Invoke-MyOrder { param([Parameter(Position = 0, ValueFromPipeline)] $Signal) process { $global:C2OrdersSeen++ } }
        foreach ($i in 1..3) {
            $null = Connect-C2Socket -ErrorAction Stop |
                Add-C2Subscription -StrategyId 12345678, 87654321 -Channel strategy.signal, strategy.positions -ErrorAction Stop
        }
    }
    catch {
        $result.Context = "The context could not be set up: $_"
        Save-Result
        exit 3
    }
}

$code = Get-Content -LiteralPath $CodePath -Raw
# The bound of a run: a Receive-C2Signal's -TimeoutSec of minutes becomes 5 s (the rest of the line is unchanged).
$code = [regex]::Replace($code, '(?m)(Receive-C2Signal\b[^\r\n|]*?-TimeoutSec )(\d+)', {
        param($m) $m.Groups[1].Value + [string][Math]::Min(5, [int]$m.Groups[2].Value) })
$objects = [System.Collections.Generic.List[object]]::new()
$errors = [System.Collections.Generic.List[object]]::new()
$warnings = [System.Collections.Generic.List[string]]::new()
$watch = [System.Diagnostics.Stopwatch]::StartNew()
try {
    & ([scriptblock]::Create($code)) *>&1 | ForEach-Object {
        if ($_ -is [System.Management.Automation.ErrorRecord]) { $errors.Add($_) }
        elseif ($_ -is [System.Management.Automation.WarningRecord]) { $warnings.Add($_.Message) }
        elseif ($_ -is [System.Management.Automation.InformationalRecord] -or $_ -is [System.Management.Automation.InformationRecord]) { }
        else { $objects.Add($_) }
    }
}
catch { $errors.Add($_) }
finally {
    $result.Seconds = [math]::Round($watch.Elapsed.TotalSeconds, 1)
    if (Get-Module -Name C2WebSocket) { Disconnect-C2Socket -All -ErrorAction SilentlyContinue }
}
$result.Errors = @($errors | ForEach-Object {
        $message = if ($_.ErrorDetails -and $_.ErrorDetails.Message) { $_.ErrorDetails.Message } else { $_.Exception.Message }
        '{0}: {1}' -f $_.FullyQualifiedErrorId, $message
    })
$result.Warnings = @($warnings)
$result.Output = ($objects | Out-String -Width 250)
$result.Completed = $true
Save-Result
