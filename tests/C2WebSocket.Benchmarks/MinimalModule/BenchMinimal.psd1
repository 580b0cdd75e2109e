@{
    RootModule           = 'BenchMinimal.dll'
    ModuleVersion        = '1.0.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '3d7c1c55-7b8e-4f0e-9a43-0c1d2e3f4a5b'
    Author               = 'C2WebSocket benchmarks'
    Description          = 'Cold-start baseline of the C2WebSocket benchmarks: one cmdlet, one format file.'
    PowerShellVersion    = '5.1'
    FormatsToProcess     = @('BenchMinimal.Format.ps1xml')
    CmdletsToExport      = @('Get-BenchMinimalItem')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
}
