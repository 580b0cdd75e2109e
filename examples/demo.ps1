# The main job: connect to the simulator, subscribe to two strategies, stream 12 signals through a real pipeline
# and keep the buys. `./build.ps1 Demo` starts the simulator and sets $env:C2_SIMULATOR_URI and $env:C2_API_KEY (its
# demo key, which Connect-C2Socket reads when -ApiKey is not given); out/C2WebSocket is on its PSModulePath.
$ErrorActionPreference = 'Stop'
Import-Module C2WebSocket

$session = Connect-C2Socket -Uri $env:C2_SIMULATOR_URI
# 'buy' in snake_case payloads, '1' in C2's REST v4 names: the module passes on the server's own field names.
$session | Add-C2Subscription -StrategyId 12345678, 87654321 | Receive-C2Signal -Count 12 | Where-Object { $_.side -in 'buy', '1' }
Get-C2Subscription | Format-Table
$session | Disconnect-C2Socket -PassThru | Format-Table
