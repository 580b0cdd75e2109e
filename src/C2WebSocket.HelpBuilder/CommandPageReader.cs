using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace C2WebSocket.HelpBuilder
{
    /// <summary>
    /// Reads one platyPS cmdlet page into a <see cref="CommandDoc"/>. It rejects a page that lacks a required section
    /// (or whose parameters lack a description or yaml block) instead of shipping incomplete help.
    /// </summary>
    public static class CommandPageReader
    {
        public static CommandDoc Read(string file, string[] lines)
        {
            var root = Markdown.Parse(lines);
            var title = root.Children.FirstOrDefault(c => c.Level == 1) ?? throw new HelpFormatException(file, 1, "The page has no '# <Cmdlet-Name>' heading.");
            Section Need(string name)
            {
                return title.Child(name) ?? throw new HelpFormatException(file, title.Line, "The page of " + title.Title + " has no '## " + name + "' section.");
            }
            var doc = new CommandDoc { Name = title.Title };
            doc.Synopsis = string.Join(" ", Markdown.Paragraphs(Need("SYNOPSIS")));
            if (doc.Synopsis.Trim().Length == 0) throw new HelpFormatException(file, Need("SYNOPSIS").Line, "Empty SYNOPSIS.");
            var syntax = Need("SYNTAX");
            doc.ParameterSets = syntax.Children.Select(c => Regex.Replace(c.Title, @"\s*\(Default\)\s*$", "")).ToList();
            if (doc.ParameterSets.Count == 0) doc.ParameterSets.Add("__AllParameterSets");
            doc.Description = Markdown.Paragraphs(Need("DESCRIPTION"));
            if (doc.Description.Count == 0) throw new HelpFormatException(file, Need("DESCRIPTION").Line, "Empty DESCRIPTION.");

            foreach (var ex in Need("EXAMPLES").Children)
            {
                // The first fenced block is the example's code; later ones (sample output) stay verbatim in the remarks.
                var blocks = Markdown.Blocks(ex.Body);
                var first = blocks.FindIndex(b => b.Kind.StartsWith("code:", StringComparison.Ordinal));
                if (first < 0) throw new HelpFormatException(file, ex.Line, "Example '" + ex.Title + "' has no code block.");
                var code = blocks[first].Text;
                var remarks = blocks.Where((b, i) => i != first).Select(b => b.Text).ToList();
                doc.Examples.Add((ex.Title, code, remarks));
            }

            foreach (var p in Need("PARAMETERS").Children)
            {
                if (string.Equals(p.Title, "CommonParameters", StringComparison.OrdinalIgnoreCase)) continue;
                if (!p.Title.StartsWith("-", StringComparison.Ordinal)) throw new HelpFormatException(file, p.Line, "A parameter heading must be '### -Name', not '" + p.Title + "'.");
                var pd = new ParameterDoc { Name = p.Title.Substring(1).Trim() };
                foreach (var b in Markdown.Blocks(p.Body))
                {
                    if (b.Kind == "code:yaml") pd.Metadata.Add(Yaml.Map(b.Text));
                    else if (!b.Kind.StartsWith("code:", StringComparison.Ordinal)) pd.Description.Add(b.Text);
                }
                if (pd.Description.Count == 0) throw new HelpFormatException(file, p.Line, "Parameter -" + pd.Name + " has no description.");
                if (pd.Metadata.Count == 0) throw new HelpFormatException(file, p.Line, "Parameter -" + pd.Name + " has no yaml block (Type, Parameter Sets, Aliases, Required, Position, Default value, Accept pipeline input, Accept wildcard characters).");
                doc.Parameters.Add(pd);
            }

            doc.Inputs = Typed(Need("INPUTS"));
            doc.Outputs = Typed(Need("OUTPUTS"));
            doc.Notes = Markdown.Paragraphs(title.Child("NOTES"));
            foreach (var line in Need("RELATED LINKS").Body)
            {
                foreach (Match m in Regex.Matches(line, @"\[([^\]]+)\]\(([^)]*)\)"))
                {
                    var uri = m.Groups[2].Value;
                    doc.Links.Add((m.Groups[1].Value, uri.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? uri : ""));
                }
            }
            return doc;
        }

        private static List<(string, List<string>)> Typed(Section s) =>
            s.Children.Select(c => (Markdown.Inline(c.Title), Markdown.Paragraphs(c))).ToList();
    }
}
