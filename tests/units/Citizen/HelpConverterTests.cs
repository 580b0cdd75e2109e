using System.IO;
using System.Linq;
using C2WebSocket.HelpBuilder;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// The markdown -> MAML converter as a pure C# function. What Get-Help shows from its output is tested in Pester
    /// (tests/Help.Tests.ps1).
    /// </summary>
    public class HelpConverterTests
    {
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
