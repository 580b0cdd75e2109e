using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// Citations a reader can follow: every "docs/protocol.md §N" in the repository's sources, tests, docs and scripts
    /// names a section that docs/protocol.md has as a heading, and no code cites the protocol reference that is not in
    /// the repository ("reference §N").
    /// </summary>
    public class ProtocolNotesTests
    {
        private static readonly string Notes = Path.Combine(Repo.Root, "docs", "protocol.md");


        private static readonly string[] Extensions = { ".cs", ".ps1", ".psm1", ".psd1", ".md", ".ps1xml", ".csproj", ".props", ".json", ".sh" };
        private static readonly string[] Skipped = { "bin", "obj", "out", "node_modules", ".git" };

        // "docs/protocol.md §8.3", also "docs/protocol.md §6.2/§9.3", "§6.2, §9.3", "§5 and §10", and a citation whose
        // § starts the next comment line.
        private static readonly Regex Citation = new Regex(
            @"docs/protocol\.md[\s/#*]*(?<first>§\d+(?:\.\d+)*)(?<more>(?:\s*(?:/|,|and|or)\s*§\d+(?:\.\d+)*)*)", RegexOptions.CultureInvariant);
        private static readonly Regex Section = new Regex(@"§(\d+(?:\.\d+)*)", RegexOptions.CultureInvariant);
        private static readonly Regex Heading = new Regex(@"^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s", RegexOptions.CultureInvariant | RegexOptions.Multiline);
        private static readonly Regex OldCitation = new Regex(@"reference(?:'s)?\s+§\d", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        /// <summary>The section numbers a text cites as docs/protocol.md §N.</summary>
        internal static IEnumerable<string> Cited(string text) =>
            Citation.Matches(text).SelectMany(m => Section.Matches(m.Value).Select(s => s.Groups[1].Value));

        /// <summary>The section numbers of a markdown file's headings ("## 8. ...", "### 8.3 ...").</summary>
        internal static List<string> Headings(string markdown) =>
            Heading.Matches(markdown).Select(m => m.Groups[1].Value).ToList();

        private static IEnumerable<string> RepositoryFiles()
        {
            var stack = new Stack<string>(new[] { Repo.Root });
            while (stack.Count > 0)
            {
                var dir = stack.Pop();
                foreach (var sub in Directory.GetDirectories(dir))
                    if (!Skipped.Contains(Path.GetFileName(sub), StringComparer.OrdinalIgnoreCase)) stack.Push(sub);
                foreach (var file in Directory.GetFiles(dir))
                    if (Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase) && file != Notes) yield return file;
            }
        }

        private static string Relative(string path) => Path.GetRelativePath(Repo.Root, path);

        [Fact]
        public void Every_cited_section_of_docs_protocol_md_is_a_heading_there()
        {
            var headings = new HashSet<string>(Headings(File.ReadAllText(Notes)), StringComparer.Ordinal);
            var citations = RepositoryFiles()
                .SelectMany(f => Cited(File.ReadAllText(f)).Select(n => (File: Relative(f), Section: n)))
                .ToList();
            var missing = citations.Where(c => !headings.Contains(c.Section)).Select(c => c.File + ": §" + c.Section).Distinct().ToList();
            Assert.True(missing.Count == 0, "docs/protocol.md has no heading for:\n" + string.Join("\n", missing));
            // Not vacuous: the code's citations were found (Protocol/, the simulator, the tests).
            Assert.True(citations.Count >= 20, "only " + citations.Count + " citations found");
            Assert.Contains(citations, c => c.File.StartsWith(Path.Combine("src", "C2WebSocket", "Protocol"), StringComparison.Ordinal));
            Assert.Contains(citations, c => c.File.StartsWith(Path.Combine("tests", "unit") + Path.DirectorySeparatorChar, StringComparison.Ordinal));
            Assert.Contains(citations, c => c.File.StartsWith(Path.Combine("tests", "integration") + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        }

        [Fact]
        public void Docs_protocol_md_numbers_its_sections_once_and_in_order()
        {
            var numbers = Headings(File.ReadAllText(Notes));
            Assert.Equal(numbers.Distinct().Count(), numbers.Count);
            var ordered = numbers.OrderBy(n => n, Comparer<string>.Create(CompareSections)).ToList();
            Assert.Equal(ordered, numbers);
            // Every top-level section of the reference, 0 to 15, so the numbers mean the same in both.
            Assert.Equal(Enumerable.Range(0, 16).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                numbers.Where(n => !n.Contains('.')));
        }

        [Fact]
        public void No_code_cites_the_reference_that_is_not_in_the_repository()
        {
            var old = RepositoryFiles()
                .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Relative(f), Line: i + 1, Text: line)))
                .Where(l => OldCitation.IsMatch(l.Text))
                .Select(l => l.File + ":" + l.Line + ": " + l.Text.Trim())
                .ToList();
            Assert.True(old.Count == 0, "Cite docs/protocol.md §N instead:\n" + string.Join("\n", old));
        }

        [Fact]
        public void The_citation_reader_finds_every_form_and_the_check_catches_a_missing_section()
        {
            var text = "see docs/protocol.md §8.3. Also (docs/protocol.md §6.2/§9.3) and docs/protocol.md §5 and §10, " +
                       "docs/protocol.md\n    /// §8.1), docs/protocol.md §9.2: x; not this: reference " + "§4, §7";
            Assert.Equal(new[] { "8.3", "6.2", "9.3", "5", "10", "8.1", "9.2" }, Cited(text));
            var headings = Headings("# Title\n## 8. Seq\n### 8.3 The gap\n## 13.2 Open\nText 9.2 not a heading\n");
            Assert.Equal(new[] { "8", "8.3", "13.2" }, headings);
            Assert.DoesNotContain("9.2", headings);
        }

        private static int CompareSections(string a, string b)
        {
            var x = a.Split('.').Select(int.Parse).ToArray();
            var y = b.Split('.').Select(int.Parse).ToArray();
            for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
                if (x[i] != y[i]) return x[i].CompareTo(y[i]);
            return x.Length.CompareTo(y.Length);
        }
    }
}
