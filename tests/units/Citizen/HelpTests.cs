using System;
using System.IO;
using System.Linq;
using C2WebSocket.HelpBuilder;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>Get-Help in the hosted engine against the help the build generated from docs/en-US.</summary>
    public class HelpTests
    {
        private const string ParameterNames = @"
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
foreach ($c in Get-Command -Module C2WebSocket) {
    $help = Get-Help $c.Name -Full
    $actual = @($c.Parameters.Keys | Where-Object { $common -notcontains $_ })
    $documented = @($help.parameters.parameter | Where-Object { $_ } | ForEach-Object { $_.name })
    foreach ($p in $actual) {
        $h = $help.parameters.parameter | Where-Object name -eq $p
        $text = if ($h) { ($h.description | ForEach-Object { $_.Text }) -join ' ' } else { '' }
        if (-not $h) { ""$($c.Name): -$p has no help"" }
        elseif ($text.Trim().Length -lt 10) { ""$($c.Name): -$p has an empty description"" }
    }
    foreach ($d in $documented) {
        if ($c.Parameters.Keys -notcontains $d) { ""$($c.Name): the help documents -$d, which the cmdlet does not have"" }
    }
    if ([string]::IsNullOrWhiteSpace($help.Synopsis) -or $help.Synopsis.Trim() -eq $c.Name -or $help.Synopsis -match '^\s*' + [regex]::Escape($c.Name) + '\s*\[') { ""$($c.Name): no synopsis"" }
    if (-not (($help.description | ForEach-Object { $_.Text }) -join '')) { ""$($c.Name): no description"" }
    if (-not $help.inputTypes) { ""$($c.Name): no inputs"" }
    if (-not $help.returnValues) { ""$($c.Name): no outputs"" }
    if (-not $help.relatedLinks) { ""$($c.Name): no related links"" }
}
";

        [Fact]
        public void Every_cmdlet_and_parameter_has_help_and_the_docs_name_no_parameter_the_cmdlet_lacks()
        {
            using var sh = new PsShell();
            var r = sh.Run(ParameterNames);
            r.ThrowIfFailed();
            var problems = r.Output.Select(o => o.ToString()).ToList();
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
            // The loop above really saw the cmdlets (an empty Get-Command would pass vacuously).
            var count = sh.Run("(Get-Command -Module C2WebSocket).Count").Output.Single();
            Assert.Equal(8, (int)count.BaseObject);
        }

        [Fact]
        public void Every_cmdlet_has_at_least_two_examples_and_about_topic_works()
        {
            using var sh = new PsShell();
            var r = sh.Run("Get-Command -Module C2WebSocket | ForEach-Object { '{0}={1}' -f $_.Name, @((Get-Help $_.Name -Examples).examples.example).Count }");
            r.ThrowIfFailed();
            Assert.Equal(8, r.Output.Count);
            foreach (var line in r.Output.Select(o => o.ToString()))
            {
                var parts = line.Split('=');
                Assert.True(int.Parse(parts[1]) >= 2, parts[0] + " has " + parts[1] + " example(s)");
            }
            var examples = sh.Run("(Get-Help Receive-C2Signal -Examples).examples.example[0].code").Output.Single().ToString();
            Assert.Contains("Receive-C2Signal", examples);

            var about = sh.Run("Get-Help about_C2WebSocket | ForEach-Object { \"$_\" }");
            about.ThrowIfFailed();
            var text = string.Join("\n", about.Output.Select(o => o.ToString()));
            foreach (var expected in new[] { "about_C2WebSocket", "default session", "heartbeat", "resume_from", "seq_id", "CheckpointPath", "atomic", "C2InboxOverflow", "C2ReplayGap", "1000", "10 connections per API key", "100 subscriptions per connection", "Scheduled tasks" })
                Assert.Contains(expected, text, StringComparison.OrdinalIgnoreCase);
        }

        [Fact]
        public void Help_converter_refuses_a_page_without_a_required_section()
        {
            var lines = new[] { "# Get-Thing", "", "## SYNOPSIS", "Gets a thing.", "", "## SYNTAX", "", "```", "Get-Thing", "```", "" };
            var ex = Assert.Throws<HelpFormatException>(() => HelpConverter.ParseCommand("Get-Thing.md", lines));
            Assert.Contains("DESCRIPTION", ex.Message);
        }

        [Fact]
        public void Help_converter_reads_parameter_yaml_and_example_code()
        {
            var md = File.ReadAllLines(Path.Combine(Repo.Root, "docs", "en-US", "Remove-C2Subscription.md"));
            var doc = HelpConverter.ParseCommand("Remove-C2Subscription.md", md);
            Assert.Equal(new[] { "Subscription", "StrategyId" }, doc.ParameterSets);
            var strategy = doc.Parameters.Single(p => p.Name == "StrategyId");
            Assert.Equal("Int64[]", strategy.Get("Type"));
            Assert.Equal("StrategyId", strategy.Get("Parameter Sets"));
            Assert.All(doc.Examples, e => Assert.Contains("C2Subscription", e.Code));
        }
    }
}
