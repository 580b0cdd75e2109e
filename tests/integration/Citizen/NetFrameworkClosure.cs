using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using C2WebSocket.Module;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// What Windows PowerShell 5.1 loads when it imports the module, read from the files' metadata (nothing is loaded):
    /// every assembly reference of the module folder's assemblies and, recursively, of each shipped dependency it
    /// leads to, checked the way .NET Framework binds it. A reference is satisfied by the framework when .NET Framework
    /// has that assembly in-box at that version or higher (framework unification maps lower requests up; a higher
    /// one fails), by Windows PowerShell itself (System.Management.Automation 3.0.0.0), or else only by
    /// <c>dependencies/</c> through the module's AssemblyResolve handler: then the file must be there, under the
    /// assembly's own name (the handler looks files up by name), with the same public key token and an assembly
    /// version at least the referenced one (a PowerShell module has no binding redirects: powershell.exe.config is
    /// not the module's), and <see cref="DependencyResolution.Decide"/> must map the reference to that file.
    /// </summary>
    internal static class NetFrameworkClosure
    {
        public sealed record Reference(string Name, Version Version, string Token);

        public sealed record Definition(string Name, Version Version, string Token, string Path, IReadOnlyList<Reference> References);

        public sealed record Report(IReadOnlyList<string> Links, IReadOnlyList<string> Problems, IReadOnlyList<string> ShippedUnused);

        /// <summary>The assembly in a file, or null for a file with no .NET metadata (native or mixed stubs).</summary>
        public static Definition? Read(string path)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata) return null;
            var md = pe.GetMetadataReader();
            if (!md.IsAssembly) return null;
            var def = md.GetAssemblyDefinition();
            var refs = md.AssemblyReferences.Select(h =>
            {
                var r = md.GetAssemblyReference(h);
                var key = md.GetBlobBytes(r.PublicKeyOrToken);
                var token = (r.Flags & AssemblyFlags.PublicKey) != 0 ? TokenOf(key) : Hex(key);
                return new Reference(md.GetString(r.Name), r.Version, token);
            }).ToList();
            return new Definition(md.GetString(def.Name), def.Version, TokenOf(md.GetBlobBytes(def.PublicKey)), path, refs);
        }

        /// <summary>Simple name to version of every managed assembly in the given folders (the first folder wins a name).</summary>
        public static Dictionary<string, Version> ReadVersions(params string[] folders)
        {
            var result = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase);
            foreach (var folder in folders)
            foreach (var path in Directory.GetFiles(folder, "*.dll").OrderBy(p => p, StringComparer.Ordinal))
            {
                var d = Read(path);
                if (d != null && !result.ContainsKey(d.Name)) result[d.Name] = d.Version;
            }
            return result;
        }

        /// <param name="moduleFolder">The importable module folder (the psd1's folder, with dependencies/).</param>
        /// <param name="inBox">What .NET Framework has in-box: simple name to assembly version.</param>
        /// <param name="host">What Windows PowerShell itself provides: simple name to assembly version.</param>
        public static Report Check(string moduleFolder, IReadOnlyDictionary<string, Version> inBox, IReadOnlyDictionary<string, Version> host)
        {
            var links = new List<string>();
            var problems = new List<string>();
            var depFolder = Path.Combine(moduleFolder, "dependencies");
            var shipped = Directory.Exists(depFolder)
                ? Directory.GetFiles(depFolder, "*.dll").Select(Read).Where(d => d != null).Select(d => d!).ToList()
                : new List<Definition>();
            // What the live handler (ModuleInitializer.Available) offers: the file named after the simple name.
            var available = shipped.ToDictionary(d => Path.GetFileNameWithoutExtension(d.Path), d => (d.Path, d.Version), StringComparer.OrdinalIgnoreCase);
            foreach (var d in shipped.Where(d => !string.Equals(d.Name, Path.GetFileNameWithoutExtension(d.Path), StringComparison.OrdinalIgnoreCase)))
                problems.Add($"dependencies/{Path.GetFileName(d.Path)} holds the assembly {d.Name}: the resolver finds files by the assembly's name, so it would never load it");

            var queue = new Queue<Definition>(Directory.GetFiles(moduleFolder, "*.dll").OrderBy(p => p, StringComparer.Ordinal)
                .Select(Read).Where(d => d != null).Select(d => d!));
            var reached = new HashSet<string>(StringComparer.Ordinal);
            var walked = new HashSet<string>(StringComparer.Ordinal);
            while (queue.Count > 0)
            {
                var from = queue.Dequeue();
                if (!walked.Add(from.Path)) continue;
                foreach (var r in from.References)
                {
                    var what = $"{from.Name} {from.Version} -> {r.Name} {r.Version}";
                    if (host.TryGetValue(r.Name, out var hv))
                    {
                        if (r.Version <= hv) links.Add($"{what}: Windows PowerShell 5.1 ({hv})");
                        else problems.Add($"{what}: Windows PowerShell 5.1 provides {r.Name} {hv} only");
                        continue;
                    }
                    inBox.TryGetValue(r.Name, out var fv);
                    if (fv != null && r.Version <= fv) { links.Add($"{what}: in-box ({fv})"); continue; }
                    var inBoxNote = fv != null ? $" (in-box: {fv}, older)" : "";
                    if (!available.TryGetValue(r.Name, out var file))
                    {
                        problems.Add($"{what}: not in-box on .NET Framework{inBoxNote} and not in dependencies/");
                        continue;
                    }
                    var dep = shipped.Single(d => d.Path == file.Path);
                    if (dep.Version < r.Version)
                    {
                        problems.Add($"{what}: dependencies/{Path.GetFileName(file.Path)} is {dep.Version}, older than referenced; "
                                     + "Windows PowerShell has no binding redirects for a module, so it would fail to load" + inBoxNote);
                        continue;
                    }
                    if (!string.Equals(dep.Token, r.Token, StringComparison.OrdinalIgnoreCase))
                    {
                        problems.Add($"{what}: dependencies/{Path.GetFileName(file.Path)} has public key token {dep.Token}, the reference wants {r.Token}");
                        continue;
                    }
                    problems.AddRange(CheckResolver(what, r, available, file.Path, dep, fv));
                    links.Add($"{what}: dependencies/{Path.GetFileName(file.Path)} ({dep.Version}){inBoxNote}");
                    reached.Add(file.Path);
                    queue.Enqueue(dep);
                }
            }
            var unused = shipped.Where(d => !reached.Contains(d.Path)).Select(d => Path.GetFileName(d.Path)).ToList();
            return new Report(links, problems, unused);
        }

        /// <summary>The resolver's pure decision for this reference: load the file when nothing of that name is loaded or
        /// only the in-box older copy is, and reuse the shipped copy once it is loaded (never a second copy).</summary>
        private static IEnumerable<string> CheckResolver(string what, Reference r, IReadOnlyDictionary<string, (string Path, Version Version)> available,
            string path, Definition dep, Version? inBoxVersion)
        {
            var requested = new AssemblyName($"{r.Name}, Version={r.Version}, Culture=neutral, PublicKeyToken={(r.Token.Length > 0 ? r.Token : "null")}");
            var fresh = DependencyResolution.Decide(requested, available, Array.Empty<AssemblyName>());
            if (fresh.Kind != DependencyResolution.Action.LoadFile || fresh.Path != path)
                yield return $"{what}: the resolver decides {fresh} with nothing loaded, not LoadFile {path}";
            var again = DependencyResolution.Decide(requested, available, new[] { new AssemblyName($"{dep.Name}, Version={dep.Version}") });
            if (again.Kind != DependencyResolution.Action.UseLoaded || again.Loaded?.Version != dep.Version)
                yield return $"{what}: the resolver decides {again} with dependencies/{Path.GetFileName(path)} loaded, not UseLoaded (a second copy breaks type identity)";
            if (inBoxVersion != null)
            {
                var beside = DependencyResolution.Decide(requested, available, new[] { new AssemblyName($"{r.Name}, Version={inBoxVersion}") });
                if (beside.Kind != DependencyResolution.Action.LoadFile || beside.Path != path)
                    yield return $"{what}: the resolver decides {beside} with the in-box {inBoxVersion} loaded, not LoadFile {path}";
            }
        }

        private static string TokenOf(byte[] publicKey)
        {
            if (publicKey.Length == 0) return "";
            var hash = System.Security.Cryptography.SHA1.HashData(publicKey);
            return Hex(hash.Skip(hash.Length - 8).Reverse().ToArray());
        }

        private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
    }
}
