# Reads the documentation the executable-help tests (HelpExamples.Tests.ps1) check against the module: the PowerShell
# code blocks of docs/en-US/*.md and README.md with the ```output block that shows their result, the parameter sections
# of the cmdlet help, and the views of C2WebSocket.Format.ps1xml. Dot-source it; it needs nothing else.

Set-StrictMode -Version 3.0

function Get-C2DocBlock {
    <#
    .SYNOPSIS
        The ```powershell blocks of markdown files, each with an Id ('<file> / <heading>', '#n' when a heading has
        several), its code, and the table header of the ```output block that follows it before the next heading.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string[]] $Path)
    foreach ($file in $Path) {
        $name = [System.IO.Path]::GetFileName($file)
        $lines = [System.IO.File]::ReadAllLines($file)
        $heading = '(top)'
        $perHeading = @{}
        $last = $null
        $found = [System.Collections.Generic.List[object]]::new()
        for ($i = 0; $i -lt $lines.Count; $i++) {
            $line = $lines[$i]
            if ($line -match '^#{1,6}\s+(.+?)\s*$') { $heading = $Matches[1]; $last = $null; continue }
            if ($line -notmatch '^```(\w*)\s*$') { continue }
            $language = $Matches[1]
            $body = [System.Collections.Generic.List[string]]::new()
            for ($i++; $i -lt $lines.Count -and $lines[$i] -notmatch '^```\s*$'; $i++) { $body.Add($lines[$i]) }
            if ($language -eq 'powershell') {
                $n = 1 + [int]$perHeading[$heading]
                $perHeading[$heading] = $n
                $last = [pscustomobject]@{
                    Id           = ('{0} / {1}' -f $name, $heading) + $(if ($n -gt 1) { " #$n" })
                    File         = $name
                    Heading      = $heading
                    Index        = $n
                    Code         = $body -join "`n"
                    OutputHeader = $null
                }
                $found.Add($last)
            }
            elseif ($language -eq 'output' -and $null -ne $last) {
                # A table: a header line, then a line of dashes under it.
                if ($body.Count -ge 2 -and $body[1] -match '^[\s-]+$' -and $body[1] -match '-') { $last.OutputHeader = $body[0].Trim() }
                $last = $null
            }
            else { $last = $null }
        }
        # Written when the file is read to its end: an ```output block completes the block before it.
        $found
    }
}

function Get-C2DocParameter {
    <# The '### -Name' sections of a cmdlet's help markdown: the name, the description and the yaml fields. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)
    $text = [System.IO.File]::ReadAllText($Path) -replace "`r`n", "`n"
    $section = [regex]::Match($text, '(?ms)^## PARAMETERS\n(.*?)^## ').Groups[1].Value
    foreach ($m in [regex]::Matches($section, '(?ms)^### -(\w+)\n(.*?)```yaml\n(.*?)```')) {
        $yaml = @{}
        foreach ($l in $m.Groups[3].Value -split "`n") { if ($l -match '^([\w ]+):\s*(.*)$') { $yaml[$Matches[1]] = $Matches[2].Trim() } }
        [pscustomobject]@{ Name = $m.Groups[1].Value; Description = $m.Groups[2].Value.Trim(); Yaml = $yaml }
    }
}

function Get-C2DocSection {
    <# The text of a '## NAME' section of a markdown file. #>
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Name)
    $text = [System.IO.File]::ReadAllText($Path) -replace "`r`n", "`n"
    [regex]::Match($text, '(?ms)^## ' + [regex]::Escape($Name) + '\n(.*?)(?=^## |\z)').Groups[1].Value
}

function Get-C2TableView {
    <# The table views of a format file: the type names that select each and its column labels, in order. #>
    param([Parameter(Mandatory)] [string] $Path)
    $xml = [xml][System.IO.File]::ReadAllText($Path)
    foreach ($view in $xml.Configuration.ViewDefinitions.View) {
        if (-not $view.PSObject.Properties['TableControl']) { continue }
        $headers = @($view.TableControl.TableHeaders.TableColumnHeader)
        $items = @($view.TableControl.TableRowEntries.TableRowEntry.TableColumnItems.TableColumnItem)
        $labels = for ($i = 0; $i -lt $headers.Count; $i++) {
            if ($headers[$i].PSObject.Properties['Label']) { $headers[$i].Label } else { $items[$i].PropertyName }
        }
        [pscustomobject]@{
            Name      = $view.Name
            TypeNames = @($view.ViewSelectedBy.TypeName)
            Labels    = @($labels)
            Xml       = $view.OuterXml
        }
    }
}

function Split-C2DocList {
    <# 'A, B, C and D' (or 'C or D') -> A, B, C, D. #>
    param([Parameter(Mandatory)] [string] $Text)
    @(($Text -replace '\s+', ' ') -split ',\s*|\s+and\s+|\s+or\s+' | ForEach-Object { $_.Trim() -replace '^(and|or)\s+' } | Where-Object { $_ })
}
