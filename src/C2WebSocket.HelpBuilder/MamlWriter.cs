using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace C2WebSocket.HelpBuilder
{
    /// <summary>Writes cmdlet pages as the MAML help file PowerShell's Get-Help reads (&lt;assembly&gt;-Help.xml).</summary>
    public static class MamlWriter
    {
        public static readonly XNamespace Msh = "http://msh";
        public static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        public static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        public static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        /// <summary>The help file's text: UTF-8 declaration, indented, '\n' line ends, a final newline.</summary>
        public static string ToText(IEnumerable<CommandDoc> commands)
        {
            var sb = new StringBuilder();
            using (var w = XmlWriter.Create(new StringWriter(sb), new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
                ToMaml(commands).Save(w);
            return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + sb.ToString().Replace("\r\n", "\n") + "\n";
        }

        public static XDocument ToMaml(IEnumerable<CommandDoc> commands)
        {
            var items = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"));
            foreach (var c in commands) items.Add(CommandElement(c));
            return new XDocument(items);
        }

        private static XElement Paras(XName name, IEnumerable<string> paragraphs) =>
            new XElement(name, paragraphs.Select(p => new XElement(Maml + "para", p)));

        private static XElement CommandElement(CommandDoc c)
        {
            var dash = c.Name.IndexOf('-');
            var verb = dash > 0 ? c.Name.Substring(0, dash) : c.Name;
            var noun = dash > 0 ? c.Name.Substring(dash + 1) : "";
            var cmd = new XElement(Command + "command",
                new XAttribute(XNamespace.Xmlns + "maml", Maml),
                new XAttribute(XNamespace.Xmlns + "command", Command),
                new XAttribute(XNamespace.Xmlns + "dev", Dev),
                new XElement(Command + "details",
                    new XElement(Command + "name", c.Name),
                    new XElement(Command + "verb", verb),
                    new XElement(Command + "noun", noun),
                    Paras(Maml + "description", new[] { c.Synopsis })),
                Paras(Maml + "description", c.Description));

            var syntax = new XElement(Command + "syntax");
            foreach (var set in c.ParameterSets)
            {
                var item = new XElement(Command + "syntaxItem", new XElement(Maml + "name", c.Name));
                var inSet = c.Parameters
                    .Select(p => (P: p, M: set == "__AllParameterSets" ? p.Metadata.FirstOrDefault() : p.For(set)))
                    .Where(x => x.M != null)
                    .OrderBy(x => int.TryParse(x.M!.TryGetValue("Position", out var pos) ? pos : "", out var n) ? n : int.MaxValue)
                    .ThenBy(x => c.Parameters.IndexOf(x.P));
                foreach (var (p, m) in inSet) item.Add(ParameterElement(p, m!, forSyntax: true));
                syntax.Add(item);
            }
            cmd.Add(syntax);

            cmd.Add(new XElement(Command + "parameters", c.Parameters.Select(p => ParameterElement(p, p.Metadata[0], forSyntax: false))));
            cmd.Add(new XElement(Command + "inputTypes", c.Inputs.Select(i => new XElement(Command + "inputType",
                new XElement(Dev + "type", new XElement(Maml + "name", i.Type)), Paras(Maml + "description", i.Description)))));
            cmd.Add(new XElement(Command + "returnValues", c.Outputs.Select(o => new XElement(Command + "returnValue",
                new XElement(Dev + "type", new XElement(Maml + "name", o.Type)), Paras(Maml + "description", o.Description)))));
            cmd.Add(new XElement(Maml + "alertSet", new XElement(Maml + "alert", c.Notes.Select(n => new XElement(Maml + "para", n)))));
            cmd.Add(new XElement(Command + "examples", c.Examples.Select(e => new XElement(Command + "example",
                new XElement(Maml + "title", "-------------------------- " + e.Title + " --------------------------"),
                new XElement(Dev + "code", e.Code),
                Paras(Dev + "remarks", e.Remarks)))));
            cmd.Add(new XElement(Command + "relatedLinks", c.Links.Select(l => new XElement(Maml + "navigationLink",
                new XElement(Maml + "linkText", l.Text), new XElement(Maml + "uri", l.Uri)))));
            return cmd;
        }

        private static XElement ParameterElement(ParameterDoc p, Dictionary<string, string> m, bool forSyntax)
        {
            string Meta(string key, string fallback) => m.TryGetValue(key, out var v) && v.Length > 0 ? v : p.Get(key, fallback);
            var type = Meta("Type", "Object");
            var required = Meta("Required", "False").StartsWith("True", StringComparison.OrdinalIgnoreCase);
            var position = Meta("Position", "Named");
            var pipeline = Meta("Accept pipeline input", "False");
            var globbing = Meta("Accept wildcard characters", "False").StartsWith("True", StringComparison.OrdinalIgnoreCase);
            var aliases = Meta("Aliases", "");
            var isSwitch = type.EndsWith("SwitchParameter", StringComparison.OrdinalIgnoreCase);
            var el = new XElement(Command + "parameter",
                new XAttribute("required", required ? "true" : "false"),
                new XAttribute("variableLength", type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
                new XAttribute("globbing", globbing ? "true" : "false"),
                new XAttribute("pipelineInput", pipeline),
                new XAttribute("position", position.Equals("Named", StringComparison.OrdinalIgnoreCase) ? "named" : position),
                new XAttribute("aliases", aliases.Length == 0 ? "none" : aliases),
                new XElement(Maml + "name", p.Name),
                Paras(Maml + "description", p.Description));
            if (!isSwitch || !forSyntax)
                el.Add(new XElement(Command + "parameterValue", new XAttribute("required", isSwitch ? "false" : "true"),
                    new XAttribute("variableLength", "false"), type));
            el.Add(new XElement(Dev + "type", new XElement(Maml + "name", type), new XElement(Maml + "uri")));
            el.Add(new XElement(Dev + "defaultValue", Meta("Default value", "None")));
            return el;
        }
    }
}
