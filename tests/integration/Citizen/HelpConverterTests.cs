using System;
using System.IO;
using System.Linq;
using System.Text;
using C2WebSocket.HelpBuilder;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// The markdown -> MAML converter, piece by piece, as pure C# functions. What Get-Help shows from its output is
    /// tested in Pester (tests/Help.Tests.ps1).
    /// </summary>
    public class HelpConverterTests
    {
        [Fact]
        public void Help_converter_refuses_a_page_without_a_required_section()
        {
            var lines = new[] { "# Get-Thing", "", "## SYNOPSIS", "Gets a thing.", "", "## SYNTAX", "", "```", "Get-Thing", "```", "" };
            var ex = Assert.Throws<HelpFormatException>(() => CommandPageReader.Read("Get-Thing.md", lines));
            Assert.Contains("DESCRIPTION", ex.Message);
        }

        [Fact]
        public void Help_converter_reads_parameter_yaml_and_example_code()
        {
            var md = File.ReadAllLines(Path.Combine(Repo.Root, "docs", "en-US", "Remove-C2Subscription.md"));
            var doc = CommandPageReader.Read("Remove-C2Subscription.md", md);
            Assert.Equal(new[] { "Subscription", "StrategyId" }, doc.ParameterSets);
            var strategy = doc.Parameters.Single(p => p.Name == "StrategyId");
            Assert.Equal("Int64[]", strategy.Get("Type"));
            Assert.Equal("StrategyId", strategy.Get("Parameter Sets"));
            Assert.All(doc.Examples, e => Assert.Contains("C2Subscription", e.Code));
        }

        [Fact]
        public void Markdown_skips_the_front_matter_and_reads_no_heading_inside_a_code_fence()
        {
            var lines = new[] { "---", "external help file: C2WebSocket.dll-Help.xml", "---", "# Get-Thing", "## EXAMPLES", "```powershell", "# a comment, not a heading", "```", "## NOTES" };
            Assert.Equal(3, Yaml.FrontMatterEnd(lines));
            var root = Markdown.Parse(lines);
            var title = Assert.Single(root.Children);
            Assert.Equal("Get-Thing", title.Title);
            Assert.Equal(new[] { "EXAMPLES", "NOTES" }, title.Children.Select(c => c.Title));
            Assert.Contains("# a comment, not a heading", title.Child("examples")!.Body);
            Assert.Equal(0, Yaml.FrontMatterEnd(new[] { "---", "never closed" }));
        }

        [Fact]
        public void Markdown_blocks_are_paragraphs_list_items_rows_and_verbatim_code()
        {
            var body = new[] { "One **bold**", "paragraph.", "", "- an item", "  that goes on", "| a | b |", "```yaml", "Type: String", "  indented: kept", "```", "See [the docs](https://x.test/d) and [Get-Thing](Get-Thing.md)." };
            var blocks = Markdown.Blocks(body);
            Assert.Equal(new[] { ("p", "One bold paragraph."), ("li", "- an item that goes on"), ("row", "| a | b |"),
                ("code:yaml", "Type: String\n  indented: kept"), ("p", "See the docs (https://x.test/d) and Get-Thing.") }, blocks);
            Assert.Equal("Takes <String> as is_it, *args", Markdown.Inline(@"Takes \<String\> as is\_it, \*args"));
        }

        [Fact]
        public void Yaml_map_reads_keys_case_insensitively_and_keeps_the_last()
        {
            var m = Yaml.Map("Type: Int64[]\nParameter Sets: A, B\nno key here\ntype: String\nDefault value: a:b");
            Assert.Equal("String", m["TYPE"]);
            Assert.Equal("A, B", m["parameter sets"]);
            Assert.Equal("a:b", m["Default value"]);
            Assert.Equal(3, m.Count);
        }

        [Fact]
        public void Text_wrapper_keeps_words_whole_within_the_width_with_both_indents()
        {
            var sb = new StringBuilder();
            TextWrapper.Wrap(sb, "alpha beta gamma delta " + new string('x', 30), "    ", "      ", width: 20);
            Assert.Equal("    alpha beta gamma\n      delta\n      " + new string('x', 30) + "\n", sb.ToString());
        }

        [Fact]
        public void About_topic_text_has_the_topic_capitalised_sections_wrapped_text_and_verbatim_code()
        {
            var md = new[] { "# about_Thing", "## SHORT DESCRIPTION", "Says what it is.", "## LONG DESCRIPTION", "### Details", "- one", "- two", "", "```powershell", "Get-Thing | Out-Host", "```" };
            Assert.Equal("TOPIC\n    about_Thing\n\nSHORT DESCRIPTION\n    Says what it is.\n\nLONG DESCRIPTION\n  Details\n    - one\n    - two\n        Get-Thing | Out-Host\n",
                AboutTopicWriter.ToText("about_Thing.md", md));
            var ex = Assert.Throws<HelpFormatException>(() => AboutTopicWriter.ToText("about_Thing.md", new[] { "# about_Thing", "## LONG DESCRIPTION", "x" }));
            Assert.Contains("SHORT DESCRIPTION", ex.Message);
        }

        [Fact]
        public void Maml_lists_syntax_by_position_and_gives_a_switch_no_value_in_the_syntax()
        {
            var doc = CommandPageReader.Read("Get-Thing.md", new[]
            {
                "# Get-Thing", "## SYNOPSIS", "Gets a thing.", "## SYNTAX", "### Default (Default)", "```", "Get-Thing [-Name] <String> [-Force]", "```",
                "## DESCRIPTION", "Gets it.", "## EXAMPLES", "### Example 1", "```powershell", "Get-Thing a", "```", "It gets a.",
                "## PARAMETERS",
                "### -Force", "Forces it.", "```yaml", "Type: SwitchParameter", "Parameter Sets: (All)", "Position: Named", "```",
                "### -Name", "The name.", "```yaml", "Type: String", "Parameter Sets: (All)", "Position: 0", "Required: True", "Accept pipeline input: True (ByValue)", "```",
                "## INPUTS", "### System.String", "A name.", "## OUTPUTS", "### Thing", "A thing.", "## RELATED LINKS", "[Online](https://x.test/thing)", "[Get-Other](Get-Other.md)",
            });
            var text = MamlWriter.ToText(new[] { doc });
            Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<helpItems schema=\"maml\" xmlns=\"http://msh\">", text);
            Assert.EndsWith("</helpItems>\n", text);
            Assert.DoesNotContain("\r", text);
            var x = MamlWriter.ToMaml(new[] { doc });
            var syntax = x.Descendants(MamlWriter.Command + "syntaxItem").Single().Elements(MamlWriter.Command + "parameter").ToList();
            Assert.Equal(new[] { "Name", "Force" }, syntax.Select(p => p.Element(MamlWriter.Maml + "name")!.Value));
            Assert.Equal("0", syntax[0].Attribute("position")!.Value);
            Assert.Equal("true", syntax[0].Attribute("required")!.Value);
            Assert.Equal("True (ByValue)", syntax[0].Attribute("pipelineInput")!.Value);
            Assert.Null(syntax[1].Element(MamlWriter.Command + "parameterValue"));
            var links = x.Descendants(MamlWriter.Maml + "navigationLink").Select(l => (l.Element(MamlWriter.Maml + "linkText")!.Value, l.Element(MamlWriter.Maml + "uri")!.Value));
            Assert.Equal(new[] { ("Online", "https://x.test/thing"), ("Get-Other", "") }, links);
        }
    }
}
